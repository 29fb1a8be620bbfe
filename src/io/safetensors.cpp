#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace bert {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the reference implementation's limit

Status FileError(const std::string& what, StatusCode code = StatusCode::kBadWeights) {
  return Error(code, "model.safetensors: " + what);
}
Status TensorError(const std::string& name, const std::string& what, StatusCode code = StatusCode::kBadWeights) {
  return FileError("tensor \"" + name + "\": " + what, code);
}

uint64_t LoadU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);  // all supported targets are little-endian
  return v;
}

}  // namespace

Status SafetensorsReader::Write(std::span<const uint8_t> bytes) {
  if (error_.ok()) error_ = Consume(bytes);
  return error_;
}

Status SafetensorsReader::Consume(std::span<const uint8_t> bytes) {
  while (!header_parsed_ && !bytes.empty()) {
    const size_t want = header_.size() < 8 ? 8 - header_.size() : static_cast<size_t>(8 + header_length_ - header_.size());
    const size_t take = std::min(want, bytes.size());
    header_.append(reinterpret_cast<const char*>(bytes.data()), take);
    bytes = bytes.subspan(take);
    if (header_.size() == 8 && take == want) {
      header_length_ = LoadU64(header_.data());
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
  if (!header_parsed_) return {};

  // Hand each tensor the part of these bytes that is its own.
  const uint64_t start = data_received_, end = start + bytes.size();
  data_received_ = end;
  while (next_entry_ < entries_.size()) {
    const Entry& e = entries_[next_entry_];
    const uint64_t lo = std::max(e.begin, start), hi = std::min(e.end, end);
    const bool complete = e.end <= end;
    if (lo < hi || (complete && e.begin == e.end)) {
      const TensorPiece piece{infos_[next_entry_], lo - e.begin,
                              bytes.subspan(static_cast<size_t>(lo - start), static_cast<size_t>(hi - lo))};
      BERT_RETURN_IF_ERROR(sink_(piece));
    }
    if (!complete) break;
    ++next_entry_;
  }
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

    // Every dim first: the messages below print the shape, which must then be a flat list of numbers.
    for (const json& dim : *shape_it) {
      if (!dim.is_number_unsigned()) return TensorError(name, "shape entries must be non-negative integers");
    }
    Entry e{name, info->dtype, {}, 0, 0};
    uint64_t bytes = static_cast<uint64_t>(info->bytes);
    for (const json& dim : *shape_it) {
      const uint64_t d = dim.get<uint64_t>();
      if (d != 0 && bytes > UINT64_MAX / d) return TensorError(name, "shape " + shape_it->dump() + " overflows");
      bytes *= d;
      e.shape.push_back(static_cast<int64_t>(d));
    }
    e.begin = (*offsets_it)[0].get<uint64_t>();
    e.end = (*offsets_it)[1].get<uint64_t>();
    if (e.begin > e.end || e.end > data_limit) {
      return TensorError(name, "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                   "] fall outside the " +
                                   (file_size_ ? std::to_string(data_limit) + "-byte " : "") + "data section");
    }
    if (e.end - e.begin != bytes) {
      return TensorError(name, "holds " + std::to_string(e.end - e.begin) + " bytes but " + dtype_name + " " +
                                   shape_it->dump() + " needs " + std::to_string(bytes));
    }
    // A tensor is held whole in compute form (in f32, twice its F16 size): it must be addressable here
    // (4 GB in wasm32). Refuse before allocating.
    if (bytes > SIZE_MAX / 4) {
      return TensorError(name, "shape " + shape_it->dump() + " is too large to load in this build", StatusCode::kOutOfMemory);
    }
    entries_.push_back(std::move(e));
  }

  // Tensors must not share bytes: sort by offsets and check neighbours (an empty tensor sorts before a
  // tensor starting where it is, as in the reference implementation).
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  for (size_t i = 1; i < entries_.size(); ++i) {
    if (entries_[i].begin < entries_[i - 1].end) {
      return FileError("tensors \"" + entries_[i - 1].name + "\" and \"" + entries_[i].name + "\" overlap");
    }
  }
  infos_.reserve(entries_.size());
  for (const Entry& e : entries_) infos_.push_back({e.name, e.dtype, e.shape, e.end - e.begin});
  if (header_sink_) BERT_RETURN_IF_ERROR(header_sink_(infos_));
  header_parsed_ = true;
  return {};
}

Status SafetensorsReader::Finish() {
  if (!error_.ok()) return error_;
  if (!header_parsed_) {
    if (header_.size() < 8) {
      return FileError("file is " + std::to_string(header_.size()) + " bytes, too short for the 8-byte header length");
    }
    return FileError("header length " + std::to_string(header_length_) + " runs past the end of the " +
                     std::to_string(header_.size()) + "-byte file (truncated file?)");
  }
  if (next_entry_ < entries_.size()) {
    const Entry& e = entries_[next_entry_];
    return TensorError(e.name, "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                   "] fall outside the " + std::to_string(data_received_) +
                                   "-byte data section (truncated file?)");
  }
  return {};
}

void SafetensorsWriter::Add(std::string name, DType dtype, std::vector<int64_t> shape, std::span<const uint8_t> bytes) {
  entries_.push_back({std::move(name), dtype, std::move(shape), data_.size(), data_.size() + bytes.size()});
  data_.insert(data_.end(), bytes.begin(), bytes.end());
}

std::vector<uint8_t> SafetensorsWriter::Finish(const std::vector<std::pair<std::string, std::string>>& metadata) const {
  json header = json::object();
  if (!metadata.empty()) {
    json meta = json::object();
    for (const auto& [key, value] : metadata) meta[key] = value;
    header["__metadata__"] = meta;
  }
  for (const Entry& e : entries_) {
    header[e.name] = {{"dtype", std::string(InfoOf(e.dtype).name)}, {"shape", e.shape}, {"data_offsets", {e.begin, e.end}}};
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t length = text.size();
  std::vector<uint8_t> out(8 + text.size() + data_.size());
  std::memcpy(out.data(), &length, 8);
  std::copy(text.begin(), text.end(), out.begin() + 8);
  std::copy(data_.begin(), data_.end(), out.begin() + 8 + static_cast<ptrdiff_t>(text.size()));
  return out;
}

}  // namespace bert
