// The post-LayerNorm BERT encoder: embeddings, then per layer attention + residual + LayerNorm and
// feed-forward + residual + LayerNorm. A batch is run as its sequences laid end to end (no padding).
#pragma once

#include <span>
#include <vector>

#include "attention.h"
#include "config.h"
#include "thread_pool.h"
#include "tokenizer.h"
#include "weights.h"

namespace bert {

class Encoder {
 public:
  Encoder(const Config& config, const Weights& weights) : config_(config), weights_(weights) {}

  // Validates ids and lengths, then computes the last hidden state of every token. When `attentions`
  // is non-null it receives, per layer, every sequence's [heads][T][T] probabilities (see Attention).
  Status Forward(ThreadPool& pool, std::span<const Encoding> batch, std::vector<std::vector<float>>* attentions);

  // Valid after Forward: [rows x H] hidden states, and where each sequence's rows are.
  const float* hidden() const { return hidden_.data(); }
  std::span<const Segment> segments() const { return segments_; }

 private:
  void Embed(std::span<const Encoding> batch);
  void Reserve(int rows, int max_len, int threads);

  const Config& config_;
  const Weights& weights_;
  std::vector<Segment> segments_;
  // Activations, sized for the largest batch seen so far: the forward pass does not allocate.
  std::vector<float> hidden_, qkv_, context_, residual_, intermediate_;
  Attention attention_;
};

}  // namespace bert
