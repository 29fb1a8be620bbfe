// Element types of safetensors files: names, sizes, and conversion to the f32 compute form. The one place a
// new storage type is added.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace bert {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool, kF8E4M3, kF8E5M2, kU16, kU32, kU64 };

struct DTypeInfo {
  std::string_view name;  // as safetensors spells it
  DType dtype;
  int bytes;  // per element
};

// The dtype named `name` ("F32", "BF16", ...), or null when safetensors defines no such name.
const DTypeInfo* FindDType(std::string_view name);
const DTypeInfo& InfoOf(DType dtype);

// F32, F16 and BF16 convert to f32; of the others only I8 holds weights (a q8 checkpoint's matrices,
// io/tensors.h).
bool IsFloat(DType dtype);

// Converts `bytes` (whole little-endian elements of a float dtype) to f32 values.
void ConvertToF32(DType dtype, std::span<const uint8_t> bytes, float* out);

}  // namespace bert
