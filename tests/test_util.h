// Helpers shared by the native tests: model paths, goldens and their models, and a safetensors writer.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "model.h"

namespace bert::testing {

inline std::string ModelDir(const std::string& name) { return std::string(BERT_MODELS_DIR) + "/" + name; }

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json ReadGolden(const std::string& model) {
  return nlohmann::json::parse(ReadText(ModelDir(model) + "/golden.json"));
}

// A shared model folder with its golden.json, loaded once per test binary (1 thread).
struct GoldenModel {
  nlohmann::json golden;
  std::unique_ptr<Model> model;
};

inline GoldenModel& LoadGoldenModel(const std::string& name) {
  static std::map<std::string, GoldenModel> cache;
  GoldenModel& g = cache[name];
  if (!g.model) {
    g.golden = ReadGolden(name);
    const Status st = Model::LoadFromDirectory(ModelDir(name), {.threads = 1}, &g.model);
    if (!st.ok()) ADD_FAILURE() << name << ": " << st.message();
  }
  return g;
}

// Writes a safetensors file: tensors are laid out in insertion order.
class SafetensorsWriter {
 public:
  void Add(const std::string& name, const std::string& dtype, std::vector<int64_t> shape, const void* data,
           size_t bytes) {
    entries_.push_back({name, dtype, std::move(shape), payload_.size(), bytes});
    payload_.append(static_cast<const char*>(data), bytes);
  }
  void AddF32(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values) {
    Add(name, "F32", std::move(shape), values.data(), values.size() * sizeof(float));
  }
  // The header alone, for tests that tamper with it.
  nlohmann::json Header() const {
    nlohmann::json h = nlohmann::json::object();
    for (const Entry& e : entries_) {
      h[e.name] = {{"dtype", e.dtype}, {"shape", e.shape}, {"data_offsets", {e.offset, e.offset + e.bytes}}};
    }
    return h;
  }
  std::string Bytes() const { return Assemble(Header().dump(), payload_); }

  static std::string Assemble(const std::string& header, const std::string& payload) {
    std::string out(8, '\0');
    const uint64_t len = header.size();
    std::memcpy(out.data(), &len, 8);
    return out + header + payload;
  }
  const std::string& payload() const { return payload_; }

 private:
  struct Entry {
    std::string name, dtype;
    std::vector<int64_t> shape;
    size_t offset, bytes;
  };
  std::vector<Entry> entries_;
  std::string payload_;
};

}  // namespace bert::testing
