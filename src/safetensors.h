// A validating reader of the safetensors format: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}}, then the raw tensor bytes. Views point into the caller's buffer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace bert {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool, kF8E4M3, kF8E5M2, kU16, kU32, kU64 };

struct TensorView {
  std::string name;
  DType dtype;
  std::string dtype_name;
  std::vector<int64_t> shape;
  std::span<const uint8_t> data;

  int64_t num_elements() const;
};

class SafeTensors {
 public:
  // Parses and fully validates `file` (which must outlive this object): header bounds, JSON shape,
  // known dtypes, byte sizes matching shapes, offsets inside the data section and not overlapping.
  static Status Parse(std::span<const uint8_t> file, SafeTensors* out);

  const TensorView* Find(std::string_view name) const;  // nullptr when absent
  const std::vector<TensorView>& tensors() const { return tensors_; }

 private:
  std::vector<TensorView> tensors_;  // sorted by name
};

// Converts F32, F16 or BF16 data to float32; other dtypes are kBadWeights naming the tensor.
Status ToFloat32(const TensorView& tensor, std::span<float> out);

}  // namespace bert
