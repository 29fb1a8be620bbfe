#include "io/tensors.h"

#include <algorithm>
#include <cstring>

#include "core/memory.h"
#include "kernels/qgemm.h"

namespace bert {
namespace {

// An empty matrix stays as it is: f32, no elements (its rows would get scales without any data).
bool Quantized(const QuantizePredicate& quantize, std::string_view name, DType dtype,
               std::span<const int64_t> shape) {
  return quantize && IsFloat(dtype) && shape.size() == 2 && shape[0] > 0 && shape[1] > 0 && quantize(name, shape);
}

// Grows `v` to hold `n` values (a no-op where Begin sized it whole).
template <typename T>
void Fit(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

std::span<const uint8_t> Bytes(const auto& values) {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(values[0])};
}

}  // namespace

void TensorCollector::Begin(const TensorInfo& info) {
  auto& [name, t] = *out_->insert_or_assign(std::string(info.name), Tensor{info.dtype, {info.shape.begin(), info.shape.end()}, {}, {}})
                         .first;
  name_ = name;
  tensor_ = &t;
  done_ = 0;
  carry_.clear();
  // The reader refused tensors too large to address here.
  const size_t element = static_cast<size_t>(InfoOf(info.dtype).bytes);
  const size_t elements = file_size_known_ ? static_cast<size_t>(info.bytes) / element : 0;
  if (Quantized(quantize_, info.name, info.dtype, info.shape)) {
    form_ = Form::kQuantized;
    cols_ = static_cast<size_t>(info.shape[1]);
    unit_ = cols_ * element;
    t.q8.values.resize(elements);
    t.q8.scales.resize(elements / cols_);
  } else if (IsQ8Rows(info.dtype, info.shape)) {
    form_ = Form::kQ8Rows;
    unit_ = 1;
    t.q8.values.resize(elements);
  } else if (IsFloat(info.dtype)) {
    form_ = Form::kF32;
    unit_ = element;
    t.values.resize(elements);
  } else {
    form_ = Form::kKept;
    unit_ = 1;
  }
}

Status TensorCollector::Add(const TensorPiece& piece) {
  if (piece.offset == 0) Begin(piece.tensor);
  std::span<const uint8_t> bytes = piece.bytes;
  if (!carry_.empty()) {
    const size_t take = std::min(unit_ - carry_.size(), bytes.size());
    carry_.insert(carry_.end(), bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    if (carry_.size() < unit_) return {};
    BERT_RETURN_IF_ERROR(Convert(carry_));
    carry_.clear();
  }
  const size_t whole = bytes.size() / unit_ * unit_;
  BERT_RETURN_IF_ERROR(Convert(bytes.first(whole)));
  carry_.assign(bytes.begin() + static_cast<ptrdiff_t>(whole), bytes.end());
  return {};
}

Status TensorCollector::Convert(std::span<const uint8_t> units) {
  const size_t count = units.size() / unit_;
  if (count == 0) return {};
  switch (form_) {
    case Form::kKept: break;
    case Form::kF32:
      Fit(tensor_->values, done_ + count);
      ConvertToF32(tensor_->dtype, units, tensor_->values.data() + done_);
      break;
    case Form::kQuantized:
      // Row by row: only one row is ever in f32.
      Fit(tensor_->q8.values, (done_ + count) * cols_);
      Fit(tensor_->q8.scales, done_ + count);
      row_.resize(cols_);
      for (size_t r = 0; r < count; ++r) {
        ConvertToF32(tensor_->dtype, units.subspan(r * unit_, unit_), row_.data());
        const size_t row = done_ + r;
        tensor_->q8.scales[row] = QuantizeRowQ8(static_cast<int>(cols_), row_.data(), tensor_->q8.values.data() + row * cols_);
      }
      break;
    case Form::kQ8Rows:
      // q8 is symmetric, [-127, 127]: the kernels negate weights (relaxed SIMD's), and -128 has no negation.
      if (std::find(units.begin(), units.end(), static_cast<uint8_t>(INT8_MIN)) != units.end()) {
        return Error(StatusCode::kBadWeights, "model.safetensors: tensor \"" + std::string(name_) +
                                                  "\" holds -128: q8 weights are symmetric, in [-127, 127]");
      }
      Fit(tensor_->q8.values, done_ + count);
      std::memcpy(tensor_->q8.values.data() + done_, units.data(), units.size());
      break;
  }
  done_ += count;
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
      [collector = std::make_shared<TensorCollector>(out, quantize, file_size.has_value())](const TensorPiece& piece) {
        return collector->Add(piece);
      },
      file_size,
      [quantize, check = std::move(check)](std::span<const TensorInfo> header) {
        if (check) BERT_RETURN_IF_ERROR(check(header));
        return ReserveTensors(header, quantize);
      });
}

Status ReserveTensors(std::span<const TensorInfo> tensors, const QuantizePredicate& quantize) {
  // What is held at once: at the end, every tensor in compute form plus the largest being packed for the
  // GEMM. Sums saturate, never wrap.
  const auto add = [](uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; };
  uint64_t loaded = 0, largest = 0;
  for (const TensorInfo& t : tensors) {
    const bool rows = IsQ8Rows(t.dtype, t.shape);
    if (!IsFloat(t.dtype) && !rows) continue;
    const uint64_t elements = t.bytes / static_cast<uint64_t>(InfoOf(t.dtype).bytes);
    const uint64_t bytes = rows ? elements
                           : Quantized(quantize, t.name, t.dtype, t.shape)
                               ? elements + static_cast<uint64_t>(t.shape[0]) * sizeof(float)
                               : elements * sizeof(float);
    loaded = add(loaded, bytes);
    largest = std::max(largest, bytes);
  }
  return ReserveMemory(add(loaded, largest), "model.safetensors (" + std::to_string(tensors.size()) +
                                                 " tensors, in compute form plus the largest being packed)");
}

}  // namespace bert
