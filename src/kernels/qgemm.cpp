#include "kernels/qgemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/simd.h"

namespace bert {
namespace {

constexpr int kPairStep = 2 * kGemmMR * 2;  // c2: bytes per k pair of a packed row tile (int16 each)
constexpr int kQuadStep = 2 * kGemmMR * 4;  // c4: bytes per 4 k steps of a packed row tile (a+ and a-)

// round(v) into [-127, 127]; NaN (from a row holding inf) becomes 0.
inline int RoundQ8(float v) {
  if (!(v == v)) return 0;
  return static_cast<int>(std::nearbyint(std::clamp(v, -127.0f, 127.0f)));
}

// 127 / amax, or 0 when that is not a finite number (a row of zeros, of inf, or of values so small that
// the quotient overflows): the row then quantizes to zeros.
inline float InverseScale(float amax) {
  const float inv = 127.0f / amax;
  return amax > 0 && std::isfinite(inv) ? inv : 0.0f;
}

// The row's scale (max|x| / 127, or 0) and its inverse, the factor QuantizeRowQ8 rounds x by.
float RowScale(int k, const float* x, float* inverse) {
  v128_t vmax = wasm_f32x4_splat(0.0f);
  int p = 0;
  for (; p + 4 <= k; p += 4) vmax = wasm_f32x4_max(vmax, wasm_f32x4_abs(wasm_v128_load(x + p)));
  float amax = std::max(std::max(wasm_f32x4_extract_lane(vmax, 0), wasm_f32x4_extract_lane(vmax, 1)),
                        std::max(wasm_f32x4_extract_lane(vmax, 2), wasm_f32x4_extract_lane(vmax, 3)));
  for (; p < k; ++p) amax = std::max(amax, std::fabs(x[p]));
  *inverse = InverseScale(amax);
  return *inverse > 0 ? amax / 127.0f : 0.0f;
}

// Eight values of x rounded as QuantizeRowQ8 does, as int16 lanes (|x * inv| <= 127 within an ulp, which
// rounding absorbs; NaN converts to 0).
inline v128_t Quantize8(const float* x, v128_t inv) {
  const v128_t x0 = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x), inv));
  const v128_t x1 = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + 4), inv));
  return wasm_i16x8_narrow_i32x4(wasm_i32x4_trunc_sat_f32x4(x0), wasm_i32x4_trunc_sat_f32x4(x1));
}

// Quantizes each row slot of each kGemmMR-row tile (rows past m repeat the last): stores the row's scale,
// then `pack_row(x, inverse_scale, out)` writes its values from `out`, the slot's first byte (both
// packings give each row 4 bytes per step).
template <typename PackRow>
void QuantizeRowTiles(int m, int k, const float* a, size_t lda, size_t tile_size, int8_t* packed, float* scales,
                      PackRow pack_row) {
  for (int m0 = 0; m0 < m; m0 += kGemmMR) {
    const int mr = std::min(kGemmMR, m - m0);
    int8_t* tile = packed + static_cast<size_t>(m0 / kGemmMR) * tile_size;
    for (int r = 0; r < kGemmMR; ++r) {
      const float* x = a + static_cast<size_t>(m0 + std::min(r, mr - 1)) * lda;
      float inv;
      scales[m0 + r] = RowScale(k, x, &inv);
      pack_row(x, inv, tile + 4 * r);
    }
  }
}

// The epilogue of both kernels: C = acc * (a_scale[row] * w_scale[col]) + bias[col], for mr rows of
// int32 accumulators (columns 0-3, 4-7).
inline void StoreQ8Tile(const v128_t (&acc)[kGemmMR][2], int mr, int nc, const float* a_scales,
                        const float* w_scales, const float* bias, float* c, size_t ldc) {
  const v128_t scale_lo = wasm_v128_load(w_scales), scale_hi = wasm_v128_load(w_scales + 4);
  const v128_t bias_lo = wasm_v128_load(bias), bias_hi = wasm_v128_load(bias + 4);
  for (int i = 0; i < mr; ++i) {
    const v128_t row_scale = wasm_f32x4_splat(a_scales[i]);
    const v128_t lo = wasm_f32x4_add(
        wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc[i][0]), wasm_f32x4_mul(row_scale, scale_lo)), bias_lo);
    const v128_t hi = wasm_f32x4_add(
        wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc[i][1]), wasm_f32x4_mul(row_scale, scale_hi)), bias_hi);
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
inline float ScaleQ8(int32_t acc, float a_scale, float w_scale, float bias) {
  return static_cast<float>(acc) * (a_scale * w_scale) + bias;
}

}  // namespace

float QuantizeRowQ8(int k, const float* x, int8_t* q) {
  float amax = 0;
  for (int p = 0; p < k; ++p) amax = std::max(amax, std::fabs(x[p]));
  const float inv = InverseScale(amax);
  for (int p = 0; p < k; ++p) q[p] = static_cast<int8_t>(RoundQ8(x[p] * inv));
  return inv > 0 ? amax / 127.0f : 0.0f;
}

// --- c2: int16 dot products (SIMD128) ---

size_t PackedWeightsQ8C2Size(int n, int k) {
  const size_t panels = static_cast<size_t>((n + kGemmNR - 1) / kGemmNR);
  return panels * kGemmNR * static_cast<size_t>((k + 1) / 2 * 2);
}

void PackWeightsQ8C2(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  for (int n0 = 0; n0 < n; n0 += kGemmNR) {
    for (int p = 0; p < k; p += 2) {
      for (int j = 0; j < kGemmNR; ++j) {
        const bool real = n0 + j < n;
        const int8_t* column = real ? w + static_cast<size_t>(n0 + j) * ldw : nullptr;
        *packed++ = real ? column[p] : 0;
        *packed++ = real && p + 1 < k ? column[p + 1] : 0;
      }
    }
  }
}

size_t PackedRowsQ8C2Size(int m, int k) {
  return static_cast<size_t>((m + kGemmMR - 1) / kGemmMR) * kPairStep * static_cast<size_t>((k + 1) / 2);
}

void QuantizeRowsQ8C2(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales) {
  QuantizeRowTiles(m, k, a, lda, PackedRowsQ8C2Size(kGemmMR, k), packed, scales, [k](const float* x, float inv, int8_t* out) {
    // Eight values (four pairs) at a time; each pair is one 32-bit lane of its k step.
    const v128_t vinv = wasm_f32x4_splat(inv);
    int p = 0;
    for (; p + 8 <= k; p += 8) {
      const v128_t q = Quantize8(x + p, vinv);
      int8_t* step = out + static_cast<size_t>(p / 2) * kPairStep;
      wasm_v128_store32_lane(step, q, 0);
      wasm_v128_store32_lane(step + kPairStep, q, 1);
      wasm_v128_store32_lane(step + 2 * kPairStep, q, 2);
      wasm_v128_store32_lane(step + 3 * kPairStep, q, 3);
    }
    for (; p < k + (k & 1); ++p) {
      const int16_t q = p < k ? static_cast<int16_t>(RoundQ8(x[p] * inv)) : 0;
      std::memcpy(out + static_cast<size_t>(p / 2) * kPairStep + 2 * (p & 1), &q, sizeof q);
    }
  });
}

// The reference: exact int32 sums, then the same f32 epilogue as the SIMD kernel.
void GemmQ8_4x8c2_Scalar(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc) {
  const int pairs = (k + 1) / 2;
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) {
      int32_t acc = 0;
      for (int p = 0; p < pairs; ++p) {
        int16_t ap[2];
        std::memcpy(ap, a + p * kPairStep + 4 * i, sizeof ap);
        const int8_t* wp = panel + (p * kGemmNR + j) * 2;
        acc += ap[0] * wp[0] + ap[1] * wp[1];
      }
      c[i * ldc + j] = ScaleQ8(acc, a_scales[i], w_scales[j], bias[j]);
    }
  }
}

void GemmQ8_4x8c2_WasmSimd(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                           const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc0_lo = wasm_i32x4_splat(0), acc0_hi = acc0_lo, acc1_lo = acc0_lo, acc1_hi = acc0_lo;
  v128_t acc2_lo = acc0_lo, acc2_hi = acc0_lo, acc3_lo = acc0_lo, acc3_hi = acc0_lo;
  for (int p = (k + 1) / 2; p > 0; --p) {
    const v128_t w = wasm_v128_load(panel);  // 8 columns x 2 k steps
    const v128_t w_lo = wasm_i16x8_extend_low_i8x16(w), w_hi = wasm_i16x8_extend_high_i8x16(w);
    const v128_t a0 = wasm_v128_load32_splat(a), a1 = wasm_v128_load32_splat(a + 4);
    const v128_t a2 = wasm_v128_load32_splat(a + 8), a3 = wasm_v128_load32_splat(a + 12);
    panel += 2 * kGemmNR;
    a += kPairStep;
    acc0_lo = wasm_i32x4_add(acc0_lo, wasm_i32x4_dot_i16x8(a0, w_lo));
    acc0_hi = wasm_i32x4_add(acc0_hi, wasm_i32x4_dot_i16x8(a0, w_hi));
    acc1_lo = wasm_i32x4_add(acc1_lo, wasm_i32x4_dot_i16x8(a1, w_lo));
    acc1_hi = wasm_i32x4_add(acc1_hi, wasm_i32x4_dot_i16x8(a1, w_hi));
    acc2_lo = wasm_i32x4_add(acc2_lo, wasm_i32x4_dot_i16x8(a2, w_lo));
    acc2_hi = wasm_i32x4_add(acc2_hi, wasm_i32x4_dot_i16x8(a2, w_hi));
    acc3_lo = wasm_i32x4_add(acc3_lo, wasm_i32x4_dot_i16x8(a3, w_lo));
    acc3_hi = wasm_i32x4_add(acc3_hi, wasm_i32x4_dot_i16x8(a3, w_hi));
  }
  const v128_t acc[kGemmMR][2] = {{acc0_lo, acc0_hi}, {acc1_lo, acc1_hi}, {acc2_lo, acc2_hi}, {acc3_lo, acc3_hi}};
  StoreQ8Tile(acc, mr, nc, a_scales, w_scales, bias, c, ldc);
}

// --- c4: relaxed SIMD's 8-bit dot product ---

size_t PackedWeightsQ8C4Size(int n, int k) {
  const size_t panels = static_cast<size_t>((n + kGemmNR - 1) / kGemmNR);
  return panels * kGemmNR * static_cast<size_t>((k + 3) / 4 * 4);
}

void PackWeightsQ8C4(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  for (int n0 = 0; n0 < n; n0 += kGemmNR) {
    for (int p = 0; p < k; p += 4) {
      for (int j = 0; j < kGemmNR; ++j) {
        const int8_t* column = n0 + j < n ? w + static_cast<size_t>(n0 + j) * ldw : nullptr;
        for (int t = 0; t < 4; ++t) *packed++ = column && p + t < k ? column[p + t] : 0;
      }
    }
  }
}

size_t PackedRowsQ8C4Size(int m, int k) {
  return static_cast<size_t>((m + kGemmMR - 1) / kGemmMR) * kQuadStep * static_cast<size_t>((k + 3) / 4);
}

void QuantizeRowsQ8C4(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales) {
  QuantizeRowTiles(m, k, a, lda, PackedRowsQ8C4Size(kGemmMR, k), packed, scales, [k](const float* x, float inv, int8_t* out) {
    // Sixteen values (four groups) at a time; each group is one 32-bit lane of a+ and one of a-.
    const v128_t vinv = wasm_f32x4_splat(inv), zero = wasm_i8x16_splat(0);
    int p = 0;
    for (; p + 16 <= k; p += 16) {
      const v128_t q = wasm_i8x16_narrow_i16x8(Quantize8(x + p, vinv), Quantize8(x + p + 8, vinv));
      const v128_t pos = wasm_i8x16_max(q, zero), neg = wasm_i8x16_max(wasm_i8x16_neg(q), zero);
      int8_t* group = out + static_cast<size_t>(p / 4) * kQuadStep;
      wasm_v128_store32_lane(group, pos, 0);
      wasm_v128_store32_lane(group + kQuadStep, pos, 1);
      wasm_v128_store32_lane(group + 2 * kQuadStep, pos, 2);
      wasm_v128_store32_lane(group + 3 * kQuadStep, pos, 3);
      wasm_v128_store32_lane(group + kQuadStep / 2, neg, 0);
      wasm_v128_store32_lane(group + kQuadStep / 2 + kQuadStep, neg, 1);
      wasm_v128_store32_lane(group + kQuadStep / 2 + 2 * kQuadStep, neg, 2);
      wasm_v128_store32_lane(group + kQuadStep / 2 + 3 * kQuadStep, neg, 3);
    }
    for (; p < (k + 3) / 4 * 4; ++p) {
      const int q = p < k ? RoundQ8(x[p] * inv) : 0;
      int8_t* byte = out + static_cast<size_t>(p / 4) * kQuadStep + (p & 3);
      byte[0] = static_cast<int8_t>(std::max(q, 0));
      byte[kQuadStep / 2] = static_cast<int8_t>(std::max(-q, 0));
    }
  });
}

// The reference: exact int32 sums of a+ * w - a- * w, then the same f32 epilogue as the SIMD kernel.
void GemmQ8_4x8c4_Scalar(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc) {
  const int groups = (k + 3) / 4;
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) {
      int32_t acc = 0;
      for (int g = 0; g < groups; ++g) {
        const int8_t* pos = a + g * kQuadStep + 4 * i;
        const int8_t* wg = panel + (g * kGemmNR + j) * 4;
        for (int t = 0; t < 4; ++t) acc += (pos[t] - pos[kQuadStep / 2 + t]) * wg[t];
      }
      c[i * ldc + j] = ScaleQ8(acc, a_scales[i], w_scales[j], bias[j]);
    }
  }
}

void GemmQ8_4x8c4_WasmRelaxed(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                              const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc0_lo = wasm_i32x4_splat(0), acc0_hi = acc0_lo, acc1_lo = acc0_lo, acc1_hi = acc0_lo;
  v128_t acc2_lo = acc0_lo, acc2_hi = acc0_lo, acc3_lo = acc0_lo, acc3_hi = acc0_lo;
  for (int g = (k + 3) / 4; g > 0; --g) {
    const v128_t w_lo = wasm_v128_load(panel), w_hi = wasm_v128_load(panel + 16);  // 8 columns x 4 k steps
    const v128_t neg_lo = wasm_i8x16_neg(w_lo), neg_hi = wasm_i8x16_neg(w_hi);      // exact: w >= -127
    panel += 4 * kGemmNR;
    v128_t pos = wasm_v128_load32_splat(a), neg = wasm_v128_load32_splat(a + 16);
    acc0_lo = RelaxedDotAdd(neg_lo, neg, RelaxedDotAdd(w_lo, pos, acc0_lo));
    acc0_hi = RelaxedDotAdd(neg_hi, neg, RelaxedDotAdd(w_hi, pos, acc0_hi));
    pos = wasm_v128_load32_splat(a + 4), neg = wasm_v128_load32_splat(a + 20);
    acc1_lo = RelaxedDotAdd(neg_lo, neg, RelaxedDotAdd(w_lo, pos, acc1_lo));
    acc1_hi = RelaxedDotAdd(neg_hi, neg, RelaxedDotAdd(w_hi, pos, acc1_hi));
    pos = wasm_v128_load32_splat(a + 8), neg = wasm_v128_load32_splat(a + 24);
    acc2_lo = RelaxedDotAdd(neg_lo, neg, RelaxedDotAdd(w_lo, pos, acc2_lo));
    acc2_hi = RelaxedDotAdd(neg_hi, neg, RelaxedDotAdd(w_hi, pos, acc2_hi));
    pos = wasm_v128_load32_splat(a + 12), neg = wasm_v128_load32_splat(a + 28);
    acc3_lo = RelaxedDotAdd(neg_lo, neg, RelaxedDotAdd(w_lo, pos, acc3_lo));
    acc3_hi = RelaxedDotAdd(neg_hi, neg, RelaxedDotAdd(w_hi, pos, acc3_hi));
    a += kQuadStep;
  }
  const v128_t acc[kGemmMR][2] = {{acc0_lo, acc0_hi}, {acc1_lo, acc1_hi}, {acc2_lo, acc2_hi}, {acc3_lo, acc3_hi}};
  StoreQ8Tile(acc, mr, nc, a_scales, w_scales, bias, c, ldc);
}

// --- the MLM decoder's GEMV ---

void GemvQ8_NK_Scalar(int m, int n, int k, const float* a, size_t lda, const int8_t* w, const float* scales,
                      const float* bias, float* out, size_t ldo) {
  for (int j = 0; j < n; ++j) {
    const int8_t* wj = w + static_cast<size_t>(j) * k;
    for (int i = 0; i < m; ++i) {
      double acc = 0;
      for (int p = 0; p < k; ++p) acc += static_cast<double>(a[i * lda + p]) * wj[p];
      out[i * ldo + j] = static_cast<float>(acc) * scales[j] + (bias ? bias[j] : 0.0f);
    }
  }
}

void GemvQ8_NK_WasmSimd(int m, int n, int k, const float* a, size_t lda, const int8_t* w, const float* scales,
                        const float* bias, float* out, size_t ldo) {
  const int k16 = k & ~15;
  for (int j = 0; j < n; ++j) {
    const int8_t* wj = w + static_cast<size_t>(j) * k;
    for (int i = 0; i < m; ++i) {
      const float* ai = a + i * lda;
      v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0, acc2 = acc0, acc3 = acc0;
      int p = 0;
      for (; p < k16; p += 16) {
        const v128_t q = wasm_v128_load(wj + p);
        const v128_t q_lo = wasm_i16x8_extend_low_i8x16(q), q_hi = wasm_i16x8_extend_high_i8x16(q);
        const v128_t w0 = wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(q_lo));
        const v128_t w1 = wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(q_lo));
        const v128_t w2 = wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(q_hi));
        const v128_t w3 = wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(q_hi));
        acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(ai + p), w0));
        acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_v128_load(ai + p + 4), w1));
        acc2 = wasm_f32x4_add(acc2, wasm_f32x4_mul(wasm_v128_load(ai + p + 8), w2));
        acc3 = wasm_f32x4_add(acc3, wasm_f32x4_mul(wasm_v128_load(ai + p + 12), w3));
      }
      const v128_t acc = wasm_f32x4_add(wasm_f32x4_add(acc0, acc1), wasm_f32x4_add(acc2, acc3));
      float sum = (wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) +
                  (wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3));
      for (; p < k; ++p) sum += ai[p] * wj[p];
      out[i * ldo + j] = sum * scales[j] + (bias ? bias[j] : 0.0f);
    }
  }
}

}  // namespace bert
