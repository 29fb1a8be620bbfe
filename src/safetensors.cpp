#include "safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace bert {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the reference implementation's limit

Status FileError(const std::string& what) { return Error(StatusCode::kBadWeights, "model.safetensors: " + what); }
Status TensorError(const std::string& name, const std::string& what) {
  return FileError("tensor \"" + name + "\": " + what);
}

struct DTypeInfo {
  const char* name;
  DType dtype;
  int bytes;
};
constexpr DTypeInfo kDTypes[] = {
    {"F64", DType::kF64, 8},      {"F32", DType::kF32, 4},          {"F16", DType::kF16, 2},
    {"BF16", DType::kBF16, 2},    {"I64", DType::kI64, 8},          {"I32", DType::kI32, 4},
    {"I16", DType::kI16, 2},      {"I8", DType::kI8, 1},            {"U8", DType::kU8, 1},
    {"BOOL", DType::kBool, 1},    {"F8_E4M3", DType::kF8E4M3, 1},   {"F8_E5M2", DType::kF8E5M2, 1},
    {"U16", DType::kU16, 2},      {"U32", DType::kU32, 4},          {"U64", DType::kU64, 8},
};

const DTypeInfo* FindDType(std::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

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

template <typename T>
T LoadLE(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // unaligned-safe; all supported targets are little-endian
  return v;
}

}  // namespace

int64_t TensorView::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Status SafeTensors::Parse(std::span<const uint8_t> file, SafeTensors* out) {
  if (file.size() < 8) {
    return FileError("file is " + std::to_string(file.size()) + " bytes, too short for the 8-byte header length");
  }
  const uint64_t header_len = LoadLE<uint64_t>(file.data());
  if (header_len > kMaxHeaderBytes) return FileError("header length " + std::to_string(header_len) + " is implausibly large");
  if (header_len > file.size() - 8) {
    return FileError("header length " + std::to_string(header_len) + " runs past the end of the " +
                     std::to_string(file.size()) + "-byte file (truncated file?)");
  }
  const char* header_begin = reinterpret_cast<const char*>(file.data() + 8);
  json header = json::parse(header_begin, header_begin + header_len, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) return FileError("header is not valid JSON");
  if (!header.is_object()) return FileError("header is not a JSON object");

  const std::span<const uint8_t> data = file.subspan(8 + static_cast<size_t>(header_len));  // fits: checked above
  SafeTensors result;
  for (auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    if (!entry.is_object()) return TensorError(name, "entry is not an object");
    auto dtype_it = entry.find("dtype");
    auto shape_it = entry.find("shape");
    auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || !dtype_it->is_string()) return TensorError(name, "missing or invalid \"dtype\"");
    if (shape_it == entry.end() || !shape_it->is_array()) return TensorError(name, "missing or invalid \"shape\"");
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
        !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
      return TensorError(name, "\"data_offsets\" must be two non-negative integers");
    }
    const std::string dtype_name = dtype_it->get<std::string>();
    const DTypeInfo* info = FindDType(dtype_name);
    if (!info) return TensorError(name, "unknown dtype \"" + dtype_name + "\"");

    TensorView view{name, info->dtype, dtype_name, {}, {}};
    uint64_t bytes = static_cast<uint64_t>(info->bytes);
    for (const json& dim : *shape_it) {
      if (!dim.is_number_unsigned()) return TensorError(name, "shape entries must be non-negative integers");
      const uint64_t d = dim.get<uint64_t>();
      if (d != 0 && bytes > UINT64_MAX / d) return TensorError(name, "shape " + shape_it->dump() + " overflows");
      bytes *= d;
      view.shape.push_back(static_cast<int64_t>(d));
    }
    const uint64_t begin = (*offsets_it)[0].get<uint64_t>();
    const uint64_t end = (*offsets_it)[1].get<uint64_t>();
    if (begin > end || end > data.size()) {
      return TensorError(name, "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                                   "] fall outside the " + std::to_string(data.size()) + "-byte data section");
    }
    if (end - begin != bytes) {
      return TensorError(name, "holds " + std::to_string(end - begin) + " bytes but " + dtype_name + " " +
                                   shape_it->dump() + " needs " + std::to_string(bytes));
    }
    view.data = data.subspan(static_cast<size_t>(begin), static_cast<size_t>(end - begin));  // end <= data.size()
    result.tensors_.push_back(std::move(view));
  }

  // Tensors must not share bytes: sort by offset and check neighbours.
  std::vector<const TensorView*> by_offset;
  for (const TensorView& t : result.tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorView* a, const TensorView* b) { return a->data.data() < b->data.data(); });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const TensorView& prev = *by_offset[i - 1];
    if (by_offset[i]->data.data() < prev.data.data() + prev.data.size()) {
      return FileError("tensors \"" + prev.name + "\" and \"" + by_offset[i]->name + "\" overlap");
    }
  }
  std::sort(result.tensors_.begin(), result.tensors_.end(),
            [](const TensorView& a, const TensorView& b) { return a.name < b.name; });
  *out = std::move(result);
  return {};
}

const TensorView* SafeTensors::Find(std::string_view name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorView& t, std::string_view n) { return t.name < n; });
  return (it != tensors_.end() && it->name == name) ? &*it : nullptr;
}

Status ToFloat32(const TensorView& tensor, std::span<float> out) {
  const size_t n = static_cast<size_t>(tensor.num_elements());
  if (out.size() != n) return TensorError(tensor.name, "internal size mismatch");
  const uint8_t* p = tensor.data.data();
  switch (tensor.dtype) {
    case DType::kF32:
      if (n) std::memcpy(out.data(), p, n * sizeof(float));
      return {};
    case DType::kF16:
      for (size_t i = 0; i < n; ++i) out[i] = HalfToFloat(LoadLE<uint16_t>(p + 2 * i));
      return {};
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) out[i] = FloatFromBits(static_cast<uint32_t>(LoadLE<uint16_t>(p + 2 * i)) << 16);
      return {};
    default:
      return TensorError(tensor.name, "dtype " + tensor.dtype_name + " is not supported (expected F32, F16 or BF16)");
  }
}

}  // namespace bert
