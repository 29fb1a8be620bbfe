// A checkpoint ready to run: its config and weights, the thread pool, and the encoder with its
// activations. Heads and tasks take one; the Model facade owns it.
#pragma once

#include <memory>
#include <span>

#include "core/thread_pool.h"
#include "nn/config.h"
#include "nn/encoder.h"
#include "nn/weights.h"

namespace bert {

struct Network {
  Network(Config c, Weights w, int threads)
      : config(std::move(c)), weights(std::move(w)), pool(std::make_unique<ThreadPool>(threads)) {}
  Network(const Network&) = delete;  // the encoder refers to config and weights
  Network& operator=(const Network&) = delete;

  Config config;
  Weights weights;
  std::unique_ptr<ThreadPool> pool;
  Encoder encoder{config, weights};
};

// Runs `fn(sub_batch, first_index)` over consecutive sub-batches of bounded total length, so that a huge
// batch cannot exhaust memory through the activations (which grow with the rows of one forward).
template <typename F>
Status ForEachChunk(std::span<const TokenizedText> batch, F fn) {
  constexpr size_t kMaxTokensPerForward = 8192;
  size_t begin = 0;
  while (begin < batch.size()) {
    size_t end = begin, tokens = 0;
    while (end < batch.size() && (end == begin || tokens + batch[end].input_ids.size() <= kMaxTokensPerForward)) {
      tokens += batch[end++].input_ids.size();
    }
    BERT_RETURN_IF_ERROR(fn(batch.subspan(begin, end - begin), begin));
    begin = end;
  }
  return {};
}

}  // namespace bert
