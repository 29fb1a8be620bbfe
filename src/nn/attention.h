// Multi-head self-attention over sequences laid end to end in one buffer. Each (sequence, head) is one
// task: only that head's T x T scores ever exist, in the worker's own scratch, and a sequence attends
// to its own tokens only, so a batch gives every text exactly its unbatched result.
#pragma once

#include <span>
#include <vector>

#include "core/thread_pool.h"

namespace bert {

struct Segment {
  int offset;  // first row of the sequence in the batch
  int length;  // tokens
};

// The rows of one sequence that attend (queries): their positions in the sequence, and the first row
// of ctx they fill, one after another. Every row, or only those whose output is wanted (the [MASK]
// rows of the last layer); the context of a row does not depend on which other rows attend.
struct Queries {
  std::span<const int> positions;
  int out_offset;
};

class Attention {
 public:
  // Sizes per-thread scratch for sequences up to max_len tokens (grows only, never shrinks).
  void Reserve(int threads, int max_len, int head_size);

  // qkv rows hold [Q | K | V], each num_heads * head_size wide; ctx rows receive the heads side by side
  // (queries[s] says which rows of segment s, and where they go). When `probs` is non-null it receives
  // each sequence's probabilities as [heads][queries][T], sequences one after another.
  void Forward(ThreadPool& pool, std::span<const Segment> segments, std::span<const Queries> queries, int num_heads,
               int head_size, const float* qkv, float* ctx, float* probs);

 private:
  struct Scratch {
    std::vector<float> q, packed_k, packed_v, scores, packed_rows;
  };
  std::vector<Scratch> scratch_;
};

}  // namespace bert
