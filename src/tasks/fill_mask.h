// Fill-mask: the masked-LM head at every [MASK] of a batch, as Hugging Face's fill-mask pipeline reports it.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "nn/network.h"
#include "text/tokenizer.h"

namespace bert {

struct Prediction {
  int32_t token_id = 0;
  std::string token;     // the vocab entry
  float score = 0;       // softmax probability over the vocabulary
  std::string sequence;  // the input with this token in place of the [MASK], decoded as Hugging Face does
};

struct FillMaskResult {
  std::vector<std::vector<Prediction>> masks;  // one list per [MASK] in order, best first
  std::vector<float> attentions;               // [layers][heads][T][T] when asked for
};

// Top-k predictions at every [MASK] of every sequence, and with `output_attentions` the attention
// probabilities of the same forward pass (which then runs the last layer for every row, not only the
// masks). kNoMask when a sequence has none, kNoHead for checkpoints without the masked-LM head.
Status FillMask(Network& net, const Tokenizer& tokenizer, std::span<const TokenizedText> batch, int top_k,
                bool output_attentions, std::vector<FillMaskResult>* out);

// Masked-LM logits [positions x vocab_size] at chosen positions of one sequence (any tokens there): for
// scoring candidates, or comparing with a reference implementation.
Status MaskedLmLogits(Network& net, const TokenizedText& input, std::span<const int> positions, std::vector<float>* out);

}  // namespace bert
