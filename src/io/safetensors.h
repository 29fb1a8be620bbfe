// A streaming, validating reader of the safetensors format: 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}}, then the raw tensor bytes. Bytes may arrive in chunks
// of any size; F32, F16 and BF16 tensors are converted to f32 as they arrive, so the file itself is
// never held in memory (peak memory stays close to the weights' size).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace bert {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool, kF8E4M3, kF8E5M2, kU16, kU32, kU64 };

struct Tensor {
  DType dtype;
  std::string dtype_name;
  std::vector<int64_t> shape;
  std::vector<float> values;  // f32 values for F32/F16/BF16 tensors; empty for other dtypes

  bool is_float() const { return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16; }
};

using TensorMap = std::map<std::string, Tensor, std::less<>>;

class SafetensorsReader {
 public:
  // `file_size`, when known, lets the header be checked against it before any data arrives.
  explicit SafetensorsReader(std::optional<uint64_t> file_size = std::nullopt) : file_size_(file_size) {}

  // Consumes the next bytes of the file. The header is validated as soon as it is complete: bounds,
  // JSON shape, known dtypes, byte sizes matching shapes, offsets in range and not overlapping.
  Status Write(std::span<const uint8_t> bytes);

  // Checks that every tensor's bytes arrived and hands the tensors over.
  Status Finish(TensorMap* out);

 private:
  struct Entry {
    std::string name;
    uint64_t begin, end;  // offsets in the data section
  };
  Status ParseHeader();
  void Consume(const Entry& entry, uint64_t byte_offset, std::span<const uint8_t> bytes);

  std::optional<uint64_t> file_size_;
  std::string header_;         // the length prefix, then the JSON header, as it arrives
  uint64_t header_length_ = 0;
  bool header_parsed_ = false;
  uint64_t data_received_ = 0;
  uint64_t data_size_ = 0;     // end of the last tensor
  std::vector<Entry> entries_;  // sorted by offset
  size_t next_entry_ = 0;       // first entry not yet complete
  uint8_t carry_[2] = {0, 0};   // a 16-bit element split across two writes
  TensorMap tensors_;
};

}  // namespace bert
