#include "io/tensors.h"

#include <algorithm>

#include "core/memory.h"

namespace bert {

Status AddTensor(const RawTensor& raw, TensorMap* out) {
  Tensor t{raw.dtype, {raw.shape.begin(), raw.shape.end()}, {}};
  if (IsFloat(raw.dtype)) {
    t.values.resize(raw.bytes.size() / static_cast<size_t>(InfoOf(raw.dtype).bytes));
    ConvertToF32(raw.dtype, raw.bytes, t.values.data());
  }
  out->insert_or_assign(std::string(raw.name), std::move(t));
  return {};
}

Status ReserveTensors(std::span<const TensorInfo> tensors) {
  uint64_t total = 0, largest = 0;
  for (const TensorInfo& t : tensors) {
    if (!IsFloat(t.dtype)) continue;
    const uint64_t bytes = t.bytes / static_cast<uint64_t>(InfoOf(t.dtype).bytes) * sizeof(float);
    total = bytes > UINT64_MAX / 2 - total ? UINT64_MAX / 2 : total + bytes;  // saturates, never wraps
    largest = std::max(largest, bytes);
  }
  // On top of the f32 weights, one tensor's worth in flight: a tensor's bytes gathered across writes, or a
  // matrix being packed for the GEMM.
  return ReserveMemory(total + largest, "model.safetensors (" + std::to_string(tensors.size()) +
                                            " tensors, as float32 plus one in flight)");
}

}  // namespace bert
