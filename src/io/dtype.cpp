#include "io/dtype.h"

#include <cstring>

namespace bert {
namespace {

constexpr DTypeInfo kDTypes[] = {
    {"F64", DType::kF64, 8},   {"F32", DType::kF32, 4},        {"F16", DType::kF16, 2},
    {"BF16", DType::kBF16, 2}, {"I64", DType::kI64, 8},        {"I32", DType::kI32, 4},
    {"I16", DType::kI16, 2},   {"I8", DType::kI8, 1},          {"U8", DType::kU8, 1},
    {"BOOL", DType::kBool, 1}, {"F8_E4M3", DType::kF8E4M3, 1}, {"F8_E5M2", DType::kF8E5M2, 1},
    {"U16", DType::kU16, 2},   {"U32", DType::kU32, 4},        {"U64", DType::kU64, 8},
};

// std::bit_cast is missing from the libc++ of Emscripten 3.1.6.
float FloatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf / NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal half: normalize the mantissa.
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FFu) << 13);
  }
  return FloatFromBits(bits);
}

uint16_t LoadU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);  // unaligned-safe; all supported targets are little-endian
  return v;
}

}  // namespace

const DTypeInfo* FindDType(std::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

const DTypeInfo& InfoOf(DType dtype) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.dtype == dtype) return info;
  }
  return kDTypes[0];  // unreachable: every enumerator is in the table
}

bool IsFloat(DType dtype) { return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16; }

void ConvertToF32(DType dtype, std::span<const uint8_t> bytes, float* out) {
  switch (dtype) {
    case DType::kF32:
      if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());  // `out` may be null for no elements
      return;
    case DType::kF16:
      for (size_t i = 0; i + 1 < bytes.size(); i += 2) out[i / 2] = HalfToFloat(LoadU16(bytes.data() + i));
      return;
    case DType::kBF16:
      for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
        out[i / 2] = FloatFromBits(static_cast<uint32_t>(LoadU16(bytes.data() + i)) << 16);
      }
      return;
    default: return;  // not a float dtype: callers check IsFloat first
  }
}

}  // namespace bert
