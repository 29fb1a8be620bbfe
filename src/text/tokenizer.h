// BERT WordPiece tokenizer with Hugging Face BertTokenizer behaviour (see ../shared/docs/tokenizer.md).
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

struct Encoding {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> token_type_ids;
  std::vector<std::string> tokens;
};

struct TokenizerOptions {
  bool lowercase = true;                // do_lower_case
  std::optional<bool> strip_accents;    // unset: follows lowercase
  bool tokenize_chinese_chars = true;   // spaces around CJK ideographs
  bool clean_text = true;               // drop control characters, map whitespace to ' '
  int max_input_chars_per_word = 100;   // longer words become [UNK]
};

class Tokenizer {
 public:
  // Builds a tokenizer from the text of a model folder's files. `vocab_txt` may be empty when
  // `tokenizer_json` holds the vocab; `tokenizer_config_json` may be empty. Settings come from
  // tokenizer_config.json, else tokenizer.json's normalizer, else Hugging Face's defaults.
  static Status Load(std::string_view vocab_txt, std::string_view tokenizer_json,
                     std::string_view tokenizer_config_json, Tokenizer* out);

  // [CLS] text [SEP] (pair: [CLS] text [SEP] pair [SEP]). With `truncation`, the sequence is cut to
  // `max_length` tokens (longest-first for pairs); without it, a longer input is kTooLong.
  // Invalid UTF-8 is kBadText.
  Status Encode(std::string_view text, std::optional<std::string_view> pair, size_t max_length,
                bool truncation, Encoding* out) const;

  // Joins WordPieces (dropping "##"), optionally skipping special tokens, then applies Hugging Face's
  // clean_up_tokenization ("i ' m" -> "i'm", " ." -> "."). Unknown ids are skipped.
  std::string Decode(std::span<const int32_t> ids, bool skip_special_tokens) const;

  int32_t TokenToId(std::string_view token) const;  // -1 when not in the vocab
  const std::string& IdToToken(int32_t id) const;   // requires 0 <= id < vocab_size()
  size_t vocab_size() const { return id_to_token_.size(); }
  const TokenizerOptions& options() const { return options_; }

  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t unk_id() const { return unk_id_; }
  int32_t mask_id() const { return mask_id_; }

 private:
  TokenizerOptions options_;
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, int32_t> token_to_id_;
  int32_t cls_id_ = -1, sep_id_ = -1, pad_id_ = -1, unk_id_ = -1, mask_id_ = -1;
};

}  // namespace bert
