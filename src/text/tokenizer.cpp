// Hugging Face BertTokenizer (the Python "slow" tokenizer, which defines the reference behaviour), step by
// step as in ../shared/docs/tokenizer.md.
#include "text/tokenizer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "text/unicode.h"

namespace bert {
namespace {

using Json = nlohmann::json;

struct SpecialToken {
  std::string_view text;
  int32_t id;
};

// Splits text into words and WordPieces. One instance per Encode call, so its buffers are reused across
// segments and words instead of being allocated per character.
class TextEncoder {
 public:
  TextEncoder(const TokenizerOptions& options, const std::unordered_map<std::string, int32_t>& vocab,
              std::span<const SpecialToken> specials, int32_t unk_id)
      : options_(options), vocab_(vocab), specials_(specials), unk_id_(unk_id) {}

  // Special tokens are matched first, case-sensitively, in the raw text and kept verbatim, as the
  // tokens trie of Hugging Face does; the text between them goes through BasicTokenizer and WordPiece.
  void Encode(std::string_view text, std::vector<int32_t>* ids) {
    size_t segment_start = 0;
    size_t pos = text.find('[');
    while (pos != std::string_view::npos) {
      const SpecialToken* match = nullptr;
      for (const SpecialToken& special : specials_) {
        if (text.substr(pos).starts_with(special.text)) match = &special;
      }
      if (match == nullptr) {
        pos = text.find('[', pos + 1);
        continue;
      }
      EncodeSegment(text.substr(segment_start, pos - segment_start), ids);
      ids->push_back(match->id);
      segment_start = pos + match->text.size();
      pos = text.find('[', segment_start);
    }
    EncodeSegment(text.substr(segment_start), ids);
  }

 private:
  void EncodeSegment(std::string_view segment, std::vector<int32_t>* ids) {
    if (segment.empty()) return;
    unicode::DecodeUtf8(segment, &decoded_);
    // Clean, lowercase and space out CJK in one pass. Lowercasing here, before NFC, mirrors the slow
    // tokenizer, which lowercases the raw text one character at a time (so never a final sigma) before
    // BasicTokenizer lowercases each word again after NFC.
    cleaned_.clear();
    for (char32_t cp : decoded_) {
      if (options_.clean_text) {
        if (cp == 0 || cp == 0xFFFD || unicode::IsControl(cp)) continue;
        if (unicode::IsWhitespace(cp)) {
          cleaned_.push_back(' ');
          continue;
        }
      }
      const bool cjk = options_.tokenize_chinese_chars && unicode::IsCjk(cp);
      if (cjk) cleaned_.push_back(' ');
      if (options_.lowercase) {
        unicode::AppendLower(cp, &cleaned_);
      } else {
        cleaned_.push_back(cp);
      }
      if (cjk) cleaned_.push_back(' ');
    }
    unicode::Nfc(cleaned_, &normalized_);
    // Words are split as Python's str.split() does.
    const std::u32string_view text = normalized_;
    size_t i = 0;
    while (i < text.size()) {
      if (unicode::IsSplitSpace(text[i])) {
        ++i;
        continue;
      }
      size_t end = i;
      while (end < text.size() && !unicode::IsSplitSpace(text[end])) ++end;
      EncodeWord(text.substr(i, end - i), ids);
      i = end;
    }
  }

  void EncodeWord(std::u32string_view word, std::vector<int32_t>* ids) {
    // strip_accents: unset follows lowercase, true strips even when cased, false never strips.
    const bool strip = options_.strip_accents.value_or(options_.lowercase);
    if (options_.lowercase) {
      unicode::ToLower(word, &lowered_);
      word = lowered_;
    }
    if (strip) {
      unicode::StripAccents(word, &stripped_);
      word = stripped_;
    }
    // Every punctuation character is a word of its own.
    size_t start = 0;
    for (size_t k = 0; k < word.size(); ++k) {
      if (!unicode::IsPunctuation(word[k])) continue;
      WordPiece(word.substr(start, k - start), ids);
      WordPiece(word.substr(k, 1), ids);
      start = k + 1;
    }
    WordPiece(word.substr(start), ids);
  }

  // Greedy longest-match-first; a word with an unmatchable position, or longer than
  // max_input_chars_per_word code points, is a single [UNK].
  void WordPiece(std::u32string_view word, std::vector<int32_t>* ids) {
    if (word.empty()) return;  // e.g. a word made only of combining marks, emptied by accent stripping
    if (word.size() > static_cast<size_t>(std::max(options_.max_input_chars_per_word, 0))) {
      ids->push_back(unk_id_);
      return;
    }
    utf8_.clear();
    offsets_.clear();
    for (char32_t cp : word) {
      offsets_.push_back(utf8_.size());
      unicode::AppendUtf8(cp, &utf8_);
    }
    offsets_.push_back(utf8_.size());
    const size_t first_piece = ids->size();
    size_t start = 0;
    while (start < word.size()) {
      int32_t id = -1;
      size_t end = word.size();
      for (; end > start; --end) {
        candidate_.assign(start > 0 ? "##" : "");
        candidate_.append(utf8_, offsets_[start], offsets_[end] - offsets_[start]);
        const auto it = vocab_.find(candidate_);
        if (it != vocab_.end()) {
          id = it->second;
          break;
        }
      }
      if (id < 0) {
        ids->resize(first_piece);
        ids->push_back(unk_id_);
        return;
      }
      ids->push_back(id);
      start = end;
    }
  }

  const TokenizerOptions& options_;
  const std::unordered_map<std::string, int32_t>& vocab_;
  std::span<const SpecialToken> specials_;
  int32_t unk_id_;
  std::u32string decoded_, cleaned_, normalized_, lowered_, stripped_;
  std::string utf8_, candidate_;
  std::vector<size_t> offsets_;  // byte offset of each code point of utf8_, plus its end
};

// Python's str.replace: every non-overlapping occurrence, left to right.
void ReplaceAll(std::string* text, std::string_view from, std::string_view to) {
  std::string result;
  size_t start = 0;
  size_t pos = text->find(from);
  if (pos == std::string::npos) return;
  while (pos != std::string::npos) {
    result.append(*text, start, pos - start);
    result.append(to);
    start = pos + from.size();
    pos = text->find(from, start);
  }
  result.append(*text, start);
  *text = std::move(result);
}

// Python's str.strip(): drops leading and trailing str.isspace() characters.
std::string StripSpaces(std::string_view text) {
  std::u32string cps;
  unicode::DecodeUtf8(text, &cps);
  size_t begin = 0;
  size_t end = cps.size();
  while (begin < end && unicode::IsSplitSpace(cps[begin])) ++begin;
  while (end > begin && unicode::IsSplitSpace(cps[end - 1])) --end;
  std::string result;
  for (size_t i = begin; i < end; ++i) unicode::AppendUtf8(cps[i], &result);
  return result;
}

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
Status ReadJsonVocab(const Json& root, std::vector<std::string>* id_to_token,
                     std::unordered_map<std::string, int32_t>* token_to_id) {
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

Status LoadImpl(std::string_view vocab_txt, std::string_view tokenizer_json,
                std::string_view tokenizer_config_json, TokenizerOptions* options,
                std::vector<std::string>* id_to_token,
                std::unordered_map<std::string, int32_t>* token_to_id) {
  Json tokenizer = Json::object();
  Json config = Json::object();
  if (!tokenizer_json.empty())
    BERT_RETURN_IF_ERROR(ParseJsonObject(tokenizer_json, "tokenizer.json", &tokenizer));
  if (!tokenizer_config_json.empty()) {
    BERT_RETURN_IF_ERROR(ParseJsonObject(tokenizer_config_json, "tokenizer_config.json", &config));
  }
  if (!vocab_txt.empty()) {
    BERT_RETURN_IF_ERROR(ReadVocabTxt(vocab_txt, id_to_token, token_to_id));
  } else if (!tokenizer_json.empty()) {
    BERT_RETURN_IF_ERROR(ReadJsonVocab(tokenizer, id_to_token, token_to_id));
  } else {
    return Error(StatusCode::kBadVocab, "no vocab: vocab.txt and tokenizer.json are both empty");
  }
  // tokenizer_config.json is read last so that its settings win.
  BERT_RETURN_IF_ERROR(ReadTokenizerJsonOptions(tokenizer, options));
  return ReadConfigOptions(config, options);
}

}  // namespace

Status Tokenizer::Load(std::string_view vocab_txt, std::string_view tokenizer_json,
                       std::string_view tokenizer_config_json, Tokenizer* out) {
  if (out == nullptr) return Error(StatusCode::kInvalidArgument, "Tokenizer::Load: out is null");
  Tokenizer t;
  // Every JSON access is type-checked first, so nothing here throws (wasm builds have no exceptions).
  BERT_RETURN_IF_ERROR(LoadImpl(vocab_txt, tokenizer_json, tokenizer_config_json, &t.options_,
                                &t.id_to_token_, &t.token_to_id_));
  const std::pair<std::string_view, int32_t*> specials[] = {{"[CLS]", &t.cls_id_},
                                                            {"[SEP]", &t.sep_id_},
                                                            {"[PAD]", &t.pad_id_},
                                                            {"[UNK]", &t.unk_id_},
                                                            {"[MASK]", &t.mask_id_}};
  for (const auto& [token, id] : specials) {
    *id = t.TokenToId(token);
    if (*id < 0) return Error(StatusCode::kBadVocab, "vocab has no " + std::string(token) + " token");
  }
  *out = std::move(t);
  return Status();
}

Status Tokenizer::Encode(std::string_view text, std::optional<std::string_view> pair, size_t max_length,
                         bool truncation, Encoding* out) const {
  if (out == nullptr) return Error(StatusCode::kInvalidArgument, "Tokenizer::Encode: out is null");
  if (id_to_token_.empty())
    return Error(StatusCode::kInvalidArgument, "Tokenizer::Encode: tokenizer not loaded");
  if (const size_t bad = unicode::FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Error(StatusCode::kBadText, "text is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  if (pair) {
    if (const size_t bad = unicode::FindInvalidUtf8(*pair); bad != std::string_view::npos) {
      return Error(StatusCode::kBadText, "pair text is not valid UTF-8 (byte " + std::to_string(bad) + ")");
    }
  }
  const std::array<SpecialToken, 5> specials = {
      {{"[CLS]", cls_id_}, {"[SEP]", sep_id_}, {"[PAD]", pad_id_}, {"[UNK]", unk_id_}, {"[MASK]", mask_id_}}};
  TextEncoder encoder(options_, token_to_id_, specials, unk_id_);
  std::vector<int32_t> first, second;
  encoder.Encode(text, &first);
  if (pair) encoder.Encode(*pair, &second);

  const size_t num_special = pair ? 3 : 2;
  const size_t total = first.size() + second.size() + num_special;
  if (total > max_length) {
    if (!truncation) {
      return Error(StatusCode::kTooLong, "input is " + std::to_string(total) +
                                             " tokens, more than max_length " + std::to_string(max_length));
    }
    if (max_length < num_special) {
      return Error(StatusCode::kInvalidArgument,
                   "max_length " + std::to_string(max_length) + " cannot hold the special tokens");
    }
    // HF's "longest_first" (truncate_sequences): one token at a time from the end of the longer
    // sequence; on a tie from the second. The fast (Rust) tokenizer splits an odd remainder the other
    // way; we follow the Python BertTokenizer.
    for (size_t remove = total - max_length; remove > 0; --remove) {
      if (!pair || first.size() > second.size()) {
        first.pop_back();
      } else {
        second.pop_back();
      }
    }
  }

  Encoding encoding;
  const auto append = [&](int32_t id, int32_t type) {
    encoding.input_ids.push_back(id);
    encoding.token_type_ids.push_back(type);
    encoding.tokens.push_back(id_to_token_[static_cast<size_t>(id)]);
  };
  append(cls_id_, 0);
  for (int32_t id : first) append(id, 0);
  append(sep_id_, 0);
  if (pair) {
    for (int32_t id : second) append(id, 1);
    append(sep_id_, 1);
  }
  *out = std::move(encoding);
  return Status();
}

std::string Tokenizer::Decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  // convert_tokens_to_string: join with spaces, glue "##" continuations, strip.
  std::string text;
  bool first = true;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) continue;
    if (skip_special_tokens &&
        (id == cls_id_ || id == sep_id_ || id == pad_id_ || id == unk_id_ || id == mask_id_)) {
      continue;
    }
    if (!first) text.push_back(' ');
    first = false;
    text += id_to_token_[static_cast<size_t>(id)];
  }
  ReplaceAll(&text, " ##", "");
  text = StripSpaces(text);
  // clean_up_tokenization, in Hugging Face's order.
  static constexpr std::pair<std::string_view, std::string_view> kCleanups[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kCleanups) ReplaceAll(&text, from, to);
  return text;
}

int32_t Tokenizer::TokenToId(std::string_view token) const {
  const auto it = token_to_id_.find(std::string(token));
  return it == token_to_id_.end() ? -1 : it->second;
}

const std::string& Tokenizer::IdToToken(int32_t id) const {
  static const std::string kNone;  // out of range: documented as a precondition, but never crash
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) return kNone;
  return id_to_token_[static_cast<size_t>(id)];
}

}  // namespace bert
