// Tokenize and WordPieces of arbitrary bytes with three fixed tokenizers (embedded vocab, no files): never
// crashes, invalid UTF-8 is kBadText, and on valid UTF-8 spans, offsets and word ids are consistent.
#include <nlohmann/json.hpp>

#include "fuzz_util.h"

namespace {

using namespace bert;

// Uncased from vocab.txt; cased with accents stripped, no CJK spacing or cleaning and added tokens from
// tokenizer.json; uncased with accents kept and short words.
const std::vector<Tokenizer>& Tokenizers() {
  static const std::vector<Tokenizer> tokenizers = [] {
    nlohmann::json vocab = nlohmann::json::object();
    const std::string& text = fuzz::TinyVocab();
    int32_t id = 0;
    for (size_t pos = 0; pos < text.size(); pos = text.find('\n', pos) + 1) vocab[text.substr(pos, text.find('\n', pos) - pos)] = id++;
    nlohmann::json added = nlohmann::json::array();
    for (const auto& [content, special] : {std::pair{"[MASK]", true}, {"<x>", true}, {"\xc3\xa9!", false}, {"ab", false}}) {
      added.push_back({{"id", id++}, {"content", content}, {"special", special}});
    }
    const nlohmann::json tokenizer_json = {
        {"added_tokens", added},
        {"normalizer", {{"type", "BertNormalizer"}, {"clean_text", false}, {"handle_chinese_chars", false},
                        {"strip_accents", true}, {"lowercase", false}}},
        {"model", {{"type", "WordPiece"}, {"vocab", vocab}, {"unk_token", "[UNK]"}, {"max_input_chars_per_word", 100}}}};
    std::vector<Tokenizer> t(3);
    CHECK(Tokenizer::Load(text, "", "", &t[0]).ok());
    CHECK(Tokenizer::Load("", tokenizer_json.dump(), "", &t[1]).ok());
    CHECK(Tokenizer::Load(text, R"({"model": {"max_input_chars_per_word": 5}})",
                          R"({"do_lower_case": true, "strip_accents": false})", &t[2])
              .ok());
    return t;
  }();
  return tokenizers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The pair: the text's second half, from a character boundary.
  size_t half = size / 2;
  while (half < size && !fuzz::AtCharStart(text, static_cast<uint32_t>(half))) ++half;
  for (const Tokenizer& t : Tokenizers()) fuzz::CheckTokenize(t, text, text.substr(half));
  return 0;
}
