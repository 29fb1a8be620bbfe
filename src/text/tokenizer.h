// BERT's WordPiece tokenizer as Hugging Face's Rust tokenizer runs it (BertNormalizer, BertPreTokenizer,
// WordPiece, the [CLS]/[SEP] template; see ../shared/docs/tokenizer.md), with the character offsets and
// word indices of every token.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace bert {

// [begin, end) in bytes of the UTF-8 text a token came from.
struct Span {
  uint32_t begin = 0, end = 0;
};

// One WordPiece of a text (no special tokens added).
struct Token {
  int32_t id;
  Span span;
  int32_t word;  // index of its word: whitespace-separated, punctuation apart, added tokens apart
};

// A model input: [CLS] text [SEP] (pair [SEP]).
struct TokenizedText {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> token_type_ids;
  std::vector<std::string> tokens;
  // Per token, where it came from: its sequence (0 text, 1 pair, -1 a special token of the template),
  // its span in that sequence's text and its word there. Empty for pre-tokenized inputs.
  std::vector<int8_t> sequence_ids;
  std::vector<Span> offsets;
  std::vector<int32_t> word_ids;  // -1 for special tokens
};

// A token matched verbatim in the raw text before normalization: [CLS], [MASK], tokenizer.json's added tokens.
struct AddedToken {
  std::string content;
  int32_t id;
  bool special;  // dropped by Decode(skip_special_tokens)
};

struct TokenizerOptions {
  bool lowercase = true;                // do_lower_case
  std::optional<bool> strip_accents;    // unset: follows lowercase
  bool tokenize_chinese_chars = true;   // spaces around CJK ideographs
  bool clean_text = true;               // drop control characters, map whitespace to ' '
  int max_input_chars_per_word = 100;   // longer words become [UNK]
  size_t model_max_length = 0;          // tokenizer_config.json's model_max_length; 0 when absent
};

class Tokenizer {
 public:
  // Builds a tokenizer from the text of a model folder's files. `vocab_txt` may be empty when
  // `tokenizer_json` holds the vocab; `tokenizer_config_json` may be empty. Settings come from
  // tokenizer_config.json, else tokenizer.json's normalizer, else Hugging Face's defaults.
  static Status Load(std::string_view vocab_txt, std::string_view tokenizer_json,
                     std::string_view tokenizer_config_json, Tokenizer* out);

  // [CLS] text [SEP] (pair: [CLS] text [SEP] pair [SEP]). With `truncation`, the sequence is cut to
  // `max_length` tokens (longest-first for pairs, as the Rust tokenizer splits them); without it, a longer
  // input is kTooLong. Invalid UTF-8 is kBadText.
  Status Tokenize(std::string_view text, std::optional<std::string_view> pair, size_t max_length,
                  bool truncation, TokenizedText* out) const;

  // The WordPieces of one text, without special tokens. Invalid UTF-8 is kBadText. Splitting stops after
  // the first word that takes the count past `max_tokens`.
  Status WordPieces(std::string_view text, std::vector<Token>* out, size_t max_tokens = SIZE_MAX) const;

  // The template around already split texts: [CLS] first [SEP] (second [SEP]).
  TokenizedText Assemble(std::span<const Token> first, std::optional<std::span<const Token>> second) const;

  // Hugging Face's decode: the WordPiece decoder ("##" pieces glued, others spaced, a space dropped
  // before . , ! ? and the like), then clean_up_tokenization ("i ' m" -> "i'm"). Unknown ids are skipped.
  std::string Decode(std::span<const int32_t> ids, bool skip_special_tokens) const;

  // The WordPiece decoder alone, as the fast tokenizer's convert_tokens_to_string.
  static std::string JoinTokens(std::span<const std::string> tokens);

  int32_t TokenToId(std::string_view token) const;  // -1 when not in the vocab
  const std::string& IdToToken(int32_t id) const;   // empty when out of range
  size_t vocab_size() const { return id_to_token_.size(); }
  const TokenizerOptions& options() const { return options_; }
  bool IsSpecial(int32_t id) const;

  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t unk_id() const { return unk_id_; }
  int32_t mask_id() const { return mask_id_; }

 private:
  bool IsAdded(int32_t id) const;
  // How many of `tokens` the Rust tokenizer weighs when truncating a pair: up to the first word end at or
  // past `limit` tokens.
  size_t LengthUpTo(std::span<const Token> tokens, std::string_view text, size_t limit) const;

  TokenizerOptions options_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, int32_t> token_to_id_;
  std::vector<AddedToken> added_;
  int32_t cls_id_ = -1, sep_id_ = -1, pad_id_ = -1, unk_id_ = -1, mask_id_ = -1;
};

}  // namespace bert
