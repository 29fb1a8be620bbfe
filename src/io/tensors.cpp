#include "io/tensors.h"

#include <algorithm>

#include "core/memory.h"
#include "kernels/qgemm.h"

namespace bert {
namespace {

bool Quantized(const QuantizePredicate& quantize, std::string_view name, DType dtype,
               std::span<const int64_t> shape) {
  return quantize && IsFloat(dtype) && shape.size() == 2 && quantize(name, shape);
}

std::span<const uint8_t> Bytes(const auto& values) {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(values[0])};
}

}  // namespace

Status AddTensor(const RawTensor& raw, TensorMap* out, const QuantizePredicate& quantize) {
  Tensor t{raw.dtype, {raw.shape.begin(), raw.shape.end()}, {}, {}};
  const size_t element = IsFloat(raw.dtype) ? static_cast<size_t>(InfoOf(raw.dtype).bytes) : 1;
  if (Quantized(quantize, raw.name, raw.dtype, raw.shape)) {
    // Row by row: only one row is ever in f32.
    const size_t rows = static_cast<size_t>(raw.shape[0]), cols = static_cast<size_t>(raw.shape[1]);
    t.q8.values.resize(rows * cols);
    t.q8.scales.resize(rows);
    std::vector<float> row(cols);
    for (size_t r = 0; r < rows; ++r) {
      ConvertToF32(raw.dtype, raw.bytes.subspan(r * cols * element, cols * element), row.data());
      t.q8.scales[r] = QuantizeRowQ8(static_cast<int>(cols), row.data(), t.q8.values.data() + r * cols);
    }
  } else if (IsQ8Rows(raw.dtype, raw.shape)) {
    t.q8.values.assign(reinterpret_cast<const int8_t*>(raw.bytes.data()),
                       reinterpret_cast<const int8_t*>(raw.bytes.data() + raw.bytes.size()));
    // q8 is symmetric, [-127, 127]: the kernels negate weights (relaxed SIMD's), and -128 has no negation.
    if (std::find(t.q8.values.begin(), t.q8.values.end(), INT8_MIN) != t.q8.values.end()) {
      return Error(StatusCode::kBadWeights, "model.safetensors: tensor \"" + std::string(raw.name) +
                                                "\" holds -128: q8 weights are symmetric, in [-127, 127]");
    }
  } else if (IsFloat(raw.dtype)) {
    t.values.resize(raw.bytes.size() / element);
    ConvertToF32(raw.dtype, raw.bytes, t.values.data());
  }
  out->insert_or_assign(std::string(raw.name), std::move(t));
  return {};
}

Status WriteQ8Checkpoint(const TensorMap& tensors, std::vector<uint8_t>* file) {
  uint64_t bytes = 0;
  for (const auto& [name, t] : tensors) bytes += t.q8.values.size() + (t.values.size() + t.q8.scales.size()) * sizeof(float);
  // The tensors' bytes gathered once at their exact size, then the file they become.
  BERT_RETURN_IF_ERROR(ReserveMemory(2 * bytes, "the q8 model.safetensors"));
  SafetensorsWriter writer;
  writer.Reserve(static_cast<size_t>(bytes));
  for (const auto& [name, t] : tensors) {
    if (!t.q8.values.empty()) {
      writer.Add(name, DType::kI8, t.shape, Bytes(t.q8.values));
      // Scales made here; a q8 checkpoint read in brings its own as a tensor of the map.
      if (!t.q8.scales.empty()) writer.Add(ScaleName(name), DType::kF32, {t.shape[0]}, Bytes(t.q8.scales));
    } else if (IsFloat(t.dtype)) {
      writer.Add(name, DType::kF32, t.shape, Bytes(t.values));
    }
  }
  *file = writer.Finish({
      {"format", "pt"},
      {"quantization", "q8"},
      {"quantization_scheme",
       "bert-wasm q8: each I8 matrix [rows, cols] is symmetric per row: value = int8 * <name>_scale[row] "
       "(F32 [rows], scale = max |row| / 127); other tensors are F32"},
  });
  return {};
}

std::unique_ptr<SafetensorsReader> MakeTensorReader(TensorMap* out, QuantizePredicate quantize,
                                                    std::optional<uint64_t> file_size, HeaderSink check) {
  return std::make_unique<SafetensorsReader>(
      [out, quantize](const RawTensor& t) { return AddTensor(t, out, quantize); }, file_size,
      [quantize, check = std::move(check)](std::span<const TensorInfo> header) {
        if (check) BERT_RETURN_IF_ERROR(check(header));
        return ReserveTensors(header, quantize);
      });
}

Status ReserveTensors(std::span<const TensorInfo> tensors, const QuantizePredicate& quantize) {
  // What is held at once, following the file's order: the tensors loaded so far plus the one arriving
  // (its bytes gathered across writes, then its compute form); at the end, all of them plus the largest
  // being packed for the GEMM. Sums saturate, never wrap.
  const auto add = [](uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; };
  uint64_t loaded = 0, largest = 0, peak = 0;
  for (const TensorInfo& t : tensors) {
    const bool rows = IsQ8Rows(t.dtype, t.shape);
    if (!IsFloat(t.dtype) && !rows) continue;
    const uint64_t elements = t.bytes / static_cast<uint64_t>(InfoOf(t.dtype).bytes);
    const uint64_t bytes = rows ? elements
                           : Quantized(quantize, t.name, t.dtype, t.shape)
                               ? elements + static_cast<uint64_t>(t.shape[0]) * sizeof(float)
                               : elements * sizeof(float);
    peak = std::max(peak, add(loaded, add(t.bytes, bytes)));
    loaded = add(loaded, bytes);
    largest = std::max(largest, bytes);
  }
  peak = std::max(peak, add(loaded, largest));
  return ReserveMemory(peak, "model.safetensors (" + std::to_string(tensors.size()) +
                                 " tensors, in compute form plus one in flight)");
}

}  // namespace bert
