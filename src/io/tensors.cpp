#include "io/tensors.h"

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

}  // namespace bert
