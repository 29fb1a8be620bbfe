// The q8 GEMV's loop over rows, columns and chunks of k, shared by its kernel and reference (internal to
// kernels/q8_gemv): they differ only in how they sum one chunk.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace bert::q8_gemv {

// Activations: q in [-kI16Top, kI16Top]. The int32 sums run over chunks of k short enough not to overflow
// (|q| * |w| <= 8191 * 128 per step: 2048 steps stay under 2^31), then go into an f32 sum.
inline constexpr int kI16Top = 8191;
inline constexpr int kGemvChunk = 2048;

// out[i][j] = (sum over chunks of chunk_dot(a_i, w_j, begin, end)) * a_scale[i] * w_scale[j] + bias[j].
template <typename ChunkDot>
inline void GemvQ8Rows(int m, int n, int k, const int16_t* a, const float* a_scales, const int8_t* w,
                       const float* w_scales, const float* bias, float* out, size_t ldo, ChunkDot chunk_dot) {
  for (int j = 0; j < n; ++j) {
    const int8_t* wj = w + static_cast<size_t>(j) * k;
    for (int i = 0; i < m; ++i) {
      const int16_t* ai = a + static_cast<size_t>(i) * k;
      float dot = 0;
      for (int p0 = 0; p0 < k; p0 += kGemvChunk) {
        dot += static_cast<float>(chunk_dot(ai, wj, p0, std::min(k, p0 + kGemvChunk)));
      }
      out[i * ldo + j] = dot * (a_scales[i] * w_scales[j]) + (bias ? bias[j] : 0.0f);
    }
  }
}

}  // namespace bert::q8_gemv
