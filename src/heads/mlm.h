// The masked-LM head, run only at [MASK] rows: dense -> activation -> LayerNorm -> decoder + bias.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nn/config.h"
#include "core/thread_pool.h"
#include "nn/weights.h"

namespace bert {

struct TokenScore {
  int32_t id;
  float score;  // softmax probability
};

// logits[m x V] for m hidden rows [m x H]; `transformed` is scratch of m x H floats.
void MlmLogits(ThreadPool& pool, const Config& config, const Weights& weights, int m, const float* rows,
               float* transformed, float* logits);

// The k most probable tokens of one row of logits (ties: lower id first), best first.
std::vector<TokenScore> TopKSoftmax(std::span<const float> logits, int k);

}  // namespace bert
