#include "nn/config.h"

#include <nlohmann/json.hpp>
#include <string>

namespace bert {
namespace {

using nlohmann::json;

Status ConfigError(const std::string& what) { return Error(StatusCode::kBadConfig, "config.json: " + what); }

// Reads a required positive integer no larger than `max` (keeps every size product within 64 bits).
Status ReadDim(const json& j, const char* key, int max, int* out) {
  auto it = j.find(key);
  if (it == j.end()) return ConfigError(std::string("missing field \"") + key + "\"");
  if (!it->is_number_integer()) return ConfigError(std::string("\"") + key + "\" must be an integer");
  const long long v = it->get<long long>();
  if (v < 1 || v > max) {
    return ConfigError(std::string("\"") + key + "\" = " + std::to_string(v) + " is out of range [1, " +
                       std::to_string(max) + "]");
  }
  *out = static_cast<int>(v);
  return {};
}

}  // namespace

const char* ActivationName(Activation act) {
  switch (act) {
    case Activation::kGelu: return "gelu";
    case Activation::kGeluTanh: return "gelu_tanh";
    case Activation::kRelu: return "relu";
  }
  return "?";
}

Status ParseConfig(std::string_view text, Config* out) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return ConfigError("not valid JSON");
  if (!j.is_object()) return ConfigError("expected a JSON object");

  Config c;
  BERT_RETURN_IF_ERROR(ReadDim(j, "vocab_size", 1 << 22, &c.vocab_size));
  BERT_RETURN_IF_ERROR(ReadDim(j, "hidden_size", 1 << 14, &c.hidden_size));
  BERT_RETURN_IF_ERROR(ReadDim(j, "num_hidden_layers", 1 << 10, &c.num_layers));
  BERT_RETURN_IF_ERROR(ReadDim(j, "num_attention_heads", 1 << 10, &c.num_heads));
  BERT_RETURN_IF_ERROR(ReadDim(j, "intermediate_size", 1 << 16, &c.intermediate_size));
  BERT_RETURN_IF_ERROR(ReadDim(j, "max_position_embeddings", 1 << 16, &c.max_positions));
  // Hugging Face's default when the field is absent.
  if (j.contains("type_vocab_size")) {
    BERT_RETURN_IF_ERROR(ReadDim(j, "type_vocab_size", 1 << 10, &c.type_vocab_size));
  } else {
    c.type_vocab_size = 2;
  }
  if (c.hidden_size % c.num_heads != 0) {
    return ConfigError("hidden_size " + std::to_string(c.hidden_size) + " is not a multiple of num_attention_heads " +
                       std::to_string(c.num_heads));
  }

  if (auto it = j.find("layer_norm_eps"); it != j.end()) {
    if (!it->is_number() || it->get<double>() <= 0 || it->get<double>() > 1) {
      return ConfigError("\"layer_norm_eps\" must be a number in (0, 1]");
    }
    c.layer_norm_eps = it->get<float>();
  }
  if (auto it = j.find("hidden_act"); it != j.end()) {
    const std::string act = it->is_string() ? it->get<std::string>() : "";
    if (act == "gelu") {
      c.hidden_act = Activation::kGelu;
    } else if (act == "gelu_new" || act == "gelu_pytorch_tanh") {
      c.hidden_act = Activation::kGeluTanh;
    } else if (act == "relu") {
      c.hidden_act = Activation::kRelu;
    } else {
      return ConfigError("unsupported \"hidden_act\" " + it->dump() + " (expected gelu, gelu_new, gelu_pytorch_tanh or relu)");
    }
  }
  if (auto it = j.find("position_embedding_type"); it != j.end() && *it != "absolute") {
    return ConfigError("unsupported \"position_embedding_type\" " + it->dump() + " (only \"absolute\")");
  }
  *out = c;
  return {};
}

}  // namespace bert
