// What the q8 GEMM's packings, quantizers and kernels share (internal to kernels/q8_gemm): the packed
// layouts' sizes, rounding, and the kernels' epilogue.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/qgemm.h"
#include "kernels/simd.h"

namespace bert::q8_gemm {

inline constexpr int kTop = 254;                   // activations: q in [0, kTop]
inline constexpr int kPairStep = 2 * kGemmMR * 2;  // c2: bytes per k pair of a packed row tile (int16 each)
inline constexpr int kQuadStep = kGemmMR * 4;      // c4: bytes per 4 k steps of a packed row tile
inline constexpr size_t kZeroPointsSize = kGemmMR * sizeof(int32_t);  // after each packed row tile
inline constexpr size_t kColumnSumsSize = kGemmNR * sizeof(int32_t);  // after each weight panel

inline size_t Tiles(int m) { return static_cast<size_t>((m + kGemmMR - 1) / kGemmMR); }
inline size_t Panels(int n) { return static_cast<size_t>((n + kGemmNR - 1) / kGemmNR); }
// The bytes of one row tile's, or one panel's, values (before their zero points or column sums).
inline size_t TileDataC2(int k) { return kPairStep * static_cast<size_t>((k + 1) / 2); }
inline size_t TileDataC4(int k) { return kQuadStep * static_cast<size_t>((k + 3) / 4); }
inline size_t PanelDataC2(int k) { return kGemmNR * static_cast<size_t>((k + 1) / 2 * 2); }
inline size_t PanelDataC4(int k) { return kGemmNR * static_cast<size_t>((k + 3) / 4 * 4); }

// round(v) into [-limit, limit]; NaN (from a row holding inf) becomes 0.
inline int Round(float v, float limit) {
  if (!(v == v)) return 0;
  return static_cast<int>(std::nearbyint(std::clamp(v, -limit, limit)));
}

inline int32_t LoadI32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The kernels' epilogue: acc - zero[row] * sum[col] (read from the tails of the tile and panel that the
// kernel's loop has just walked past), then C = that * (a_scale[row] * w_scale[col]) + bias[col], for mr
// rows of int32 accumulators (columns 0-3, 4-7).
inline void StoreQ8Tile(v128_t (&acc)[kGemmMR][2], const uint8_t* zeros, const int8_t* column_sums, int mr, int nc,
                        const float* a_scales, const float* w_scales, const float* bias, float* c, size_t ldc) {
  const v128_t sum_lo = wasm_v128_load(column_sums), sum_hi = wasm_v128_load(column_sums + 16);
  const v128_t scale_lo = wasm_v128_load(w_scales), scale_hi = wasm_v128_load(w_scales + 4);
  const v128_t bias_lo = wasm_v128_load(bias), bias_hi = wasm_v128_load(bias + 4);
  for (int i = 0; i < mr; ++i) {
    const v128_t zero = wasm_v128_load32_splat(zeros + 4 * i);
    const v128_t row_scale = wasm_f32x4_splat(a_scales[i]);
    const v128_t acc_lo = wasm_i32x4_sub(acc[i][0], wasm_i32x4_mul(zero, sum_lo));
    const v128_t acc_hi = wasm_i32x4_sub(acc[i][1], wasm_i32x4_mul(zero, sum_hi));
    const v128_t lo = wasm_f32x4_add(
        wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc_lo), wasm_f32x4_mul(row_scale, scale_lo)), bias_lo);
    const v128_t hi = wasm_f32x4_add(
        wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc_hi), wasm_f32x4_mul(row_scale, scale_hi)), bias_hi);
    float* ci = c + i * ldc;
    if (nc == kGemmNR) {
      wasm_v128_store(ci, lo);
      wasm_v128_store(ci + 4, hi);
    } else {
      float tile[kGemmNR];
      wasm_v128_store(tile, lo);
      wasm_v128_store(tile + 4, hi);
      std::memcpy(ci, tile, sizeof(float) * static_cast<size_t>(nc));
    }
  }
}

// The scalar epilogue: the same operations in the same order.
inline float ScaleQ8(int32_t dot, int32_t zero, int32_t column_sum, float a_scale, float w_scale, float bias) {
  return static_cast<float>(dot - zero * column_sum) * (a_scale * w_scale) + bias;
}

}  // namespace bert::q8_gemm
