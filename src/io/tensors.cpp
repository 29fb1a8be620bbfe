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
  uint64_t total = 0, largest = 0;
  for (const TensorInfo& t : tensors) {
    if (!IsFloat(t.dtype)) continue;
    const uint64_t elements = t.bytes / static_cast<uint64_t>(InfoOf(t.dtype).bytes);
    const uint64_t bytes = Quantized(quantize, t.name, t.dtype, t.shape)
                               ? elements + static_cast<uint64_t>(t.shape[0]) * sizeof(float)
                               : elements * sizeof(float);
    total = bytes > UINT64_MAX / 2 - total ? UINT64_MAX / 2 : total + bytes;  // saturates, never wraps
    largest = std::max({largest, bytes, t.bytes});
  }
  // On top of the weights, one tensor's worth in flight: a tensor's bytes gathered across writes, or a
  // matrix being packed for the GEMM.
  return ReserveMemory(total + largest, "model.safetensors (" + std::to_string(tensors.size()) +
                                            " tensors, in compute form plus one in flight)");
}

}  // namespace bert
