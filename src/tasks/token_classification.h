// Token classification (NER): a label per token, grouped into entities as Hugging Face's
// token-classification pipeline does for each aggregation strategy.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nn/network.h"
#include "text/tokenizer.h"

namespace bert {

// none: every token; simple: tokens grouped by entity; first / average / max: tokens first merged into
// words (the word's label from its first token, the average of its scores, or its most confident token).
enum class Aggregation { kNone, kSimple, kFirst, kAverage, kMax };

struct Entity {
  std::string entity;  // the label (kNone) or the entity group, B-/I- stripped ("PER")
  float score;
  std::string word;    // the tokens as the WordPiece decoder joins them
  Span span;           // bytes of the text
  int index = -1;      // kNone: the token's position in the model input
};

struct TokenClassificationOptions {
  Aggregation aggregation = Aggregation::kSimple;
  std::vector<std::string> ignore_labels = {"O"};
};

// Entities of each text, in text order. Texts longer than the model's positions are truncated.
// kNoHead without a token-classification head.
Status ClassifyTokens(Network& net, const Tokenizer& tokenizer, std::span<const std::string_view> texts,
                      const TokenClassificationOptions& options, std::vector<std::vector<Entity>>* out);

}  // namespace bert
