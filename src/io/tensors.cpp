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
  } else if (IsFloat(raw.dtype)) {
    t.values.resize(raw.bytes.size() / element);
    ConvertToF32(raw.dtype, raw.bytes, t.values.data());
  }
  out->insert_or_assign(std::string(raw.name), std::move(t));
  return {};
}

Status ReserveTensors(std::span<const TensorInfo> tensors, const QuantizePredicate& quantize) {
  // What is held at once, following the file's order: the tensors loaded so far plus the one arriving
  // (its bytes gathered across writes, then its compute form); at the end, all of them plus the largest
  // being packed for the GEMM. Sums saturate, never wrap.
  const auto add = [](uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; };
  uint64_t loaded = 0, largest = 0, peak = 0;
  for (const TensorInfo& t : tensors) {
    if (!IsFloat(t.dtype)) continue;
    const uint64_t elements = t.bytes / static_cast<uint64_t>(InfoOf(t.dtype).bytes);
    const uint64_t bytes = Quantized(quantize, t.name, t.dtype, t.shape)
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
