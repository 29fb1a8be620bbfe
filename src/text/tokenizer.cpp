// The steps of Hugging Face's Rust BERT tokenizer (../shared/docs/tokenizer.md), each character carrying
// the bytes of the original text it came from, so every token knows its span.
#include "text/tokenizer.h"

#include <algorithm>
#include <array>

#include "text/tokenizer_files.h"
#include "text/unicode.h"

namespace bert {
namespace {

// A normalized character and the bytes of the original text it came from.
struct Char {
  char32_t cp;
  Span source;
};

// Decodes the code point at text[*pos] (valid UTF-8: checked by the callers) and advances *pos.
char32_t NextCodePoint(std::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<char32_t>(static_cast<uint8_t>(text[i])); };
  const char32_t b0 = byte(*pos);
  const int length = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  char32_t cp = length == 1 ? b0 : b0 & (0x7Fu >> length);
  for (int i = 1; i < length; ++i) cp = (cp << 6) | (byte(*pos + static_cast<size_t>(i)) & 0x3Fu);
  *pos += static_cast<size_t>(length);
  return cp;
}

// Splits one text into WordPieces. Special tokens are matched first in the raw text and kept verbatim;
// the text between them is normalized (BertNormalizer: clean, space out CJK, strip accents, lowercase),
// split into words (BertPreTokenizer: whitespace, each punctuation character apart) and each word into
// WordPieces. One instance per text, so its buffers are reused across segments and words.
class Splitter {
 public:
  // Splitting stops after the first word that takes the count past `max_tokens`.
  Splitter(const TokenizerOptions& options, const std::unordered_map<std::string, int32_t>& vocab,
           std::span<const AddedToken> added, int32_t unk_id, size_t max_tokens)
      : options_(options), vocab_(vocab), added_(added), unk_id_(unk_id), max_tokens_(max_tokens) {
    for (const AddedToken& t : added_) first_bytes_[static_cast<uint8_t>(t.content[0])] = true;
  }

  // Added tokens are matched leftmost first, the longest at a position.
  void Split(std::string_view text, std::vector<Token>* out) {
    size_t segment_start = 0;
    for (size_t pos = 0; pos < text.size() && !Full(*out); ++pos) {
      if (!first_bytes_[static_cast<uint8_t>(text[pos])]) continue;
      const AddedToken* match = nullptr;
      for (const AddedToken& t : added_) {
        if (text.substr(pos).starts_with(t.content) && (!match || t.content.size() > match->content.size())) match = &t;
      }
      if (match == nullptr) continue;
      SplitSegment(text, segment_start, pos, out);
      const auto end = static_cast<uint32_t>(pos + match->content.size());
      out->push_back({match->id, {static_cast<uint32_t>(pos), end}, word_++});
      segment_start = end;
      pos = end - 1;
    }
    SplitSegment(text, segment_start, text.size(), out);
  }

 private:
  bool Full(const std::vector<Token>& out) const { return out.size() > max_tokens_; }

  // A segment is normalized a slice of about 16 KB at a time, so a long text costs memory in proportion
  // to a slice, and splitting stops within the slice where it fills.
  void SplitSegment(std::string_view text, size_t begin, size_t end, std::vector<Token>* out) {
    constexpr size_t kSlice = 16 << 10;
    while (begin < end && !Full(*out)) {
      size_t stop = std::min(end, begin + kSlice);
      while (stop < end && !SliceMayEndBefore(text, stop)) ++stop;
      Normalize(text.substr(begin, stop - begin), static_cast<uint32_t>(begin));
      SplitWords(out);
      begin = stop;
    }
  }

  // Before whitespace, punctuation or (when they are spaced out) a CJK ideograph: a word boundary, and a
  // starter, which NFD's canonical ordering never moves past.
  bool SliceMayEndBefore(std::string_view text, size_t pos) const {
    if ((static_cast<uint8_t>(text[pos]) & 0xC0) == 0x80) return false;  // inside a character
    const char32_t cp = NextCodePoint(text, &pos);
    return unicode::IsWhitespace(cp) || unicode::IsPunctuation(cp) ||
           (options_.tokenize_chinese_chars && unicode::IsCjk(cp));
  }

  // Words of chars_: runs between whitespace, each punctuation character a word of its own.
  void SplitWords(std::vector<Token>* out) {
    size_t word_start = 0;
    for (size_t i = 0; i <= chars_.size() && !Full(*out); ++i) {
      const bool boundary = i == chars_.size() || unicode::IsWhitespace(chars_[i].cp);
      const bool punct = !boundary && unicode::IsPunctuation(chars_[i].cp);
      if (!boundary && !punct) continue;
      if (i > word_start) WordPiece(std::span(chars_).subspan(word_start, i - word_start), out);
      if (punct && !Full(*out)) WordPiece(std::span(chars_).subspan(i, 1), out);
      word_start = i + 1;
    }
  }

  // BertNormalizer's steps in its order into chars_: clean, space out CJK, strip accents, lowercase.
  // `offset` is the segment's first byte in the text.
  void Normalize(std::string_view segment, uint32_t offset) {
    cleaned_.clear();
    for (size_t pos = 0; pos < segment.size();) {
      const auto from = static_cast<uint32_t>(pos);
      char32_t cp = NextCodePoint(segment, &pos);
      const Span span{offset + from, offset + static_cast<uint32_t>(pos)};
      if (options_.clean_text) {
        if (cp == 0 || cp == 0xFFFD || unicode::IsControl(cp)) continue;
        if (unicode::IsWhitespace(cp)) cp = ' ';
      }
      const bool cjk = options_.tokenize_chinese_chars && unicode::IsCjk(cp);
      if (cjk) cleaned_.push_back({' ', span});
      cleaned_.push_back({cp, span});
      if (cjk) cleaned_.push_back({' ', span});
    }
    if (options_.strip_accents.value_or(options_.lowercase)) StripAccents();
    chars_.clear();
    for (const Char& c : cleaned_) {
      if (!options_.lowercase) {
        chars_.push_back(c);
        continue;
      }
      lowered_.clear();
      unicode::AppendLower(c.cp, &lowered_);
      for (char32_t l : lowered_) chars_.push_back({l, c.source});
    }
  }

  // NFD across the text (each run of marks ordered by combining class), then every nonspacing mark
  // dropped. As in the Rust normalizer's alignments, sources stay by position: the k-th decomposition's
  // first character takes the k-th character's source, the rest of a decomposition that of its first.
  void StripAccents() {
    pieces_.clear();
    for (const Char& c : cleaned_) {
      unicode::Nfd(std::u32string_view(&c.cp, 1), &decomposed_);
      for (size_t k = 0; k < decomposed_.size(); ++k) pieces_.push_back({decomposed_[k], k == 0});
    }
    const auto ccc = [](const Piece& p) { return unicode::CombiningClass(p.cp); };
    for (size_t i = 0, j; i < pieces_.size(); i = j + 1) {
      for (j = i; j < pieces_.size() && ccc(pieces_[j]) != 0; ++j) {
      }
      std::stable_sort(pieces_.begin() + static_cast<ptrdiff_t>(i), pieces_.begin() + static_cast<ptrdiff_t>(j),
                       [&](const Piece& a, const Piece& b) { return ccc(a) < ccc(b); });
    }
    size_t next = 0;
    Span source{};
    stripped_.clear();
    for (const Piece& p : pieces_) {
      if (p.first) source = cleaned_[next++].source;
      if (!unicode::IsNonspacingMark(p.cp)) stripped_.push_back({p.cp, source});
    }
    cleaned_.swap(stripped_);
  }

  // Greedy longest-match-first; a word with an unmatchable position, or longer than
  // max_input_chars_per_word characters, is a single [UNK].
  void WordPiece(std::span<const Char> word, std::vector<Token>* out) {
    const int32_t word_index = word_++;
    const Span whole{word.front().source.begin, word.back().source.end};
    if (word.size() > static_cast<size_t>(std::max(options_.max_input_chars_per_word, 0))) {
      out->push_back({unk_id_, whole, word_index});
      return;
    }
    utf8_.clear();
    offsets_.clear();
    for (const Char& c : word) {
      offsets_.push_back(utf8_.size());
      unicode::AppendUtf8(c.cp, &utf8_);
    }
    offsets_.push_back(utf8_.size());
    const size_t first_piece = out->size();
    for (size_t start = 0, end; start < word.size(); start = end) {
      int32_t id = -1;
      for (end = word.size(); end > start; --end) {
        candidate_.assign(start > 0 ? "##" : "");
        candidate_.append(utf8_, offsets_[start], offsets_[end] - offsets_[start]);
        const auto it = vocab_.find(candidate_);
        if (it != vocab_.end()) {
          id = it->second;
          break;
        }
      }
      if (id < 0) {
        out->resize(first_piece);
        out->push_back({unk_id_, whole, word_index});
        return;
      }
      out->push_back({id, {word[start].source.begin, word[end - 1].source.end}, word_index});
    }
  }

  const TokenizerOptions& options_;
  const std::unordered_map<std::string, int32_t>& vocab_;
  std::span<const AddedToken> added_;
  int32_t unk_id_;
  size_t max_tokens_;
  std::array<bool, 256> first_bytes_{};  // first bytes of the added tokens
  int32_t word_ = 0;
  struct Piece {
    char32_t cp;
    bool first;  // of its decomposition
  };
  std::vector<Char> cleaned_, stripped_, chars_;
  std::vector<Piece> pieces_;
  std::u32string decomposed_, lowered_;
  std::string utf8_, candidate_;
  std::vector<size_t> offsets_;  // byte offset of each character of utf8_, plus its end
};

// The Rust tokenizer's longest-first truncation of a pair of lengths to `budget` tokens: the shorter text
// keeps what it has when the longer alone can absorb the cut, else both get half (the first the smaller).
void TruncatePair(size_t budget, size_t* a, size_t* b) {
  size_t n1 = *a, n2 = *b;
  const bool swapped = n1 > n2;
  if (swapped) std::swap(n1, n2);
  n2 = n1 > budget ? n1 : std::max(n1, budget - n1);
  if (n1 + n2 > budget) {
    n1 = budget / 2;
    n2 = n1 + budget % 2;
  }
  if (swapped) std::swap(n1, n2);
  *a = n1;
  *b = n2;
}

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

}  // namespace

size_t Tokenizer::LengthUpTo(std::span<const Token> tokens, std::string_view text, size_t limit) const {
  size_t i = 0;
  while (i < tokens.size()) {
    const Span span = tokens[i].span;
    if (IsAdded(tokens[i].id) && text.substr(span.begin, span.end - span.begin) == IdToToken(tokens[i].id)) {
      ++i;  // an added token typed in the text counts without a check
      continue;
    }
    const int32_t word = tokens[i].word;
    while (i < tokens.size() && tokens[i].word == word) ++i;
    if (i >= limit) break;
  }
  return i;
}

Status Tokenizer::Load(std::string_view vocab_txt, std::string_view tokenizer_json,
                       std::string_view tokenizer_config_json, Tokenizer* out) {
  if (out == nullptr) return Error(StatusCode::kInvalidArgument, "Tokenizer::Load: out is null");
  // Every JSON access is type-checked first, so nothing here throws (wasm builds have no exceptions).
  TokenizerFiles files;
  BERT_RETURN_IF_ERROR(LoadTokenizerFiles(vocab_txt, tokenizer_json, tokenizer_config_json, &files));
  Tokenizer t;
  t.options_ = files.options;
  t.id_to_token_ = std::move(files.id_to_token);
  t.token_to_id_ = std::move(files.token_to_id);
  t.added_ = std::move(files.added);
  const std::pair<std::string_view, int32_t*> specials[] = {
      {"[CLS]", &t.cls_id_}, {"[SEP]", &t.sep_id_}, {"[PAD]", &t.pad_id_}, {files.unk_token, &t.unk_id_}, {"[MASK]", &t.mask_id_}};
  for (const auto& [token, id_out] : specials) {
    const int32_t id = *id_out = t.TokenToId(token);
    if (id < 0) return Error(StatusCode::kBadVocab, "vocab has no " + std::string(token) + " token");
    // Without tokenizer.json's list (vocab.txt alone), BERT's special tokens are its added tokens. An
    // empty unk_token only names the unknown token: matched in text, it would match everywhere.
    const bool listed = std::any_of(t.added_.begin(), t.added_.end(), [id](const AddedToken& a) { return a.id == id; });
    if (!listed && !token.empty()) t.added_.push_back({std::string(token), id, true});
  }
  *out = std::move(t);
  return Status();
}

Status Tokenizer::WordPieces(std::string_view text, std::vector<Token>* out, size_t max_tokens) const {
  if (id_to_token_.empty()) return Error(StatusCode::kInvalidArgument, "Tokenizer: not loaded");
  if (const size_t bad = unicode::FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Error(StatusCode::kBadText, "text is not valid UTF-8 (byte " + std::to_string(bad) + ")");
  }
  if (text.size() > UINT32_MAX) return Error(StatusCode::kInvalidArgument, "text is longer than 4 GB");
  out->clear();
  Splitter(options_, token_to_id_, added_, unk_id_, max_tokens).Split(text, out);
  return Status();
}

TokenizedText Tokenizer::Assemble(std::span<const Token> first, std::optional<std::span<const Token>> second) const {
  TokenizedText t;
  const auto add = [&](int32_t id, int8_t sequence, Span span, int32_t word) {
    t.input_ids.push_back(id);
    t.token_type_ids.push_back(std::max<int8_t>(sequence, 0));
    t.tokens.push_back(IdToToken(id));
    t.sequence_ids.push_back(sequence);
    t.offsets.push_back(span);
    t.word_ids.push_back(word);
  };
  add(cls_id_, -1, {}, -1);
  for (const Token& token : first) add(token.id, 0, token.span, token.word);
  add(sep_id_, -1, {}, -1);
  if (second) {
    for (const Token& token : *second) add(token.id, 1, token.span, token.word);
    add(sep_id_, -1, {}, -1);
    t.token_type_ids.back() = 1;  // the closing [SEP] belongs to the pair's segment
  }
  return t;
}

Status Tokenizer::Tokenize(std::string_view text, std::optional<std::string_view> pair, size_t max_length,
                           bool truncation, TokenizedText* out) const {
  if (out == nullptr) return Error(StatusCode::kInvalidArgument, "Tokenizer::Tokenize: out is null");
  // Neither side keeps more than max_length tokens, so splitting stops past that (after the word that
  // crosses it, which pair truncation weighs): a text of millions of characters costs what is kept.
  std::vector<Token> first, second;
  BERT_RETURN_IF_ERROR(WordPieces(text, &first, max_length));
  if (pair) {
    const Status st = WordPieces(*pair, &second, max_length);
    if (!st.ok()) return Error(st.code(), "pair " + st.message());
  }
  const size_t num_special = pair ? 3 : 2;
  const size_t total = first.size() + second.size() + num_special;
  if (total > max_length) {
    if (!truncation) {
      const std::string limit = "max_length " + std::to_string(max_length);
      if (first.size() > max_length || second.size() > max_length) {  // splitting stopped: no count
        return Error(StatusCode::kTooLong, "input is more than " + limit + " tokens");
      }
      return Error(StatusCode::kTooLong, "input is " + std::to_string(total) + " tokens, more than " + limit);
    }
    if (max_length < num_special) {
      return Error(StatusCode::kInvalidArgument,
                   "max_length " + std::to_string(max_length) + " cannot hold the special tokens");
    }
    if (pair) {
      // The Rust tokenizer weighs each side by its length up to the first word end at max_length tokens
      // (measured against npm tokenizers 0.23.2 by tests/js/tokenizer_oracle.test.js).
      size_t n1 = LengthUpTo(first, text, max_length), n2 = LengthUpTo(second, *pair, max_length);
      TruncatePair(max_length - num_special, &n1, &n2);
      first.resize(std::min(first.size(), n1));
      second.resize(std::min(second.size(), n2));
    } else {
      first.resize(max_length - num_special);
    }
  }
  *out = Assemble(first, pair ? std::optional<std::span<const Token>>(second) : std::nullopt);
  return Status();
}

std::string Tokenizer::JoinTokens(std::span<const std::string> tokens) {
  // The WordPiece decoder's cleanup, applied to each token with its leading space.
  static constexpr std::pair<std::string_view, std::string_view> kCleanups[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},           {" ,", ","},     {" ' ", "'"},   {" n't", "n't"},
      {" 'm", "'m"},   {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  std::string text, piece;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const bool continuation = i > 0 && tokens[i].starts_with("##");
    piece = continuation ? tokens[i].substr(2) : (i > 0 ? " " : "") + tokens[i];
    for (const auto& [from, to] : kCleanups) ReplaceAll(&piece, from, to);
    text += piece;
  }
  return text;
}

std::string Tokenizer::Decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) continue;
    if (skip_special_tokens && IsSpecial(id)) continue;
    tokens.push_back(id_to_token_[static_cast<size_t>(id)]);
  }
  std::string text = JoinTokens(tokens);
  // transformers' clean_up_tokenization, in its order.
  static constexpr std::pair<std::string_view, std::string_view> kCleanups[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kCleanups) ReplaceAll(&text, from, to);
  return text;
}

bool Tokenizer::IsAdded(int32_t id) const {
  return std::any_of(added_.begin(), added_.end(), [id](const AddedToken& t) { return t.id == id; });
}

bool Tokenizer::IsSpecial(int32_t id) const {
  return std::any_of(added_.begin(), added_.end(), [id](const AddedToken& t) { return t.special && t.id == id; });
}

int32_t Tokenizer::TokenToId(std::string_view token) const {
  const auto it = token_to_id_.find(std::string(token));
  return it == token_to_id_.end() ? -1 : it->second;
}

const std::string& Tokenizer::IdToToken(int32_t id) const {
  static const std::string kNone;  // out of range: documented as empty, never a crash
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size()) return kNone;
  return id_to_token_[static_cast<size_t>(id)];
}

}  // namespace bert
