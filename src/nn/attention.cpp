#include "nn/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/gemm.h"
#include "kernels/vector_ops.h"
#include "nn/linear.h"

namespace bert {

void Attention::Reserve(int threads, int max_len, int head_size) {
  if (static_cast<int>(scratch_.size()) < threads) scratch_.resize(static_cast<size_t>(threads));
  for (Scratch& s : scratch_) {
    const size_t k_size = PackedWeightsSize(max_len, head_size);
    const size_t v_size = PackedWeightsSize(head_size, max_len);
    const size_t q_size = static_cast<size_t>(max_len) * head_size;
    const size_t scores_size = static_cast<size_t>(max_len) * max_len;
    const size_t rows_size = PackedRowsSize(max_len, std::max(max_len, head_size));
    if (s.q.size() < q_size) s.q.resize(q_size);
    if (s.packed_k.size() < k_size) s.packed_k.resize(k_size);
    if (s.packed_v.size() < v_size) s.packed_v.resize(v_size);
    if (s.scores.size() < scores_size) s.scores.resize(scores_size);
    if (s.packed_rows.size() < rows_size) s.packed_rows.resize(rows_size);
  }
}

void Attention::Forward(ThreadPool& pool, std::span<const Segment> segments, std::span<const Queries> queries,
                        int num_heads, int head_size, const float* qkv, float* ctx, float* probs) {
  const int hidden = num_heads * head_size;
  const size_t qkv_stride = 3 * static_cast<size_t>(hidden);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_size));

  // Where each sequence's probabilities start (only when they are asked for).
  std::vector<size_t> probs_offset(probs ? segments.size() : 0, 0);
  for (size_t s = 1; s < probs_offset.size(); ++s) {
    probs_offset[s] = probs_offset[s - 1] + static_cast<size_t>(num_heads) * queries[s - 1].positions.size() *
                                                static_cast<size_t>(segments[s - 1].length);
  }

  pool.Run(segments.size() * num_heads, [&](size_t task, int thread) {
    const Segment& seg = segments[task / num_heads];
    const Queries& rows = queries[task / num_heads];
    const int head = static_cast<int>(task % num_heads);
    const int t = seg.length;
    const int m = static_cast<int>(rows.positions.size());
    Scratch& s = scratch_[thread];
    const float* q = qkv + seg.offset * qkv_stride + head * head_size;
    const float* k = q + hidden;
    const float* v = q + 2 * hidden;

    // The attending rows of Q, gathered: m x HS.
    for (int i = 0; i < m; ++i) {
      std::memcpy(s.q.data() + static_cast<size_t>(i) * head_size, q + rows.positions[i] * qkv_stride,
                  sizeof(float) * head_size);
    }
    // scores[m x T] = Q K^T, with K packed as the "weights" of a T-output product.
    PackWeightsNK(t, head_size, k, qkv_stride, nullptr, s.packed_k.data());
    GemmPacked(m, t, head_size, s.q.data(), head_size, s.packed_k.data(), s.scores.data(), t, s.packed_rows.data());
    for (int i = 0; i < m; ++i) SoftmaxF32_WasmSimd(t, scale, s.scores.data() + static_cast<size_t>(i) * t);
    if (probs) {
      float* dst = probs + probs_offset[task / num_heads] + static_cast<size_t>(head) * m * t;
      std::memcpy(dst, s.scores.data(), sizeof(float) * m * t);
    }
    // ctx[m x HS] = P V.
    PackWeightsKN(head_size, t, v, qkv_stride, s.packed_v.data());
    GemmPacked(m, head_size, t, s.scores.data(), t, s.packed_v.data(),
               ctx + static_cast<size_t>(rows.out_offset) * hidden + head * head_size, hidden, s.packed_rows.data());
  });
}

}  // namespace bert
