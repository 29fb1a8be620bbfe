// Strict UTF-8 and the character classes, lowercase and NFD of Hugging Face's Rust BERT tokenizer.
#include "text/unicode.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace bert::unicode {
namespace {

// Classes of kCategoryRuns; the numbering is fixed by tools/gen_unicode_tables.py.
enum class CharClass : uint32_t { kOther = 0, kControl = 1, kPunct = 2, kMark = 3 };

struct CodePointRange {
  char32_t first, last;
};

struct LowerRun {
  char32_t first;   // first mapped code point
  uint16_t length;  // number of mapped code points
  uint8_t stride;   // 1, or 2 for alternating upper/lower pairs
  int32_t delta;    // lowercase = code point + delta
};

struct LowerExpansion {
  char32_t cp, first, second;
};

struct Decomposition {
  char32_t cp;
  uint16_t offset;  // into kDecompositionData
  uint8_t length;
};

#include "unicode_tables.inc"

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kReplacement = 0xFFFD;

// Hangul syllables are decomposed algorithmically (Unicode 15, section 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

CharClass ClassOf(char32_t cp) {
  if (cp > kMaxCodePoint) return CharClass::kControl;
  // Last run whose start is <= cp: runs are packed as (start << 3) | class.
  const uint32_t key = (static_cast<uint32_t>(cp) << 3) | 7u;
  const uint32_t* it = std::upper_bound(std::begin(kCategoryRuns), std::end(kCategoryRuns), key);
  return static_cast<CharClass>(*(it - 1) & 7u);
}

void AppendDecomposed(char32_t cp, std::u32string* out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out->push_back(kLBase + s / kNCount);
    out->push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out->push_back(kTBase + s % kTCount);
    return;
  }
  const Decomposition* it =
      std::lower_bound(std::begin(kDecompositions), std::end(kDecompositions), cp,
                       [](const Decomposition& d, char32_t value) { return d.cp < value; });
  if (it == std::end(kDecompositions) || it->cp != cp) {
    out->push_back(cp);
    return;
  }
  out->append(kDecompositionData + it->offset, it->length);
}

// Stable sort of each run of non-starters by combining class (canonical ordering).
void CanonicalOrder(std::u32string* s) {
  for (size_t i = 1; i < s->size(); ++i) {
    const char32_t cp = (*s)[i];
    const uint8_t ccc = CombiningClass(cp);
    if (ccc == 0) continue;
    size_t j = i;
    while (j > 0 && CombiningClass((*s)[j - 1]) > ccc) {
      (*s)[j] = (*s)[j - 1];
      --j;
    }
    (*s)[j] = cp;
  }
}

// Bytes 2..4 of a sequence lie in [0x80, 0xBF]; the second byte's range depends on the lead byte
// so that overlong forms, surrogates and values above U+10FFFF are rejected (Unicode table 3-7).
struct LeadByte {
  int length;
  unsigned char low, high;  // allowed range of the second byte
};

LeadByte ClassifyLead(unsigned char b) {
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Length of the well-formed sequence at `i`, or 0.
size_t SequenceLength(std::string_view text, size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) return 1;
  const LeadByte lead = ClassifyLead(b0);
  const auto length = static_cast<size_t>(lead.length);
  if (length == 0 || text.size() - i < length) return 0;
  const auto b1 = static_cast<unsigned char>(text[i + 1]);
  if (b1 < lead.low || b1 > lead.high) return 0;
  for (size_t k = 2; k < length; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return length;
}

}  // namespace

size_t FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = SequenceLength(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

void DecodeUtf8(std::string_view text, std::u32string* out) {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = SequenceLength(text, i);
    if (length == 0) {
      out->push_back(kReplacement);
      ++i;
      continue;
    }
    const auto b0 = static_cast<unsigned char>(text[i]);
    char32_t cp = length == 1 ? b0 : b0 & (0x7Fu >> length);
    for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
    out->push_back(cp);
    i += length;
  }
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsControl(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  if (cp < 0x80) return cp < 0x20 || cp == 0x7F;
  return ClassOf(cp) == CharClass::kControl;
}

bool IsWhitespace(char32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= '\t' && cp <= '\r');
  return std::any_of(std::begin(kWhiteSpace), std::end(kWhiteSpace),
                     [cp](const CodePointRange& r) { return cp >= r.first && cp <= r.last; });
}

bool IsPunctuation(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
           (cp >= 123 && cp <= 126);
  }
  return ClassOf(cp) == CharClass::kPunct;
}

// BERT's blocks, except that Hugging Face's Rust tokenizer starts the fifth at U+2B920, not U+2B820.
bool IsCjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool IsNonspacingMark(char32_t cp) { return cp >= 0x300 && ClassOf(cp) == CharClass::kMark; }

void AppendLower(char32_t cp, std::u32string* out) {
  if (cp < 0x80) {
    out->push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
    return;
  }
  for (const LowerExpansion& e : kLowerExpansions) {
    if (e.cp == cp) {
      out->push_back(e.first);
      out->push_back(e.second);
      return;
    }
  }
  // Last run starting at or before cp.
  const LowerRun* it = std::upper_bound(std::begin(kLowerRuns), std::end(kLowerRuns), cp,
                                        [](char32_t value, const LowerRun& r) { return value < r.first; });
  if (it != std::begin(kLowerRuns)) {
    const LowerRun& run = *(it - 1);
    const char32_t offset = cp - run.first;
    if (offset % run.stride == 0 && offset / run.stride < run.length) {
      out->push_back(static_cast<char32_t>(static_cast<int32_t>(cp) + run.delta));
      return;
    }
  }
  out->push_back(cp);
}

void ToLower(std::u32string_view in, std::u32string* out) {
  out->clear();
  for (char32_t cp : in) AppendLower(cp, out);
}

uint8_t CombiningClass(char32_t cp) {
  if (cp < 0x300 || cp > kMaxCodePoint) return 0;
  const uint32_t key = (static_cast<uint32_t>(cp) << 8) | 0xFFu;
  const uint32_t* it = std::upper_bound(std::begin(kCccRuns), std::end(kCccRuns), key);
  return static_cast<uint8_t>(*(it - 1) & 0xFFu);
}

void Nfd(std::u32string_view in, std::u32string* out) {
  out->clear();
  // Nothing below U+00C0 decomposes or reorders.
  if (std::all_of(in.begin(), in.end(), [](char32_t cp) { return cp < 0xC0; })) {
    out->assign(in);
    return;
  }
  for (char32_t cp : in) AppendDecomposed(cp, out);
  CanonicalOrder(out);
}

void StripAccents(std::u32string_view in, std::u32string* out) {
  Nfd(in, out);
  std::erase_if(*out, IsNonspacingMark);
}

}  // namespace bert::unicode
