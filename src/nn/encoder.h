// The post-LayerNorm BERT encoder (BERT and DistilBERT alike): embeddings, then per layer attention + residual + LayerNorm and
// feed-forward + residual + LayerNorm. A batch is run as its sequences laid end to end (no padding).
#pragma once

#include <span>
#include <vector>

#include "nn/attention.h"
#include "nn/config.h"
#include "core/thread_pool.h"
#include "text/tokenizer.h"
#include "nn/weights.h"

namespace bert {

class Encoder {
 public:
  Encoder(const Config& config, const Weights& weights) : config_(config), weights_(weights) {}

  // Validates ids and lengths, then computes the last hidden state of every token. When `attentions`
  // is non-null it receives, per layer, every sequence's [heads][T][T] probabilities (see Attention).
  // With `outputs` (positions outputs[s] of each sequence s), only those rows are wanted: the last
  // layer runs its queries, projection and feed-forward for them alone (fill-mask needs the [MASK]
  // rows), which saves most of a layer; the rows equal those of a full pass bit for bit.
  Status Forward(ThreadPool& pool, std::span<const TokenizedText> batch, std::vector<std::vector<float>>* attentions,
                 std::span<const std::vector<int>> outputs = {});

  // Valid after Forward: [rows x H] hidden states, where segments() says each sequence's rows are.
  // With `outputs`: the wanted rows, one after another in the order given.
  const float* hidden() const { return hidden_.data(); }
  std::span<const Segment> segments() const { return segments_; }

 private:
  int SelectOutputs(std::span<const std::vector<int>> outputs);
  // Word + token type + position embeddings, then LayerNorm, into hidden_.
  void LookupEmbeddings(std::span<const TokenizedText> batch);
  void Reserve(int rows, int max_len, int threads);

  const Config& config_;
  const Weights& weights_;
  std::vector<Segment> segments_;
  std::vector<Queries> queries_;    // the attending rows of each sequence (see Attention)
  std::vector<int> all_positions_;  // 0, 1, 2, ...: every row attends
  // Activations, sized for the largest batch seen so far: the forward pass does not allocate.
  std::vector<float> hidden_, qkv_, context_, residual_, intermediate_;
  std::vector<float> selected_;  // with outputs, the wanted rows' input to the last layer
  Attention attention_;
};

}  // namespace bert
