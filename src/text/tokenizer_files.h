// Reading a tokenizer's files: vocab.txt or tokenizer.json's vocab, and the settings of tokenizer.json's
// BertNormalizer and WordPiece model, overridden by tokenizer_config.json.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "text/tokenizer.h"

namespace bert {

// What a tokenizer's files say.
struct TokenizerFiles {
  TokenizerOptions options;
  std::vector<std::string> id_to_token;
  std::unordered_map<std::string, int32_t> token_to_id;
  std::vector<AddedToken> added;  // tokenizer.json's added_tokens; empty for vocab.txt (the caller adds BERT's)
  std::string unk_token = "[UNK]";
};

// `vocab_txt` may be empty when `tokenizer_json` holds the vocab; either JSON file may be empty.
// Errors are kBadVocab naming the file and field.
Status LoadTokenizerFiles(std::string_view vocab_txt, std::string_view tokenizer_json,
                          std::string_view tokenizer_config_json, TokenizerFiles* out);

}  // namespace bert
