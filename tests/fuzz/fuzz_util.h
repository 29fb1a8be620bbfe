// What the libFuzzer targets share: a tiny embedded vocab and config (no files needed), the input split
// into a chunked stream, a checked tokenize, and CHECK, which traps so libFuzzer reports a broken invariant.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer.h"
#include "text/unicode.h"

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      __builtin_trap();                                                          \
    }                                                                            \
  } while (0)

namespace bert::fuzz {

// With BERT_FUZZ_VERBOSE set (when replaying one input), prints why an input was rejected.
inline void Trace(const char* what, const Status& st) {
  static const bool verbose = std::getenv("BERT_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s: %s %s\n", what, StatusCodeName(st.code()), st.message().c_str());
}

// A BERT vocab small enough to embed: the special tokens, ASCII punctuation and letters, a few words and
// continuation pieces, cased and accented forms and two CJK ideographs. 128 tokens at most.
inline const std::string& TinyVocab() {
  static const std::string vocab = [] {
    std::string v = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
    for (char c = '!'; c <= '~'; ++c) {
      if (!(c >= 'A' && c <= 'Z')) v += std::string(1, c) + "\n";
    }
    for (const char* w : {"the", "capital", "of", "france", "is", "paris", "hello", "world", "un", "##able", "##s",
                          "##ing", "##ed", "##e", "##a", "##o", "##l", "##r", "Hello", "Paris", "café", "\xe4\xb8\xad",
                          "\xe6\x96\x87", "\xc3\xa9", "##\xc3\xa9", "\xce\xb1"}) {
      v += std::string(w) + "\n";
    }
    return v;
  }();
  return vocab;
}

inline size_t LineCount(std::string_view text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

// A text that touches every step of the tokenizer: special tokens, punctuation, accents, CJK, controls,
// a NUL byte, a long word and unknown characters.
inline std::string_view FixedText() {
  static const std::string text =
      std::string("Hello, [MASK] world! Paris is the capital of France. Caf\xc3\xa9 na\xc3\xafve \xe4\xb8\xad\xe6\x96\x87 ") +
      "unable\tloving\r\n\x01\x7f" + std::string(1, '\0') + " [UNK][SEP]x " + std::string(120, 'a') + " \xf0\x9f\x98\x80";
  return text;
}

// Splits a stream input: byte 0 says whether the file size is announced (bit 0), whether that size is
// wrong (bit 1, by byte 1 % 16 + 1 bytes, too small when bit 2) and the largest chunk (bits 3-4: whole, 8,
// 64, 4096); byte 1 seeds the chunk sizes. The rest is the file.
struct Stream {
  std::span<const uint8_t> file;
  std::optional<uint64_t> size;
  std::vector<size_t> chunks;  // sums to file.size()

  static Stream Parse(const uint8_t* data, size_t n) {
    Stream s;
    const uint8_t flags = n > 0 ? data[0] : 0, seed = n > 1 ? data[1] : 0;
    s.file = std::span(data, n).subspan(std::min<size_t>(n, 2));
    if (flags & 1) {
      uint64_t size = s.file.size();
      const uint64_t delta = seed % 16u + 1u;
      if (flags & 2) size = (flags & 4) ? (size > delta ? size - delta : 0) : size + delta;
      s.size = size;
    }
    static constexpr size_t kMaxChunk[] = {0, 8, 64, 4096};
    const size_t max_chunk = kMaxChunk[(flags >> 3) & 3];
    uint32_t state = 0x9E3779B9u ^ (static_cast<uint32_t>(seed) << 8 | flags);
    for (size_t left = s.file.size(); left > 0;) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      const size_t chunk = max_chunk ? std::min(left, 1 + state % max_chunk) : left;
      s.chunks.push_back(chunk);
      left -= chunk;
    }
    return s;
  }
};

// The UTF-8 boundary test: not a continuation byte (or the end).
inline bool AtCharStart(std::string_view text, uint32_t pos) {
  return pos == text.size() || (static_cast<uint8_t>(text[pos]) & 0xC0) != 0x80;
}

// WordPieces of a valid UTF-8 text: spans inside the text on character boundaries, begin <= end, begins
// and ends non-decreasing, word ids non-decreasing from 0, ids in the vocab.
inline void CheckPieces(const Tokenizer& t, std::string_view text, std::span<const Token> pieces) {
  Span last{};
  int32_t last_word = -1;
  for (const Token& p : pieces) {
    CHECK(p.span.begin <= p.span.end && p.span.end <= text.size());
    CHECK(AtCharStart(text, p.span.begin) && AtCharStart(text, p.span.end));
    CHECK(p.span.begin >= last.begin && p.span.end >= last.end);
    CHECK(p.word >= last_word && p.word >= 0);
    CHECK(p.id >= 0 && static_cast<size_t>(p.id) < t.vocab_size());
    last = p.span;
    last_word = p.word;
  }
}

// Tokenize as a model does (single and pair, truncated or not) and Decode; on valid UTF-8 checks the
// template, lengths and offsets. Invalid UTF-8 must be kBadText.
inline void CheckTokenize(const Tokenizer& t, std::string_view text, std::string_view pair) {
  const bool text_valid = unicode::FindInvalidUtf8(text) == std::string_view::npos;
  const bool pair_valid = unicode::FindInvalidUtf8(pair) == std::string_view::npos;
  std::vector<Token> pieces;
  const Status wp = t.WordPieces(text, &pieces);
  CHECK(wp.ok() == text_valid);
  if (wp.ok()) CheckPieces(t, text, pieces);
  if (!wp.ok()) CHECK(wp.code() == StatusCode::kBadText);

  for (const size_t max_length : {size_t{512}, size_t{5}}) {
    for (const bool with_pair : {false, true}) {
      TokenizedText out;
      const Status st = t.Tokenize(text, with_pair ? std::optional(pair) : std::nullopt, max_length, true, &out);
      CHECK(st.ok() == (text_valid && (!with_pair || pair_valid)));
      if (!st.ok()) {
        CHECK(st.code() == StatusCode::kBadText);
        continue;
      }
      const size_t n = out.input_ids.size();
      CHECK(n >= (with_pair ? 3u : 2u) && n <= max_length);
      CHECK(out.token_type_ids.size() == n && out.tokens.size() == n && out.sequence_ids.size() == n &&
            out.offsets.size() == n && out.word_ids.size() == n);
      CHECK(out.input_ids.front() == t.cls_id() && out.input_ids.back() == t.sep_id());
      Span last[2] = {};
      int32_t last_word[2] = {-1, -1};
      for (size_t i = 0; i < n; ++i) {
        const int8_t seq = out.sequence_ids[i];
        CHECK(seq >= -1 && seq <= (with_pair ? 1 : 0));
        CHECK((seq < 0) == (out.word_ids[i] < 0));
        CHECK(out.input_ids[i] >= 0 && static_cast<size_t>(out.input_ids[i]) < t.vocab_size());
        CHECK(out.tokens[i] == t.IdToToken(out.input_ids[i]));
        if (seq < 0) continue;
        const std::string_view source = seq == 0 ? text : pair;
        const Span s = out.offsets[i];
        CHECK(s.begin <= s.end && s.end <= source.size());
        CHECK(s.begin >= last[seq].begin && s.end >= last[seq].end);
        CHECK(out.word_ids[i] >= last_word[seq]);
        last[seq] = s;
        last_word[seq] = out.word_ids[i];
      }
      (void)t.Decode(out.input_ids, true);
      (void)t.Decode(out.input_ids, false);
    }
  }
  // Without truncation, a long input is kTooLong, never a crash.
  TokenizedText out;
  const Status st = t.Tokenize(text, std::nullopt, 4, false, &out);
  if (!st.ok()) CHECK(st.code() == StatusCode::kTooLong || st.code() == StatusCode::kBadText);
}

}  // namespace bert::fuzz
