// The files of a Hugging Face model folder: which exist, and reading them from disk.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace bert {

// A model folder's files, already in memory. Optional ones may be empty.
struct ModelFiles {
  std::string_view config_json;
  std::string_view vocab_txt;              // may be empty when tokenizer_json holds the vocab
  std::string_view tokenizer_json;
  std::string_view tokenizer_config_json;
  std::string_view modules_json;               // sentence-transformers: modules.json
  std::string_view pooling_config_json;        // sentence-transformers: <Pooling module>/config.json
  std::string_view sentence_bert_config_json;  // sentence-transformers: sentence_bert_config.json
  std::span<const uint8_t> safetensors;        // model.safetensors (Model::Load; ModelLoader streams it instead)
};

// A model folder read from disk (path convenience on top of ModelFiles).
struct ModelFolder {
  std::string config_json, vocab_txt, tokenizer_json, tokenizer_config_json, modules_json, pooling_config_json,
      sentence_bert_config_json, safetensors;

  // Reads config.json, tokenizer.json (else vocab.txt), the optional files when present and, when
  // `with_weights`, model.safetensors. Missing required files are kIo naming the path.
  static Status Read(const std::string& dir, bool with_weights, ModelFolder* out);
  ModelFiles files() const;
};

}  // namespace bert
