#include "io/model_files.h"

#include <fstream>
#include <sstream>

#include "tasks/embeddings.h"

namespace bert {
namespace {

Status ReadFile(const std::string& path, bool required, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out->clear();
    return required ? Error(StatusCode::kIo, path + ": cannot open file") : Status();
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Error(StatusCode::kIo, path + ": read error");
  *out = std::move(buffer).str();
  return {};
}

}  // namespace

Status ModelFolder::Read(const std::string& dir, bool with_weights, ModelFolder* out) {
  ModelFolder f;
  BERT_RETURN_IF_ERROR(ReadFile(dir + "/config.json", true, &f.config_json));
  // tokenizer.json holds the vocab and the normalizer's settings; older folders have only vocab.txt.
  BERT_RETURN_IF_ERROR(ReadFile(dir + "/tokenizer.json", false, &f.tokenizer_json));
  if (f.tokenizer_json.empty()) BERT_RETURN_IF_ERROR(ReadFile(dir + "/vocab.txt", true, &f.vocab_txt));
  BERT_RETURN_IF_ERROR(ReadFile(dir + "/tokenizer_config.json", false, &f.tokenizer_config_json));
  BERT_RETURN_IF_ERROR(ReadFile(dir + "/modules.json", false, &f.modules_json));
  if (const std::string pooling = PoolingFolder(f.modules_json); !pooling.empty()) {
    BERT_RETURN_IF_ERROR(ReadFile(dir + "/" + pooling + "/config.json", false, &f.pooling_config_json));
  }
  BERT_RETURN_IF_ERROR(ReadFile(dir + "/sentence_bert_config.json", false, &f.sentence_bert_config_json));
  if (with_weights) BERT_RETURN_IF_ERROR(ReadFile(dir + "/model.safetensors", true, &f.safetensors));
  *out = std::move(f);
  return {};
}

ModelFiles ModelFolder::files() const {
  return {config_json,
          vocab_txt,
          tokenizer_json,
          tokenizer_config_json,
          modules_json,
          pooling_config_json,
          sentence_bert_config_json,
          {reinterpret_cast<const uint8_t*>(safetensors.data()), safetensors.size()}};
}

}  // namespace bert
