// The files that define a BERT tokenizer: vocab.txt, tokenizer.json (vocab and normalizer settings) and
// tokenizer_config.json (settings that win over tokenizer.json's).
#include "text/tokenizer_files.h"

#include <nlohmann/json.hpp>

#include "text/unicode.h"

namespace bert {
namespace {

using Json = nlohmann::json;

// One token per line, id = line number. Lines end at \n, \r\n or \r, as Python's universal newlines
// read them. A duplicated token keeps its last id, as the dict of HF's load_vocab does.
Status ReadVocabTxt(std::string_view text, std::vector<std::string>* id_to_token,
                    std::unordered_map<std::string, int32_t>* token_to_id) {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find_first_of("\r\n", pos), text.size());
    const std::string_view token = text.substr(pos, end - pos);
    if (unicode::FindInvalidUtf8(token) != std::string_view::npos) {
      return Error(StatusCode::kBadVocab,
                   "vocab.txt: line " + std::to_string(id_to_token->size() + 1) + " is not valid UTF-8");
    }
    if (id_to_token->size() >= static_cast<size_t>(INT32_MAX)) {
      return Error(StatusCode::kBadVocab, "vocab.txt: too many tokens");
    }
    (*token_to_id)[std::string(token)] = static_cast<int32_t>(id_to_token->size());
    id_to_token->emplace_back(token);
    pos = end;
    if (pos < text.size()) pos += text.compare(pos, 2, "\r\n") == 0 ? 2 : 1;
  }
  return Status();
}

// tokenizer.json's model.vocab: an object token -> id whose ids must be exactly 0..N-1.
Status ReadJsonVocab(const Json& root, TokenizerFiles* out) {
  std::vector<std::string>* id_to_token = &out->id_to_token;
  std::unordered_map<std::string, int32_t>* token_to_id = &out->token_to_id;
  const auto model = root.find("model");
  if (model == root.end() || !model->is_object()) {
    return Error(StatusCode::kBadVocab, "tokenizer.json: no model object");
  }
  const auto type = model->find("type");
  if (type != model->end() && *type != "WordPiece") {
    return Error(StatusCode::kBadVocab, "tokenizer.json: model.type is not WordPiece");
  }
  const auto prefix = model->find("continuing_subword_prefix");
  if (prefix != model->end() && !prefix->is_null() && *prefix != "##") {
    return Error(StatusCode::kBadVocab,
                 "tokenizer.json: continuing_subword_prefix other than ## is not supported");
  }
  if (const auto unk = model->find("unk_token"); unk != model->end() && unk->is_string()) {
    out->unk_token = unk->get<std::string>();
  }
  const auto vocab = model->find("vocab");
  if (vocab == model->end() || !vocab->is_object()) {
    return Error(StatusCode::kBadVocab, "tokenizer.json: model.vocab is not an object");
  }
  if (vocab->size() >= static_cast<size_t>(INT32_MAX)) {
    return Error(StatusCode::kBadVocab, "tokenizer.json: too many tokens");
  }
  id_to_token->assign(vocab->size(), std::string());
  std::vector<bool> seen(vocab->size(), false);
  for (const auto& [token, id] : vocab->items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
        id.get<int64_t>() >= static_cast<int64_t>(vocab->size()) || seen[id.get<size_t>()]) {
      return Error(StatusCode::kBadVocab,
                   "tokenizer.json: model.vocab ids are not 0..N-1 (at \"" + token + "\")");
    }
    const auto index = id.get<size_t>();
    seen[index] = true;
    (*id_to_token)[index] = token;
    (*token_to_id)[token] = static_cast<int32_t>(index);
  }
  return Status();
}

// tokenizer.json's added_tokens: [{id, content, special, ...}], matched verbatim in the raw text. Tokens
// added after training may have ids past model.vocab: the vocab grows to hold them.
Status ReadAddedTokens(const Json& root, TokenizerFiles* out) {
  const auto added = root.find("added_tokens");
  if (added == root.end() || added->is_null()) return Status();
  if (!added->is_array()) return Error(StatusCode::kBadVocab, "tokenizer.json: added_tokens is not a list");
  for (size_t i = 0; i < added->size(); ++i) {
    const Json& t = (*added)[i];
    const bool valid = t.is_object() && t.contains("id") && t["id"].is_number_integer() && t.contains("content") &&
                       t["content"].is_string() && !t["content"].get_ref<const std::string&>().empty();
    if (!valid || t["id"].get<int64_t>() < 0 || t["id"].get<int64_t>() >= (1 << 24)) {
      // (Not dumped into the message: that recurses as deeply as the value nests.)
      return Error(StatusCode::kBadVocab, "tokenizer.json: added_tokens[" + std::to_string(i) +
                                              "] needs a non-empty content and an id");
    }
    const auto id = t["id"].get<int32_t>();
    const std::string& content = t["content"].get_ref<const std::string&>();
    if (static_cast<size_t>(id) >= out->id_to_token.size()) out->id_to_token.resize(static_cast<size_t>(id) + 1);
    out->id_to_token[static_cast<size_t>(id)] = content;
    out->token_to_id[content] = id;
    const bool special = t.contains("special") && t["special"].is_boolean() && t["special"].get<bool>();
    out->added.push_back({content, id, special});
  }
  return Status();
}

bool HasType(const Json& object, const char* type) {
  const auto it = object.find("type");
  return it != object.end() && *it == type;
}

// Reads an optional boolean setting; null counts as absent.
Status ReadBool(const Json& object, const char* key, const std::string& where, bool* out) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status();
  if (!it->is_boolean()) return Error(StatusCode::kBadVocab, where + key + " is not a boolean");
  *out = it->get<bool>();
  return Status();
}

// strip_accents: a present null means "follow lowercase" and still overrides an earlier setting.
Status ReadStripAccents(const Json& object, const std::string& where, std::optional<bool>* out) {
  const auto it = object.find("strip_accents");
  if (it == object.end()) return Status();
  if (it->is_null()) {
    out->reset();
    return Status();
  }
  if (!it->is_boolean())
    return Error(StatusCode::kBadVocab, where + "strip_accents is not a boolean or null");
  *out = it->get<bool>();
  return Status();
}

// Settings of tokenizer.json: its BertNormalizer and WordPiece's max_input_chars_per_word. Other
// normalizer types are not modelled and leave the defaults.
Status ReadTokenizerJsonOptions(const Json& root, TokenizerOptions* options) {
  const std::string where = "tokenizer.json: ";
  const auto normalizer = root.find("normalizer");
  if (normalizer != root.end() && normalizer->is_object() && HasType(*normalizer, "BertNormalizer")) {
    BERT_RETURN_IF_ERROR(ReadBool(*normalizer, "clean_text", where + "normalizer.", &options->clean_text));
    BERT_RETURN_IF_ERROR(ReadBool(*normalizer, "handle_chinese_chars", where + "normalizer.",
                                  &options->tokenize_chinese_chars));
    BERT_RETURN_IF_ERROR(ReadBool(*normalizer, "lowercase", where + "normalizer.", &options->lowercase));
    BERT_RETURN_IF_ERROR(ReadStripAccents(*normalizer, where + "normalizer.", &options->strip_accents));
  }
  const auto model = root.find("model");
  if (model != root.end() && model->is_object()) {
    const auto max_chars = model->find("max_input_chars_per_word");
    if (max_chars != model->end() && !max_chars->is_null()) {
      if (!max_chars->is_number_integer() || max_chars->get<int64_t>() < 0 ||
          max_chars->get<int64_t>() > INT32_MAX) {
        return Error(StatusCode::kBadVocab, where + "model.max_input_chars_per_word is not a valid count");
      }
      options->max_input_chars_per_word = max_chars->get<int>();
    }
  }
  return Status();
}

Status ReadConfigOptions(const Json& root, TokenizerOptions* options) {
  const std::string where = "tokenizer_config.json: ";
  // Checkpoints without a limit store a huge float (1e30): that means none.
  if (const auto it = root.find("model_max_length"); it != root.end() && it->is_number_integer() &&
                                                      it->get<int64_t>() > 0 && it->get<int64_t>() <= (1 << 20)) {
    options->model_max_length = it->get<size_t>();
  }
  BERT_RETURN_IF_ERROR(ReadBool(root, "do_lower_case", where, &options->lowercase));
  BERT_RETURN_IF_ERROR(ReadBool(root, "tokenize_chinese_chars", where, &options->tokenize_chinese_chars));
  return ReadStripAccents(root, where, &options->strip_accents);
}

Status ParseJsonObject(std::string_view text, const char* file, Json* out) {
  *out = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) return Error(StatusCode::kBadVocab, std::string(file) + ": not valid JSON");
  if (!out->is_object()) return Error(StatusCode::kBadVocab, std::string(file) + ": not a JSON object");
  return Status();
}

}  // namespace

Status LoadTokenizerFiles(std::string_view vocab_txt, std::string_view tokenizer_json,
                          std::string_view tokenizer_config_json, TokenizerFiles* out) {
  Json tokenizer = Json::object();
  Json config = Json::object();
  if (!tokenizer_json.empty()) BERT_RETURN_IF_ERROR(ParseJsonObject(tokenizer_json, "tokenizer.json", &tokenizer));
  if (!tokenizer_config_json.empty()) {
    BERT_RETURN_IF_ERROR(ParseJsonObject(tokenizer_config_json, "tokenizer_config.json", &config));
  }
  if (!vocab_txt.empty()) {
    BERT_RETURN_IF_ERROR(ReadVocabTxt(vocab_txt, &out->id_to_token, &out->token_to_id));
  } else if (!tokenizer_json.empty()) {
    BERT_RETURN_IF_ERROR(ReadJsonVocab(tokenizer, out));
  } else {
    return Error(StatusCode::kBadVocab, "no vocab: vocab.txt and tokenizer.json are both empty");
  }
  BERT_RETURN_IF_ERROR(ReadAddedTokens(tokenizer, out));
  // tokenizer_config.json is read last so that its settings win.
  BERT_RETURN_IF_ERROR(ReadTokenizerJsonOptions(tokenizer, &out->options));
  return ReadConfigOptions(config, &out->options);
}

}  // namespace bert
