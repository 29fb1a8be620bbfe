// Sequence classification and next-sentence prediction: one answer per text (or pair) from the [CLS] row,
// with Hugging Face's text-classification pipeline's scores.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "nn/network.h"
#include "text/tokenizer.h"

namespace bert {

struct LabelScore {
  int index;  // into config.labels
  std::string label;
  float score;  // softmax over the labels; sigmoid per label for multi-label checkpoints (and a single label)
};

// Every label with its score, best first (ties: lower index first), per sequence. kNoHead without a
// sequence-classification head.
Status Classify(Network& net, std::span<const TokenizedText> batch, std::vector<std::vector<LabelScore>>* out);

struct NextSentenceResult {
  bool is_next;      // the pair's second text follows the first
  float score;       // probability of IsNext (softmax of the NSP head's two logits)
  float logits[2];   // IsNext, NotNext
};

// The pretraining next-sentence head on each pair. kNoHead for checkpoints without it.
Status NextSentence(Network& net, std::span<const TokenizedText> batch, std::vector<NextSentenceResult>* out);

}  // namespace bert
