// A streaming, validating reader of the safetensors format: 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}}, then the raw tensor bytes. Bytes may arrive in chunks of
// any size; each tensor's bytes go to a sink, raw (bytes + dtype), piece by piece as they arrive, so
// neither the file nor a tensor is ever held in file form and what a tensor becomes (f32 or q8 rows:
// io/tensors.h) is the sink's business.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/dtype.h"

namespace bert {

// A tensor as the header describes it.
struct TensorInfo {
  std::string_view name;
  DType dtype;
  std::span<const int64_t> shape;
  uint64_t bytes;  // in the file
};

// Some of a tensor's bytes. A tensor's pieces come one after another and in order, the first at offset 0,
// the last ending at tensor.bytes unless the file ends first (an empty tensor is one empty piece); tensors
// come in file order.
struct TensorPiece {
  const TensorInfo& tensor;
  uint64_t offset;                 // where `bytes` start in the tensor
  std::span<const uint8_t> bytes;  // valid during the sink call only
  bool last() const { return offset + bytes.size() == tensor.bytes; }
};

// Receives every piece; an error stops the reading and is returned by Write.
using TensorSink = std::function<Status(const TensorPiece&)>;
// Receives the header's tensors once it is validated, before any of their data, in the order their data
// comes: where a sink refuses a checkpoint too large for it, or reserves its memory. An error stops the
// reading.
using HeaderSink = std::function<Status(std::span<const TensorInfo>)>;

class SafetensorsReader {
 public:
  // `file_size`, when known, lets the header be checked against it before any data arrives.
  explicit SafetensorsReader(TensorSink sink, std::optional<uint64_t> file_size = std::nullopt,
                             HeaderSink header_sink = {})
      : sink_(std::move(sink)), header_sink_(std::move(header_sink)), file_size_(file_size) {}

  // Consumes the next bytes of the file. The header is validated as soon as it is complete: bounds,
  // JSON shape, known dtypes, byte sizes matching shapes, offsets in range and not overlapping. After an
  // error, Write and Finish return it again.
  Status Write(std::span<const uint8_t> bytes);

  // Checks that every tensor's bytes arrived.
  Status Finish();

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin, end;  // offsets in the data section
  };
  Status Consume(std::span<const uint8_t> bytes);
  Status ParseHeader();

  TensorSink sink_;
  HeaderSink header_sink_;
  std::optional<uint64_t> file_size_;
  std::string header_;  // the length prefix, then the JSON header, as it arrives
  uint64_t header_length_ = 0;
  bool header_parsed_ = false;
  uint64_t data_received_ = 0;
  std::vector<Entry> entries_;      // sorted by offset
  std::vector<TensorInfo> infos_;  // entries_ as the sinks see them
  size_t next_entry_ = 0;          // first entry whose last piece has not been delivered
  Status error_;                   // the first error: the reading stops there
};

// Writes a safetensors file: the tensors in the order added, the header padded with spaces to a multiple
// of 8 bytes (as the reference writer does), string metadata under "__metadata__".
class SafetensorsWriter {
 public:
  void Reserve(size_t data_bytes) { data_.reserve(data_bytes); }  // all the tensors' bytes: no regrowth
  void Add(std::string name, DType dtype, std::vector<int64_t> shape, std::span<const uint8_t> bytes);
  std::vector<uint8_t> Finish(const std::vector<std::pair<std::string, std::string>>& metadata) const;

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin, end;
  };
  std::vector<Entry> entries_;
  std::vector<uint8_t> data_;
};

}  // namespace bert
