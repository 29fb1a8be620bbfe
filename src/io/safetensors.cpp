#include "io/safetensors.h"

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

size_t NumElements(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

}  // namespace

Status SafetensorsReader::Write(std::span<const uint8_t> bytes) {
  while (!header_parsed_ && !bytes.empty()) {
    const size_t want = header_.size() < 8 ? 8 - header_.size() : static_cast<size_t>(8 + header_length_ - header_.size());
    const size_t take = std::min(want, bytes.size());
    header_.append(reinterpret_cast<const char*>(bytes.data()), take);
    bytes = bytes.subspan(take);
    if (header_.size() == 8 && take == want) {
      header_length_ = LoadLE<uint64_t>(reinterpret_cast<const uint8_t*>(header_.data()));
      if (header_length_ > kMaxHeaderBytes) {
        return FileError("header length " + std::to_string(header_length_) + " is implausibly large");
      }
      if (file_size_ && (*file_size_ < 8 || header_length_ > *file_size_ - 8)) {
        return FileError("header length " + std::to_string(header_length_) + " runs past the end of the " +
                         std::to_string(*file_size_) + "-byte file (truncated file?)");
      }
    }
    if (header_.size() >= 8 && header_.size() == 8 + header_length_) BERT_RETURN_IF_ERROR(ParseHeader());
  }
  if (bytes.empty()) return {};

  // Hand each tensor the part of these bytes that falls inside it.
  const uint64_t start = data_received_, end = start + bytes.size();
  for (size_t i = next_entry_; i < entries_.size() && entries_[i].begin < end; ++i) {
    const Entry& e = entries_[i];
    const uint64_t lo = std::max(e.begin, start), hi = std::min(e.end, end);
    if (lo < hi) {
      Consume(e, lo - e.begin, bytes.subspan(static_cast<size_t>(lo - start), static_cast<size_t>(hi - lo)));
    }
  }
  while (next_entry_ < entries_.size() && entries_[next_entry_].end <= end) ++next_entry_;
  data_received_ = end;
  return {};
}

Status SafetensorsReader::ParseHeader() {
  json header = json::parse(header_.begin() + 8, header_.end(), nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) return FileError("header is not valid JSON");
  if (!header.is_object()) return FileError("header is not a JSON object");
  // Without the file size, offsets past the data are found when the data ends (Finish).
  const uint64_t data_limit = file_size_ ? *file_size_ - 8 - header_length_ : UINT64_MAX;

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

    Tensor tensor{info->dtype, dtype_name, {}, {}};
    uint64_t bytes = static_cast<uint64_t>(info->bytes);
    for (const json& dim : *shape_it) {
      if (!dim.is_number_unsigned()) return TensorError(name, "shape entries must be non-negative integers");
      const uint64_t d = dim.get<uint64_t>();
      if (d != 0 && bytes > UINT64_MAX / d) return TensorError(name, "shape " + shape_it->dump() + " overflows");
      bytes *= d;
      tensor.shape.push_back(static_cast<int64_t>(d));
    }
    const uint64_t begin = (*offsets_it)[0].get<uint64_t>();
    const uint64_t end = (*offsets_it)[1].get<uint64_t>();
    if (begin > end || end > data_limit) {
      return TensorError(name, "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                                   "] fall outside the " +
                                   (file_size_ ? std::to_string(data_limit) + "-byte " : "") + "data section");
    }
    if (end - begin != bytes) {
      return TensorError(name, "holds " + std::to_string(end - begin) + " bytes but " + dtype_name + " " +
                                   shape_it->dump() + " needs " + std::to_string(bytes));
    }
    // Converted tensors must be addressable here (4 GB in wasm32): refuse before allocating.
    if (tensor.is_float() && bytes / info->bytes > SIZE_MAX / sizeof(float) / 2) {
      return TensorError(name, "shape " + shape_it->dump() + " is too large to load in this build");
    }
    entries_.push_back({name, begin, end});
    tensors_.emplace(name, std::move(tensor));
  }

  // Tensors must not share bytes: sort by offset and check neighbours.
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < entries_.size(); ++i) {
    if (entries_[i].begin < entries_[i - 1].end) {
      return FileError("tensors \"" + entries_[i - 1].name + "\" and \"" + entries_[i].name + "\" overlap");
    }
  }
  data_size_ = entries_.empty() ? 0 : entries_.back().end;
  header_parsed_ = true;
  return {};
}

void SafetensorsReader::Consume(const Entry& entry, uint64_t byte_offset, std::span<const uint8_t> bytes) {
  const auto offset = static_cast<size_t>(byte_offset);  // fits: checked in ParseHeader
  Tensor& t = tensors_.find(entry.name)->second;
  if (!t.is_float()) return;  // kept as a name and shape only: an error if the model needs it
  // Allocated when bytes arrive, so a header cannot make us reserve memory the file does not back.
  if (t.values.empty()) t.values.resize(NumElements(t.shape));
  if (t.dtype == DType::kF32) {
    std::memcpy(reinterpret_cast<uint8_t*>(t.values.data()) + offset, bytes.data(), bytes.size());
    return;
  }
  auto convert = [&](uint16_t h) {
    return t.dtype == DType::kF16 ? HalfToFloat(h) : FloatFromBits(static_cast<uint32_t>(h) << 16);
  };
  size_t i = 0;
  if (offset % 2 == 1) {  // completes the element split by the previous write
    carry_[1] = bytes[0];
    t.values[offset / 2] = convert(LoadLE<uint16_t>(carry_));
    i = 1;
  }
  for (; i + 1 < bytes.size(); i += 2) t.values[(offset + i) / 2] = convert(LoadLE<uint16_t>(bytes.data() + i));
  if (i < bytes.size()) carry_[0] = bytes[i];
}

Status SafetensorsReader::Finish(TensorMap* out) {
  if (!header_parsed_) {
    if (header_.size() < 8) {
      return FileError("file is " + std::to_string(header_.size()) + " bytes, too short for the 8-byte header length");
    }
    return FileError("header length " + std::to_string(header_length_) + " runs past the end of the " +
                     std::to_string(header_.size()) + "-byte file (truncated file?)");
  }
  while (next_entry_ < entries_.size() && entries_[next_entry_].end <= data_received_) ++next_entry_;
  if (next_entry_ < entries_.size()) {
    const Entry& e = entries_[next_entry_];
    return TensorError(e.name, "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                   "] fall outside the " + std::to_string(data_received_) +
                                   "-byte data section (truncated file?)");
  }
  *out = std::move(tensors_);
  return {};
}

}  // namespace bert
