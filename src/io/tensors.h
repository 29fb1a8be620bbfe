// A checkpoint's tensors in compute form, keyed by name: what a TensorCollector makes of the pieces of a
// safetensors file's tensors. Float tensors (F32, F16, BF16) become f32, or, in a q8 model, the matrices its
// predicate names become int8 rows as they arrive (the f32 matrix is never held). I8 matrices are the
// rows of a q8 checkpoint (values in [-127, 127]), whose scales come as the F32 tensor "<name>_scale"
// [rows]. Other tensors keep only their name and shape, so that a model needing one can say which dtype
// it found.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/dtype.h"
#include "io/safetensors.h"

namespace bert {

// The form weights are computed in: f32, or q8 (int8 rows with one f32 scale per row).
enum class WeightDType { kF32, kQ8 };

// Rows of int8 with one f32 scale per row: value = q * scale (kernels/qgemm.h's QuantizeRowQ8).
struct QuantizedRows {
  std::vector<int8_t> values;
  std::vector<float> scales;
};

struct Tensor {
  DType dtype;  // as stored in the file
  std::vector<int64_t> shape;
  std::vector<float> values;  // f32 values of a float tensor kept in f32; empty otherwise
  QuantizedRows q8;           // a float matrix quantized on arrival
};

using TensorMap = std::map<std::string, Tensor, std::less<>>;

// The name of the scales of an I8 matrix in a q8 checkpoint.
inline std::string ScaleName(std::string_view matrix) { return std::string(matrix) + "_scale"; }

// Whether a tensor is the int8 rows of a q8 checkpoint's matrix (I8, two dimensions).
inline bool IsQ8Rows(DType dtype, std::span<const int64_t> shape) { return dtype == DType::kI8 && shape.size() == 2; }

// Which float matrices a load quantizes (none for f32 models).
using QuantizePredicate = std::function<bool(std::string_view name, std::span<const int64_t> shape)>;

// The sink that fills a TensorMap: each piece is converted into the tensor's storage as it arrives (whole
// elements, or whole rows of a matrix quantized on arrival; a unit split across pieces waits in `carry_`),
// so a tensor is never gathered in file form. The storage is allocated whole at a tensor's first piece
// when `file_size_known` (the reader then checked the header's claims against the file), else it grows
// with the bytes that arrive, so that a header lying about a stream of unknown length costs nothing.
class TensorCollector {
 public:
  explicit TensorCollector(TensorMap* out, QuantizePredicate quantize = {}, bool file_size_known = false)
      : out_(out), quantize_(std::move(quantize)), file_size_known_(file_size_known) {}
  Status Add(const TensorPiece& piece);

 private:
  enum class Form { kKept, kF32, kQuantized, kQ8Rows };  // kKept: name and shape only
  void Begin(const TensorInfo& info);
  Status Convert(std::span<const uint8_t> units);

  TensorMap* out_;
  QuantizePredicate quantize_;
  bool file_size_known_;
  std::string_view name_;     // of the tensor arriving (its key in out_)
  Tensor* tensor_ = nullptr;
  Form form_ = Form::kKept;
  size_t unit_ = 1;             // bytes converted together: an element, or a row when quantizing
  size_t cols_ = 0;             // of a matrix quantized on arrival
  size_t done_ = 0;             // units converted so far
  std::vector<uint8_t> carry_;  // the start of a unit split across pieces
  std::vector<float> row_;      // a row in f32 on its way to q8
};

// A q8 checkpoint of `tensors` (as its __metadata__ describes): each quantized matrix as I8 rows plus its
// F32 scales, every other float tensor as F32; other tensors are left out. kOutOfMemory when the file
// cannot be held beside the tensors.
Status WriteQ8Checkpoint(const TensorMap& tensors, std::vector<uint8_t>* file);

// A reader that fills `out` in compute form (TensorCollector): it reserves the memory (ReserveTensors)
// once `check` (when given) has accepted the header.
std::unique_ptr<SafetensorsReader> MakeTensorReader(TensorMap* out, QuantizePredicate quantize,
                                                    std::optional<uint64_t> file_size, HeaderSink check = {});

// Reserves the memory the header's tensors take in compute form, before their data arrives (see
// core/memory.h): kOutOfMemory, with the size, when they cannot fit.
Status ReserveTensors(std::span<const TensorInfo> tensors, const QuantizePredicate& quantize = {});

}  // namespace bert
