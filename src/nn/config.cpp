#include "nn/config.h"

#include <nlohmann/json.hpp>
#include <string>

namespace bert {
namespace {

using nlohmann::json;

Status ConfigError(const std::string& what) { return Error(StatusCode::kBadConfig, "config.json: " + what); }

// A value quoted in a message: scalars as JSON, containers by type only (dumping one recurses as deeply as
// it nests, and a hostile file nests deep enough to overflow the stack).
std::string Quote(const json& value) {
  return value.is_structured() ? std::string("(a JSON ") + value.type_name() + ")" : value.dump();
}

// How one family names its hyper-parameters in config.json.
struct FamilyKeys {
  Family family;
  const char* model_type;
  const char* base_architecture;  // the bare encoder's class name
  const char *hidden, *layers, *heads, *intermediate, *activation;
  bool has_token_types;
};
constexpr FamilyKeys kFamilies[] = {
    {Family::kBert, "bert", "BertModel", "hidden_size", "num_hidden_layers", "num_attention_heads",
     "intermediate_size", "hidden_act", true},
    {Family::kDistilBert, "distilbert", "DistilBertModel", "dim", "n_layers", "n_heads", "hidden_dim", "activation",
     false},
};

struct Architecture {
  const char* name;
  Family family;
  Head head;
};
constexpr Architecture kArchitectures[] = {
    {"BertModel", Family::kBert, Head::kNone},
    {"BertForMaskedLM", Family::kBert, Head::kMaskedLm},
    {"BertForPreTraining", Family::kBert, Head::kPreTraining},
    {"BertForNextSentencePrediction", Family::kBert, Head::kNextSentence},
    {"BertForSequenceClassification", Family::kBert, Head::kSequenceClassification},
    {"BertForTokenClassification", Family::kBert, Head::kTokenClassification},
    {"BertForQuestionAnswering", Family::kBert, Head::kQuestionAnswering},
    {"DistilBertModel", Family::kDistilBert, Head::kNone},
    {"DistilBertForMaskedLM", Family::kDistilBert, Head::kMaskedLm},
    {"DistilBertForSequenceClassification", Family::kDistilBert, Head::kSequenceClassification},
    {"DistilBertForTokenClassification", Family::kDistilBert, Head::kTokenClassification},
    {"DistilBertForQuestionAnswering", Family::kDistilBert, Head::kQuestionAnswering},
};

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

// The family (from model_type, BERT when absent) and the architecture (the first of "architectures"; the
// family's bare encoder when absent). An architecture of a known family but with a head we do not run
// (e.g. BertForMultipleChoice) still loads its encoder.
Status ReadArchitecture(const json& j, Config* c) {
  const FamilyKeys* family = &kFamilies[0];
  if (auto it = j.find("model_type"); it != j.end()) {
    family = nullptr;
    for (const FamilyKeys& f : kFamilies) {
      if (*it == f.model_type) family = &f;
    }
    if (!family) return ConfigError("unsupported \"model_type\" " + Quote(*it) + " (expected \"bert\" or \"distilbert\")");
  }
  c->family = family->family;
  c->architecture = family->base_architecture;
  c->head = Head::kNone;
  auto it = j.find("architectures");
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_array() || it->empty() || !(*it)[0].is_string()) {
    return ConfigError("\"architectures\" must be a list of class names");
  }
  c->architecture = (*it)[0].get<std::string>();
  for (const Architecture& a : kArchitectures) {
    if (c->architecture != a.name) continue;
    if (a.family != c->family) {
      return ConfigError("architecture " + c->architecture + " does not match \"model_type\" \"" +
                         family->model_type + "\"");
    }
    c->head = a.head;
  }
  return {};
}

// id2label ({"0": "NEGATIVE", ...}) as a list by index; LABEL_i for num_labels (default 2) without it.
Status ReadLabels(const json& j, Config* c) {
  if (auto it = j.find("id2label"); it != j.end() && !it->is_null()) {
    if (!it->is_object() || it->empty() || it->size() > (1u << 16)) {
      return ConfigError("\"id2label\" must be a non-empty object {\"0\": label, ...}");
    }
    c->labels.assign(it->size(), "");
    std::vector<bool> seen(it->size(), false);
    for (const auto& [key, label] : it->items()) {
      size_t index = 0, used = 0;
      const bool numeric = !key.empty() && key.size() < 6 && key.find_first_not_of("0123456789") == std::string::npos;
      if (numeric) index = std::stoul(key, &used);
      if (!numeric || index >= c->labels.size() || seen[index] || !label.is_string()) {
        return ConfigError("\"id2label\" must map the ids 0.." + std::to_string(c->labels.size() - 1) +
                           " to strings (at \"" + key + "\")");
      }
      seen[index] = true;
      c->labels[index] = label.get<std::string>();
    }
  } else {
    int n = 2;
    if (j.contains("num_labels")) BERT_RETURN_IF_ERROR(ReadDim(j, "num_labels", 1 << 16, &n));
    for (int i = 0; i < n; ++i) c->labels.push_back("LABEL_" + std::to_string(i));
  }
  if (auto it = j.find("problem_type"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return ConfigError("\"problem_type\" must be a string");
    c->multi_label = *it == "multi_label_classification";
  }
  return {};
}

Status ReadActivation(const json& j, const char* key, Activation* out) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  const std::string act = it->is_string() ? it->get<std::string>() : "";
  if (act == "gelu") {
    *out = Activation::kGelu;
  } else if (act == "gelu_new" || act == "gelu_pytorch_tanh") {
    *out = Activation::kGeluTanh;
  } else if (act == "relu") {
    *out = Activation::kRelu;
  } else {
    return ConfigError("unsupported \"" + std::string(key) + "\" " + Quote(*it) +
                       " (expected gelu, gelu_new, gelu_pytorch_tanh or relu)");
  }
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
  BERT_RETURN_IF_ERROR(ReadArchitecture(j, &c));
  const FamilyKeys& keys = kFamilies[c.family == Family::kBert ? 0 : 1];
  BERT_RETURN_IF_ERROR(ReadDim(j, "vocab_size", 1 << 22, &c.vocab_size));
  BERT_RETURN_IF_ERROR(ReadDim(j, keys.hidden, 1 << 14, &c.hidden_size));
  BERT_RETURN_IF_ERROR(ReadDim(j, keys.layers, 1 << 10, &c.num_layers));
  BERT_RETURN_IF_ERROR(ReadDim(j, keys.heads, 1 << 10, &c.num_heads));
  BERT_RETURN_IF_ERROR(ReadDim(j, keys.intermediate, 1 << 16, &c.intermediate_size));
  BERT_RETURN_IF_ERROR(ReadDim(j, "max_position_embeddings", 1 << 16, &c.max_positions));
  if (!keys.has_token_types) {
    c.type_vocab_size = 0;
  } else if (j.contains("type_vocab_size")) {
    BERT_RETURN_IF_ERROR(ReadDim(j, "type_vocab_size", 1 << 10, &c.type_vocab_size));
  } else {
    c.type_vocab_size = 2;  // Hugging Face's default
  }
  if (c.hidden_size % c.num_heads != 0) {
    return ConfigError(std::string(keys.hidden) + " " + std::to_string(c.hidden_size) + " is not a multiple of " +
                       keys.heads + " " + std::to_string(c.num_heads));
  }
  if (auto it = j.find("layer_norm_eps"); it != j.end()) {
    // Also as the float it becomes: 1e-50 is positive as a double but 0 as a float.
    const double eps = it->is_number() ? it->get<double>() : 0.0;
    if (!(eps > 0 && eps <= 1) || static_cast<float>(eps) == 0) {
      return ConfigError("\"layer_norm_eps\" must be a number in (0, 1]");
    }
    c.layer_norm_eps = static_cast<float>(eps);
  }
  BERT_RETURN_IF_ERROR(ReadActivation(j, keys.activation, &c.hidden_act));
  if (auto it = j.find("position_embedding_type"); it != j.end() && *it != "absolute") {
    return ConfigError("unsupported \"position_embedding_type\" " + Quote(*it) + " (only \"absolute\")");
  }
  BERT_RETURN_IF_ERROR(ReadLabels(j, &c));
  *out = std::move(c);
  return {};
}

}  // namespace bert
