// Tokenizer tests as tables: published bert-base-uncased vectors, the goldens of ../shared/models, decoding,
// options, loading errors, edge cases and a small fuzz loop.
#include "text/tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "text/unicode.h"

namespace bert {
namespace {

using namespace std::string_literals;

const std::string kModels = BERT_MODELS_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Tokenizer LoadOrDie(std::string_view vocab, std::string_view tokenizer_json, std::string_view config) {
  Tokenizer t;
  const Status status = Tokenizer::Load(vocab, tokenizer_json, config, &t);
  EXPECT_TRUE(status.ok()) << status.message();
  return t;
}

// bert-base-uncased from vocab.txt + tokenizer_config.json.
const Tokenizer& Uncased() {
  static const Tokenizer t = LoadOrDie(ReadFile(kModels + "/bert-base-uncased/vocab.txt"), "",
                                       ReadFile(kModels + "/bert-base-uncased/tokenizer_config.json"));
  return t;
}

// bert-base-uncased from tokenizer.json alone.
const Tokenizer& UncasedFromJson() {
  static const Tokenizer t = LoadOrDie("", ReadFile(kModels + "/bert-base-uncased/tokenizer.json"), "");
  return t;
}

TokenizedText EncodeOk(const Tokenizer& t, std::string_view text,
                  std::optional<std::string_view> pair = std::nullopt, size_t max_length = 512,
                  bool truncation = true) {
  TokenizedText e;
  const Status status = t.Tokenize(text, pair, max_length, truncation, &e);
  EXPECT_TRUE(status.ok()) << status.message();
  return e;
}

std::vector<int32_t> ToIds(const Tokenizer& t, const std::vector<std::string>& tokens) {
  std::vector<int32_t> ids;
  for (const std::string& token : tokens) {
    ids.push_back(t.TokenToId(token));
    EXPECT_GE(ids.back(), 0) << token;
  }
  return ids;
}

struct IdsCase {
  std::string name;
  std::string text;
  std::optional<std::string> pair;
  std::vector<int32_t> ids;
  std::vector<int32_t> types;  // empty: all zero
};

// docs/tokenizer.md "Published vectors", plus cases checked against Hugging Face's slow BertTokenizer rules.
const std::vector<IdsCase>& UncasedCases() {
  // clang-format off
  static const std::vector<IdsCase> cases = {
      {"doc_question", "How are you doing?", {}, {101, 2129, 2024, 2017, 2725, 1029, 102}, {}},
      {"doc_unwanted", "UNwant\u00e9d,running", {}, {101, 18162, 1010, 2770, 102}, {}},
      {"doc_nul_fffd", "1\0"s "2\uFFFD3", {}, {101, 13138, 102}, {}},
      {"doc_chinese", "生活的真谛是", {}, {101, 1910, 100, 1916, 1921, 100, 100, 102}, {}},
      {"doc_cjk_mixed", "ah\u535a\u63a8zz", {}, {101, 6289, 1786, 100, 1062, 2480, 102}, {}},
      {"doc_accent", "H\u00e9llo", {}, {101, 7592, 102}, {}},
      {"doc_whitespace", " \tH\u00e4LLo!how  \n Are yoU?  ", {},
       {101, 2534, 2080, 999, 2129, 2024, 2017, 1029, 102}, {}},
      {"doc_only_whitespace", " \t\n", {}, {101, 102}, {}},
      {"doc_pair", "hello", "world", {101, 7592, 102, 2088, 102}, {0, 0, 0, 1, 1}},
      {"doc_mask", "Hello I'm a [MASK] model.", {}, {101, 7592, 1045, 1005, 1049, 1037, 103, 2944, 1012, 102}, {}},
      {"empty", "", {}, {101, 102}, {}},
      {"empty_pair", "", "", {101, 102, 102}, {0, 0, 1}},
      {"mask_adjacent", "a[MASK]b", {}, {101, 1037, 103, 1038, 102}, {}},
      {"mask_lowercase_is_text", "[mask]", {}, {101, 1031, 7308, 1033, 102}, {}},
      {"mask_unclosed", "[MASK", {}, {101, 1031, 7308, 102}, {}},
      {"mask_in_brackets", "[[MASK]]", {}, {101, 1031, 103, 1033, 102}, {}},
      {"all_specials_verbatim", "[CLS][SEP][PAD][UNK][MASK]", {}, {101, 101, 102, 0, 100, 103, 102}, {}},
      {"zero_width_space_dropped", "hel\u200blo", {}, {101, 7592, 102}, {}},
      // Hugging Face drops every category C*, so private use (Co) goes too, not only Cc/Cf.
      {"private_use_dropped", "a\uE000b", {}, {101, 11113, 102}, {}},
      {"line_separator_splits", "hello\u2028world", {}, {101, 7592, 2088, 102}, {}},
      {"unicode_punctuation", "\u00bfqu\u00e9?", {}, {101, 1094, 10861, 1029, 102}, {}},
      {"symbols_not_punctuation", "5\u20ac 2\u00b2 \u2211", {}, {101, 1019, 30102, 1016, 10701, 100, 102}, {}},
      {"hangul_to_jamo", "한국어", {}, {101, 1469, 30006, 30021, 29991, 30014, 30020, 29999, 30008, 102}, {}},
      {"hiragana_not_spaced", "ひらがな", {}, {101, 1673, 30211, 30177, 30193, 102}, {}},
      {"dotted_capital_i", "\u0130stanbul", {}, {101, 9960, 102}, {}},
      {"no_final_sigma", "ΟΔΟΣ", {}, {101, 1169, 29722, 29730, 29733, 102}, {}},
      {"combining_acute_alone", "e\u0301", {}, {101, 1041, 102}, {}},
      {"emoji_unknown", "\U0001F600 ok", {}, {101, 100, 7929, 102}, {}},
      {"ligature_kept", "\uFB01ne", {}, {101, 1984, 2638, 102}, {}},
      {"lone_combining_mark_vanishes", "a \u0301 b", {}, {101, 1037, 1038, 102}, {}},
  };
  // clang-format on
  return cases;
}

void ExpectIds(const Tokenizer& t, const IdsCase& c) {
  SCOPED_TRACE(c.name);
  const TokenizedText e = EncodeOk(t, c.text, c.pair);
  EXPECT_EQ(e.input_ids, c.ids);
  std::vector<int32_t> types = c.types;
  if (types.empty()) types.assign(c.ids.size(), 0);
  EXPECT_EQ(e.token_type_ids, types);
  ASSERT_EQ(e.tokens.size(), e.input_ids.size());
  for (size_t i = 0; i < e.tokens.size(); ++i) EXPECT_EQ(e.tokens[i], t.IdToToken(e.input_ids[i]));
}

TEST(Tokenizer, PublishedAndEdgeVectors) {
  for (const IdsCase& c : UncasedCases()) ExpectIds(Uncased(), c);
}

TEST(Tokenizer, TokenizerJsonOnlyGivesIdenticalIds) {
  const Tokenizer& json = UncasedFromJson();
  ASSERT_EQ(json.vocab_size(), Uncased().vocab_size());
  for (size_t id = 0; id < json.vocab_size(); ++id) {
    ASSERT_EQ(json.IdToToken(static_cast<int32_t>(id)), Uncased().IdToToken(static_cast<int32_t>(id)));
  }
  EXPECT_TRUE(json.options().lowercase);
  EXPECT_FALSE(json.options().strip_accents.has_value());
  EXPECT_EQ(json.options().max_input_chars_per_word, 100);
  for (const IdsCase& c : UncasedCases()) ExpectIds(json, c);
}

TEST(Tokenizer, SpecialTokenIds) {
  const Tokenizer& t = Uncased();
  EXPECT_EQ(t.vocab_size(), 30522u);
  EXPECT_EQ(t.pad_id(), 0);
  EXPECT_EQ(t.unk_id(), 100);
  EXPECT_EQ(t.cls_id(), 101);
  EXPECT_EQ(t.sep_id(), 102);
  EXPECT_EQ(t.mask_id(), 103);
  EXPECT_EQ(t.TokenToId("hello"), 7592);
  EXPECT_EQ(t.TokenToId("not-a-token"), -1);
  EXPECT_EQ(t.IdToToken(7592), "hello");
  EXPECT_EQ(t.IdToToken(-1), "");
  EXPECT_EQ(t.IdToToken(30522), "");
}

TEST(Tokenizer, Goldens) {
  for (const char* model : {"tiny-random", "small-random", "bare-random"}) {
    const auto golden = nlohmann::json::parse(ReadFile(kModels + "/" + model + "/golden.json"));
    ASSERT_GT(golden.at("cases").size(), 0u);
    for (const auto& c : golden.at("cases")) {
      SCOPED_TRACE(std::string(model) + "/" + c.at("id").get<std::string>());
      std::optional<std::string> pair;
      if (c.contains("pair")) pair = c.at("pair").get<std::string>();
      for (const Tokenizer* t : {&Uncased(), &UncasedFromJson()}) {
        const TokenizedText e = EncodeOk(*t, c.at("text").get<std::string>(), pair);
        EXPECT_EQ(e.input_ids, c.at("input_ids").get<std::vector<int32_t>>());
        EXPECT_EQ(e.token_type_ids, c.at("token_type_ids").get<std::vector<int32_t>>());
        EXPECT_EQ(e.tokens, c.at("tokens").get<std::vector<std::string>>());
      }
    }
  }
}

struct DecodeCase {
  std::string name;
  std::vector<std::string> tokens;
  bool skip_special_tokens;
  std::string expected;
};

TEST(Tokenizer, Decode) {
  const std::vector<DecodeCase> cases = {
      {"model_card",
       {"[CLS]", "hello", "i", "'", "m", "a", "fashion", "model", ".", "[SEP]"},
       true,
       "hello i'm a fashion model."},
      {"model_card_specials",
       {"[CLS]", "hello", "i", "'", "m", "a", "[MASK]", "model", ".", "[SEP]"},
       false,
       "[CLS] hello i'm a [MASK] model. [SEP]"},
      {"wordpieces", {"hall", "##o", "!", "walk", "##ing", "##ed"}, true, "hallo! walkinged"},
      {"leading_continuation_kept", {"##s", "a"}, true, "##s a"},
      {"contraction_nt", {"is", "n", "'", "t", "it", "?"}, true, "isn't it?"},
      {"contractions",
       {"they", "'", "re", "and", "we", "'", "ve", "it", "'", "s"},
       true,
       "they're and we've it's"},
      {"comma", {"a", ",", "b", "!"}, true, "a, b!"},
      {"unk_skipped", {"[UNK]", "hello", "[PAD]", "[PAD]"}, true, "hello"},
      {"unk_kept", {"[UNK]", "hello", "[PAD]"}, false, "[UNK] hello [PAD]"},
      {"only_specials", {"[CLS]", "[SEP]", "[PAD]"}, true, ""},
      {"empty", {}, false, ""},
  };
  const Tokenizer& t = Uncased();
  for (const DecodeCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(t.Decode(ToIds(t, c.tokens), c.skip_special_tokens), c.expected);
  }
}

TEST(Tokenizer, DecodeSkipsUnknownIds) {
  const std::vector<int32_t> ids = {-5, 7592, 30522, 1000000, 2088};
  EXPECT_EQ(Uncased().Decode(ids, false), "hello world");
}

TEST(Tokenizer, DecodeRoundTripsLongGolden) {
  const auto golden = nlohmann::json::parse(ReadFile(kModels + "/tiny-random/golden.json"));
  for (const auto& c : golden.at("cases")) {
    if (c.at("id") != "long") continue;
    std::string expected = c.at("text").get<std::string>();
    std::transform(expected.begin(), expected.end(), expected.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    const size_t mask = expected.find("[mask]");
    ASSERT_NE(mask, std::string::npos);
    expected.replace(mask, 6, "[MASK]");
    const TokenizedText e = EncodeOk(Uncased(), c.at("text").get<std::string>());
    EXPECT_EQ(Uncased().Decode(e.input_ids, false), "[CLS] " + expected + " [SEP]");
    return;
  }
  FAIL() << "no long case";
}

TEST(Tokenizer, InvalidUtf8IsBadText) {
  const std::vector<std::string> bad = {
      "\xff",              // never a UTF-8 byte
      "ab\x80",            // stray continuation byte
      "\xc0\xaf",          // overlong '/'
      "\xc1\xbf",          // overlong two-byte form
      "\xe0\x80\xaf",      // overlong three-byte form
      "\xf0\x80\x80\xaf",  // overlong four-byte form
      "\xed\xa0\x80",      // surrogate U+D800
      "\xed\xbf\xbf",      // surrogate U+DFFF
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",  // lead byte beyond U+10FFFF
      "hello \xe2\x82",    // truncated at the end
      "\xe2\x82 x",        // truncated in the middle
      "\xf0\x9f\x98",      // truncated four-byte sequence
      "\xc3",              // lone lead byte
  };
  for (const std::string& text : bad) {
    SCOPED_TRACE(::testing::PrintToString(text));
    TokenizedText e;
    EXPECT_EQ(Uncased().Tokenize(text, std::nullopt, 512, true, &e).code(), StatusCode::kBadText);
    EXPECT_EQ(Uncased().Tokenize("fine", std::string_view(text), 512, true, &e).code(), StatusCode::kBadText);
    EXPECT_TRUE(e.input_ids.empty());
  }
}

TEST(Tokenizer, Utf8BoundariesAreValid) {
  const std::vector<std::string> good = {"\x7f",         "\xc2\x80",         "\xdf\xbf",
                                         "\xe0\xa0\x80", "\xed\x9f\xbf",     "\xee\x80\x80",
                                         "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"};
  for (const std::string& text : good) {
    SCOPED_TRACE(::testing::PrintToString(text));
    TokenizedText e;
    EXPECT_TRUE(Uncased().Tokenize(text, std::nullopt, 512, true, &e).ok());
    std::u32string decoded;
    unicode::DecodeUtf8(text, &decoded);
    ASSERT_EQ(decoded.size(), 1u);
    std::string encoded;
    unicode::AppendUtf8(decoded[0], &encoded);
    EXPECT_EQ(encoded, text);
  }
}

TEST(Tokenizer, MaxInputCharsPerWordCountsCodePoints) {
  const Tokenizer& t = Uncased();
  const TokenizedText ascii100 = EncodeOk(t, std::string(100, 'a'));
  EXPECT_GT(ascii100.input_ids.size(), 3u);
  EXPECT_EQ(std::count(ascii100.input_ids.begin(), ascii100.input_ids.end(), t.unk_id()), 0);
  EXPECT_EQ(EncodeOk(t, std::string(101, 'a')).input_ids, (std::vector<int32_t>{101, 100, 102}));
  // 60 Cyrillic letters are 120 bytes but only 60 code points.
  std::string zhe60;
  for (int i = 0; i < 60; ++i) zhe60 += "ж";
  const TokenizedText cyrillic = EncodeOk(t, zhe60);
  EXPECT_EQ(cyrillic.input_ids.size(), 62u);
  EXPECT_EQ(cyrillic.tokens[1], "ж");
  EXPECT_EQ(cyrillic.tokens[2], "##ж");
  // The limit applies per word after punctuation splitting.
  EXPECT_EQ(EncodeOk(t, std::string(101, 'a') + "," + std::string(3, 'a')).tokens,
            (std::vector<std::string>{"[CLS]", "[UNK]", ",", "aaa", "[SEP]"}));
}

std::string Letters(int n) {  // "a b c ...": one token per letter
  std::string text;
  for (int i = 0; i < n; ++i) {
    if (i > 0) text += ' ';
    text += static_cast<char>('a' + i % 26);
  }
  return text;
}

TEST(Tokenizer, TruncatesSingleSequence) {
  const Tokenizer& t = Uncased();
  const TokenizedText full = EncodeOk(t, Letters(40));
  ASSERT_EQ(full.input_ids.size(), 42u);
  const TokenizedText cut = EncodeOk(t, Letters(40), std::nullopt, 16, true);
  ASSERT_EQ(cut.input_ids.size(), 16u);
  EXPECT_TRUE(std::equal(cut.input_ids.begin(), cut.input_ids.end() - 1, full.input_ids.begin()));
  EXPECT_EQ(cut.input_ids.back(), t.sep_id());
  EXPECT_EQ(cut.tokens.back(), "[SEP]");
  EXPECT_EQ(EncodeOk(t, Letters(40), std::nullopt, 2, true).input_ids, (std::vector<int32_t>{101, 102}));
  EXPECT_EQ(EncodeOk(t, Letters(40), std::nullopt, 42, false).input_ids, full.input_ids);  // exactly fits
}

struct PairTruncationCase {
  int first, second;  // letters in each text
  size_t max_length;
  int kept_first, kept_second;
};

TEST(Tokenizer, TruncatesPairsLongestFirst) {
  // The Rust tokenizer's longest_first (expected values from npm tokenizers 0.23.2): only the longer text
  // is cut when that suffices, else both get half of the room, the second the larger half.
  const std::vector<PairTruncationCase> cases = {
      {10, 4, 12, 5, 4},  // only the longer (first) is cut
      {3, 10, 12, 3, 6},  // only the longer (second) is cut
      {6, 6, 12, 4, 5},   // tie: halves, the odd token to the second
      {6, 6, 14, 5, 6},   // one removal on a tie hits the first
      {10, 8, 13, 5, 5},  // cut to equal, then alternate
      {10, 8, 12, 5, 4},  // odd remainder: the first keeps the extra token
      {5, 0, 6, 3, 0},    // empty second
      {2, 2, 3, 0, 0},    // room for the special tokens only
      {4, 3, 10, 4, 3},   // fits: untouched
  };
  const Tokenizer& t = Uncased();
  for (const PairTruncationCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.first << "+" << c.second << " max " << c.max_length);
    const TokenizedText e = EncodeOk(t, Letters(c.first), Letters(c.second), c.max_length, true);
    const size_t expected_size = static_cast<size_t>(c.kept_first + c.kept_second + 3);
    ASSERT_EQ(e.input_ids.size(), expected_size);
    EXPECT_LE(e.input_ids.size(), c.max_length);
    EXPECT_EQ(std::count(e.token_type_ids.begin(), e.token_type_ids.end(), 0), c.kept_first + 2);
    EXPECT_EQ(e.input_ids[static_cast<size_t>(c.kept_first) + 1], t.sep_id());
    EXPECT_EQ(e.input_ids.back(), t.sep_id());
    EXPECT_EQ(e.token_type_ids.back(), 1);
    // The second text keeps its beginning.
    if (c.kept_second > 0) {
      EXPECT_EQ(e.tokens[static_cast<size_t>(c.kept_first) + 2], "a");
    }
  }
}

TEST(Tokenizer, TooLongWithoutTruncation) {
  TokenizedText e;
  const Status single = Uncased().Tokenize(Letters(40), std::nullopt, 41, false, &e);
  EXPECT_EQ(single.code(), StatusCode::kTooLong);
  EXPECT_NE(single.message().find("42"), std::string::npos) << single.message();
  EXPECT_EQ(Uncased().Tokenize("a", "b", 4, false, &e).code(), StatusCode::kTooLong);
  EXPECT_TRUE(e.input_ids.empty());
  EXPECT_EQ(Uncased().Tokenize("a", std::nullopt, 1, true, &e).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Uncased().Tokenize("a", "b", 2, true, &e).code(), StatusCode::kInvalidArgument);
}

// A long text of words, accents (combining marks right after spaces and punctuation too), CJK, punctuation
// and unknown words: its normalization runs in slices, and splitting stops once max_length is passed.
std::string LongMixedText(size_t bytes) {
  const char* const pieces[] = {"Hello, ", "wor\u0301ld! ", "\u4e2d\u6587 ", "unaffable ", ".\u0301x ", " \u0300a ",
                                "xyzzyq ", "caf\u00e9 ", "(quoted) ", "\u00c5ngstr\u00f6m-", "\t\n"};
  std::string text;
  for (size_t i = 0; text.size() < bytes; ++i) text += pieces[(i * 7 + i / 3) % std::size(pieces)];
  return text;
}

// Splitting `text` stopped past 300 tokens is a prefix of its whole split, ending with a complete word; and
// the text split in two at `cut` (a word boundary) gives the whole's tokens: slices change nothing.
void ExpectSlicedSplitting(const Tokenizer& t, const std::string& text, size_t cut) {
  std::vector<Token> full, limited, head, tail;
  ASSERT_TRUE(t.WordPieces(text, &full).ok());
  ASSERT_TRUE(t.WordPieces(text, &limited, 300).ok());
  ASSERT_GT(limited.size(), 300u);
  ASSERT_LT(limited.size(), full.size());
  for (size_t i = 0; i < limited.size(); ++i) {
    ASSERT_EQ(limited[i].id, full[i].id) << i;
    ASSERT_EQ(limited[i].span.begin, full[i].span.begin) << i;
    ASSERT_EQ(limited[i].word, full[i].word) << i;
  }
  EXPECT_NE(full[limited.size()].word, limited.back().word);
  ASSERT_TRUE(t.WordPieces(std::string_view(text).substr(0, cut), &head).ok());
  ASSERT_TRUE(t.WordPieces(std::string_view(text).substr(cut), &tail).ok());
  ASSERT_EQ(head.size() + tail.size(), full.size());
  for (size_t i = 0; i < tail.size(); ++i) {
    ASSERT_EQ(tail[i].id, full[head.size() + i].id) << i;
    ASSERT_EQ(tail[i].span.begin + cut, full[head.size() + i].span.begin) << i;
  }
}

TEST(Tokenizer, LongTextsCostWhatIsKept) {
  const Tokenizer& t = Uncased();
  const std::string text = LongMixedText(200'000), pair = LongMixedText(90'000).substr(5);
  ExpectSlicedSplitting(t, text, text.find(' ', 100'000));
  // Without a single ASCII byte, slices end before ideographs and ideographic punctuation.
  std::string cjk;
  while (cjk.size() < 200'000) cjk += "\u4e2d\u6587\u5b57\u3001\u6f22\u5b57\u3002";
  ExpectSlicedSplitting(t, cjk, cjk.find("\u6f22", 100'000));
  // Truncating the whole texts equals truncating prefixes far longer than what is kept.
  for (const size_t max_length : {8u, 512u, 2000u}) {
    SCOPED_TRACE(max_length);
    const TokenizedText whole = EncodeOk(t, text, pair, max_length, true);
    const TokenizedText prefixes = EncodeOk(t, text.substr(0, 60'000), pair.substr(0, 60'000), max_length, true);
    EXPECT_EQ(whole.input_ids, prefixes.input_ids);
    EXPECT_EQ(whole.token_type_ids, prefixes.token_type_ids);
    EXPECT_EQ(whole.input_ids.size(), max_length);
    EXPECT_EQ(EncodeOk(t, text, std::nullopt, max_length, true).input_ids,
              EncodeOk(t, text.substr(0, 60'000), std::nullopt, max_length, true).input_ids);
  }
  TokenizedText e;
  const Status too_long = t.Tokenize(text, std::nullopt, 512, false, &e);
  EXPECT_EQ(too_long.code(), StatusCode::kTooLong);
  EXPECT_EQ(too_long.message(), "input is more than max_length 512 tokens");
}

// A vocab in which lowercasing, accent stripping and NFC are all visible.
std::string MiniVocab() {
  return "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nHello\nh\u00e9llo\nH\u00e9llo\nworld\n##s\n\u01f0\n";
}

struct OptionsCase {
  std::string name;
  std::string config;  // tokenizer_config.json
  std::string text;
  std::vector<std::string> tokens;  // without [CLS] / [SEP]
};

TEST(Tokenizer, CaseAndAccentOptions) {
  const std::vector<OptionsCase> cases = {
      {"uncased_strips", R"({"do_lower_case": true})", "H\u00e9llo worlds", {"hello", "world", "##s"}},
      {"uncased_keep_accents",
       R"({"do_lower_case": true, "strip_accents": false})",
       "H\u00e9llo",
       {"h\u00e9llo"}},
      {"uncased_null_strip", R"({"do_lower_case": true, "strip_accents": null})", "H\u00e9llo", {"hello"}},
      {"cased_keeps_case_and_accents",
       R"({"do_lower_case": false})",
       "H\u00e9llo Hello",
       {"H\u00e9llo", "Hello"}},
      {"cased_strip_true", R"({"do_lower_case": false, "strip_accents": true})", "H\u00e9llo", {"Hello"}},
      // The Rust tokenizer does not compose (no NFC): a decomposed accent stays, so the word is unknown here.
      {"cased_no_nfc", R"({"do_lower_case": false})", "He\u0301llo", {"[UNK]"}},
      {"uncased_keep_accents_no_nfc", R"({"strip_accents": false})", "HE\u0301LLO", {"[UNK]"}},
      {"cased_unknown_case", R"({"do_lower_case": false})", "HELLO", {"[UNK]"}},
      {"uncased_no_nfc", R"({"strip_accents": false})", "J\u030c", {"[UNK]"}},
  };
  for (const OptionsCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Tokenizer t = LoadOrDie(MiniVocab(), "", c.config);
    const TokenizedText e = EncodeOk(t, c.text);
    std::vector<std::string> expected = {"[CLS]"};
    expected.insert(expected.end(), c.tokens.begin(), c.tokens.end());
    expected.push_back("[SEP]");
    EXPECT_EQ(e.tokens, expected);
  }
}

TEST(Tokenizer, SettingsPrecedence) {
  const std::string json = R"({"normalizer": {"type": "BertNormalizer", "clean_text": true,
      "handle_chinese_chars": false, "strip_accents": null, "lowercase": false},
      "model": {"type": "WordPiece", "max_input_chars_per_word": 7, "vocab": {}}})";
  const Tokenizer from_json = LoadOrDie(MiniVocab(), json, "");
  EXPECT_FALSE(from_json.options().lowercase);
  EXPECT_FALSE(from_json.options().tokenize_chinese_chars);
  EXPECT_EQ(from_json.options().max_input_chars_per_word, 7);
  EXPECT_EQ(EncodeOk(from_json, "Hello").tokens[1], "Hello");
  EXPECT_EQ(EncodeOk(from_json, "Helloooo").tokens[1], "[UNK]");  // 8 code points > 7

  const Tokenizer config_wins =
      LoadOrDie(MiniVocab(), json, R"({"do_lower_case": true, "tokenize_chinese_chars": true})");
  EXPECT_TRUE(config_wins.options().lowercase);
  EXPECT_TRUE(config_wins.options().tokenize_chinese_chars);
  EXPECT_EQ(EncodeOk(config_wins, "Hello").tokens[1], "hello");

  const Tokenizer defaults = LoadOrDie(MiniVocab(), "", "");
  EXPECT_TRUE(defaults.options().lowercase);
  EXPECT_TRUE(defaults.options().clean_text);
  EXPECT_EQ(defaults.options().max_input_chars_per_word, 100);
}

// tokenizer.json's added_tokens are matched verbatim before normalization (longest first), may lie past
// model.vocab, and count as special when marked so; model.unk_token names the unknown token.
TEST(Tokenizer, AddedTokensAndUnkTokenFromTokenizerJson) {
  nlohmann::json j = nlohmann::json::parse(ReadFile(kModels + "/bert-base-uncased/tokenizer.json"));
  j["added_tokens"].push_back({{"id", 30522}, {"content", "<Ent>"}, {"special", false}, {"normalized", false}});
  j["added_tokens"].push_back({{"id", 30523}, {"content", "<Ent>s"}, {"special", true}, {"normalized", false}});
  const Tokenizer t = LoadOrDie("", j.dump(), "");
  EXPECT_EQ(t.vocab_size(), 30524u);
  const TokenizedText e = EncodeOk(t, "a<Ent>b <Ent>s <ent>");
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "a", "<Ent>", "b", "<Ent>s", "<", "en", "##t", ">", "[SEP]"}));
  EXPECT_EQ(e.offsets[2].begin, 1u);
  EXPECT_EQ(e.offsets[2].end, 6u);
  EXPECT_EQ(e.word_ids[1] + 1, e.word_ids[2]);  // an added token is a word of its own
  EXPECT_EQ(t.Decode(e.input_ids, /*skip_special_tokens=*/true), "a <Ent> b < ent >");

  j["model"]["vocab"].erase("[UNK]");
  j["model"]["vocab"]["<unk>"] = 100;
  j["model"]["unk_token"] = "<unk>";
  j["added_tokens"] = nlohmann::json::array();
  const Tokenizer renamed = LoadOrDie("", j.dump(), "");
  EXPECT_EQ(renamed.unk_id(), 100);
  EXPECT_EQ(EncodeOk(renamed, "\u2603").tokens[1], "<unk>");
}

// Found by tests/fuzz (tokenizer_json): an empty unk_token in the vocab became an added token that
// matched at every NUL byte of a text, and splitting looped there forever.
TEST(Tokenizer, EmptyUnkTokenIsNeverMatchedInText) {
  const Tokenizer t = LoadOrDie(
      "", R"({"model": {"vocab": {"": 0, "[CLS]": 1, "[SEP]": 2, "[PAD]": 3, "[MASK]": 4, "a": 5}, "unk_token": ""}})", "");
  EXPECT_EQ(t.unk_id(), 0);
  EXPECT_EQ(EncodeOk(t, "a \0 b"s).input_ids, (std::vector<int32_t>{1, 5, 0, 2}));
}

TEST(Tokenizer, ChineseCharsOption) {
  const Tokenizer off = LoadOrDie(ReadFile(kModels + "/bert-base-uncased/vocab.txt"), "",
                                  R"({"tokenize_chinese_chars": false})");
  // Without spacing, the ideographs form one word that WordPiece splits with ## pieces.
  EXPECT_EQ(EncodeOk(off, "ah\u535a\u63a8zz").tokens, (std::vector<std::string>{"[CLS]", "[UNK]", "[SEP]"}));
  EXPECT_EQ(EncodeOk(off, "\u535a").input_ids, (std::vector<int32_t>{101, 1786, 102}));
}

TEST(Tokenizer, VocabTxtParsing) {
  // \r\n endings, a trailing newline and a duplicate (the last id wins, as in HF's load_vocab).
  const Tokenizer crlf =
      LoadOrDie("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nhello\r\nhello\r\n", "", "");
  EXPECT_EQ(crlf.vocab_size(), 7u);
  EXPECT_EQ(crlf.TokenToId("hello"), 6);
  EXPECT_EQ(crlf.TokenToId("hello\r"), -1);
  EXPECT_EQ(EncodeOk(crlf, "Hello").input_ids, (std::vector<int32_t>{2, 6, 3}));
  // No trailing newline, a lone \r and an empty line, which still takes an id.
  const Tokenizer mixed = LoadOrDie("[PAD]\r[UNK]\n\n[CLS]\n[SEP]\n[MASK]\nhello", "", "");
  EXPECT_EQ(mixed.vocab_size(), 7u);
  EXPECT_EQ(mixed.cls_id(), 3);
  EXPECT_EQ(mixed.TokenToId(""), 2);
  EXPECT_EQ(mixed.TokenToId("hello"), 6);
}

struct LoadErrorCase {
  std::string name;
  std::string vocab, tokenizer_json, config;
  std::string message_part;
};

TEST(Tokenizer, LoadErrorsAreBadVocab) {
  const std::string no_mask = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n";
  const std::vector<LoadErrorCase> cases = {
      {"missing_mask", no_mask, "", "", "[MASK]"},
      {"missing_cls", "[PAD]\n[UNK]\n[SEP]\n[MASK]\n", "", "", "[CLS]"},
      {"nothing", "", "", "", "no vocab"},
      {"malformed_tokenizer_json", "", "{\"model\": {\"vocab\": {\"a\": 0,", "", "tokenizer.json: "},
      {"malformed_tokenizer_json_with_vocab_txt", MiniVocab(), "not json", "", "tokenizer.json: "},
      {"tokenizer_json_not_object", "", "[1, 2]", "", "tokenizer.json: "},
      {"tokenizer_json_without_vocab", "", R"({"model": {"type": "WordPiece"}})", "", "tokenizer.json: "},
      {"tokenizer_json_other_model", "", R"({"model": {"type": "BPE", "vocab": {}}})", "",
       "tokenizer.json: "},
      {"tokenizer_json_id_gap", "", R"({"model": {"vocab": {"[PAD]": 0, "[UNK]": 2}}})", "", "0..N-1"},
      {"tokenizer_json_id_duplicate", "", R"({"model": {"vocab": {"[PAD]": 0, "[UNK]": 0}}})", "", "0..N-1"},
      {"tokenizer_json_id_string", "", R"({"model": {"vocab": {"[PAD]": "0"}}})", "", "0..N-1"},
      {"tokenizer_json_missing_mask", "", R"({"model": {"vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2,
          "[SEP]": 3}}})",
       "", "[MASK]"},
      {"bad_normalizer_type", MiniVocab(), R"({"normalizer": {"type": "BertNormalizer", "lowercase": 1}})",
       "", "normalizer.lowercase"},
      {"bad_max_chars", MiniVocab(), R"({"model": {"max_input_chars_per_word": -1}})", "",
       "max_input_chars_per_word"},
      {"malformed_config", MiniVocab(), "", "{do_lower_case: true}", "tokenizer_config.json: "},
      {"config_lowercase_string", MiniVocab(), "", R"({"do_lower_case": "yes"})", "do_lower_case"},
      {"config_strip_accents_number", MiniVocab(), "", R"({"strip_accents": 0})", "strip_accents"},
      {"vocab_bad_utf8", "[PAD]\n[UNK]\n\xff\n", "", "", "line 3"},
  };
  for (const LoadErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Tokenizer t;
    const Status status = Tokenizer::Load(c.vocab, c.tokenizer_json, c.config, &t);
    EXPECT_EQ(status.code(), StatusCode::kBadVocab);
    EXPECT_NE(status.message().find(c.message_part), std::string::npos) << status.message();
    EXPECT_EQ(t.vocab_size(), 0u);
  }
}

TEST(Tokenizer, UnloadedTokenizerDoesNotCrash) {
  const Tokenizer t;
  TokenizedText e;
  EXPECT_EQ(t.Tokenize("hello", std::nullopt, 512, true, &e).code(), StatusCode::kInvalidArgument);
  const std::vector<int32_t> ids = {0, 1, 2};
  EXPECT_EQ(t.Decode(ids, false), "");
}

// Deterministic generator: bytes that are mostly invalid UTF-8, and valid strings drawn from scripts
// that exercise every step (marks, Hangul, CJK, specials, controls, spaces).
class Fuzzer {
 public:
  uint32_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state_ >> 33);
  }
  std::string RandomBytes() {
    std::string s(Next() % 24, '\0');
    for (char& c : s) c = static_cast<char>(Next() & 0xFF);
    return s;
  }
  std::string RandomText() {
    static const char32_t kPool[] = {
        'a',    'Z',    ' ',    '\t',   '\n',   '\0',   '[',    ']',    '#',    '.',     '\'',    0x7F,
        0xA0,   0xC9,   0xE9,   0x130,  0x301,  0x323,  0x345,  0x3A3,  0x1100, 0x1161,  0x11A8,  0xAC00,
        0xD55C, 0x4E00, 0x535A, 0x3042, 0x200B, 0x2028, 0xE000, 0xFB01, 0xFFFD, 0x1F600, 0x2F800, 0x10FFFF};
    static const char* kSpecials[] = {"[MASK]", "[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MAS", "##"};
    std::string s;
    const uint32_t n = Next() % 40;
    for (uint32_t i = 0; i < n; ++i) {
      if (Next() % 10 == 0) {
        s += kSpecials[Next() % std::size(kSpecials)];
      } else {
        unicode::AppendUtf8(kPool[Next() % std::size(kPool)], &s);
      }
    }
    return s;
  }

 private:
  uint64_t state_ = 42;
};

TEST(Tokenizer, FuzzNeverCrashes) {
  const Tokenizer& t = Uncased();
  Fuzzer fuzz;
  int valid = 0;
  for (int i = 0; i < 4000; ++i) {
    const bool bytes = i % 2 == 0;
    const std::string text = bytes ? fuzz.RandomBytes() : fuzz.RandomText();
    const std::string pair = fuzz.RandomText();
    const size_t max_length = 3 + fuzz.Next() % 40;
    TokenizedText e;
    const Status status = t.Tokenize(text, std::string_view(pair), max_length, true, &e);
    const bool is_utf8 = unicode::FindInvalidUtf8(text) == std::string_view::npos;
    ASSERT_EQ(status.ok(), is_utf8) << status.message();
    if (!bytes) {
      ASSERT_TRUE(status.ok()) << status.message();
    }
    if (!status.ok()) {
      ASSERT_EQ(status.code(), StatusCode::kBadText);
      continue;
    }
    ++valid;
    ASSERT_LE(e.input_ids.size(), max_length);
    ASSERT_EQ(e.input_ids.size(), e.token_type_ids.size());
    ASSERT_EQ(e.input_ids.size(), e.tokens.size());
    ASSERT_EQ(e.input_ids.front(), t.cls_id());
    ASSERT_EQ(e.input_ids.back(), t.sep_id());
    for (int32_t id : e.input_ids) ASSERT_TRUE(id >= 0 && static_cast<size_t>(id) < t.vocab_size());
    const std::string decoded = t.Decode(e.input_ids, i % 3 == 0);
    ASSERT_EQ(unicode::FindInvalidUtf8(decoded), std::string_view::npos);
  }
  EXPECT_GT(valid, 2000);
}

struct NormalizationCase {
  std::u32string input, nfd, lower, stripped;
};

TEST(Unicode, NormalizationAndCase) {
  const std::vector<NormalizationCase> cases = {
      {U"\u00e9", U"e\u0301", U"\u00e9", U"e"},
      {U"E\u0301", U"E\u0301", U"e\u0301", U"E"},
      {U"\u0130", U"I\u0307", U"i\u0307", U"I"},  // full lowercase mapping
      {U"\u212A", U"K", U"k", U"K"},                // Kelvin sign singleton
      {U"\ud55c", U"\u1112\u1161\u11ab", U"\ud55c", U"\u1112\u1161\u11ab"},  // Hangul LVT
      {U"\u1100\u1161", U"\u1100\u1161", U"\u1100\u1161", U"\u1100\u1161"},  // Jamo stay apart
      {U"a\u0301\u0323", U"a\u0323\u0301", U"a\u0301\u0323", U"a"},              // canonical order
      {U"\u0344", U"\u0308\u0301", U"\u0344", U""},        // non-starter decomposition
      {U"\u0958", U"\u0915\u093c", U"\u0958", U"\u0915"},  // composition exclusion
      {U"\u1e9b\u0323", U"\u017f\u0323\u0307", U"\u1e9b\u0323", U"\u017f"},
      {U"\u03a3\u0391", U"\u03a3\u0391", U"\u03c3\u03b1", U"\u03a3\u0391"},  // no final-sigma rule
      // Marks with a class but not Mn are reordered and kept.
      {U"\U0001D16D\U0001D165", U"\U0001D165\U0001D16D", U"\U0001D16D\U0001D165", U"\U0001D165\U0001D16D"},
      // The tokenizer's NFD is Unicode 9.0: U+11938 (13.0) does not decompose, U+1DF6 (10.0) has class 0.
      {U"\U00011938", U"\U00011938", U"\U00011938", U"\U00011938"},
      {U"a\u1df6\u0334", U"a\u1df6\u0334", U"a\u1df6\u0334", U"a\u1df6"},
      // Its classes are Unicode 8.0: U+1734 was Mn (Mc today), U+07FD (11.0) is not a mark.
      {U"a\u1734\u07fd", U"a\u1734\u07fd", U"a\u1734\u07fd", U"a\u07fd"},
      // Its lowercase is Rust's, newer than Unicode 15: U+1C89 and U+A7DC (16.0), U+16EA0 (17.0).
      {U"\u1c89\ua7dc\U00016EA0", U"\u1c89\ua7dc\U00016EA0", U"\u1c8a\u019b\U00016EBB",
       U"\u1c89\ua7dc\U00016EA0"},
  };
  for (const NormalizationCase& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(std::vector<uint32_t>(c.input.begin(), c.input.end())));
    std::u32string out;
    unicode::Nfd(c.input, &out);
    EXPECT_EQ(out, c.nfd);
    unicode::ToLower(c.input, &out);
    EXPECT_EQ(out, c.lower);
    unicode::StripAccents(c.input, &out);
    EXPECT_EQ(out, c.stripped);
  }
}

// Hugging Face's Rust tokenizer: classes of Unicode 8.0, White_Space, its own CJK blocks.
TEST(Unicode, CharacterClasses) {
  EXPECT_TRUE(unicode::IsControl(0x07));
  EXPECT_TRUE(unicode::IsControl(0x0B));    // also whitespace: cleaning drops it
  EXPECT_TRUE(unicode::IsControl(0x200B));  // Cf
  EXPECT_TRUE(unicode::IsControl(0xE000));  // Co
  EXPECT_FALSE(unicode::IsControl(0x378));  // Cn (unassigned) is an ordinary character
  EXPECT_FALSE(unicode::IsControl(0xFFFE));  // noncharacter, Cn
  EXPECT_FALSE(unicode::IsControl(0x8E2));   // Cf since Unicode 9.0
  EXPECT_FALSE(unicode::IsControl('\t'));
  EXPECT_FALSE(unicode::IsControl('a'));
  EXPECT_TRUE(unicode::IsWhitespace(0x3000));
  EXPECT_TRUE(unicode::IsWhitespace('\r'));
  EXPECT_TRUE(unicode::IsWhitespace(0x0C));
  EXPECT_TRUE(unicode::IsWhitespace(0x85));
  EXPECT_TRUE(unicode::IsWhitespace(0x2028));
  EXPECT_FALSE(unicode::IsWhitespace(0x1C));    // Python's isspace() only
  EXPECT_FALSE(unicode::IsWhitespace(0x180E));  // White_Space until Unicode 6.3
  EXPECT_FALSE(unicode::IsWhitespace(0x200B));
  EXPECT_TRUE(unicode::IsPunctuation('$'));
  EXPECT_TRUE(unicode::IsPunctuation('`'));
  EXPECT_TRUE(unicode::IsPunctuation(0x3002));   // ideographic full stop, Po
  EXPECT_TRUE(unicode::IsPunctuation(0x166D));   // Po in Unicode 8.0, So today
  EXPECT_FALSE(unicode::IsPunctuation(0x2E43));  // Po since Unicode 9.0
  EXPECT_FALSE(unicode::IsPunctuation(0x20AC));  // euro sign, Sc
  EXPECT_FALSE(unicode::IsPunctuation('7'));
  EXPECT_TRUE(unicode::IsCjk(0x4E00));
  EXPECT_TRUE(unicode::IsCjk(0x2B920));
  EXPECT_FALSE(unicode::IsCjk(0x2B820));  // BERT's Python code has it, the Rust tokenizer does not
  EXPECT_FALSE(unicode::IsCjk(0x3042));
  EXPECT_FALSE(unicode::IsCjk(0xAC00));
  EXPECT_TRUE(unicode::IsNonspacingMark(0x301));
  EXPECT_FALSE(unicode::IsNonspacingMark(0x903));  // Mc
  EXPECT_FALSE(unicode::IsNonspacingMark(0xA9BD));  // Mc in Unicode 8.0, Mn today
  EXPECT_EQ(unicode::CombiningClass('a'), 0);
  EXPECT_EQ(unicode::CombiningClass(0x301), 230);
  EXPECT_EQ(unicode::CombiningClass(0x1DF6), 0);  // 232 since Unicode 10.0
}

}  // namespace
}  // namespace bert
