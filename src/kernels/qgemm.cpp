#include "kernels/qgemm.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "kernels/simd.h"

namespace bert {
namespace {

constexpr int kTop = 254;                   // activations: q in [0, kTop]
constexpr int kPairStep = 2 * kGemmMR * 2;  // c2: bytes per k pair of a packed row tile (int16 each)
constexpr int kQuadStep = kGemmMR * 4;      // c4: bytes per 4 k steps of a packed row tile
constexpr size_t kZeroPointsSize = kGemmMR * sizeof(int32_t);  // after each packed row tile
constexpr size_t kColumnSumsSize = kGemmNR * sizeof(int32_t);  // after each weight panel

size_t Tiles(int m) { return static_cast<size_t>((m + kGemmMR - 1) / kGemmMR); }
size_t Panels(int n) { return static_cast<size_t>((n + kGemmNR - 1) / kGemmNR); }
// The bytes of one row tile's, or one panel's, values (before their zero points or column sums).
size_t TileDataC2(int k) { return kPairStep * static_cast<size_t>((k + 1) / 2); }
size_t TileDataC4(int k) { return kQuadStep * static_cast<size_t>((k + 3) / 4); }
size_t PanelDataC2(int k) { return kGemmNR * static_cast<size_t>((k + 1) / 2 * 2); }
size_t PanelDataC4(int k) { return kGemmNR * static_cast<size_t>((k + 3) / 4 * 4); }

// round(v) into [-limit, limit]; NaN (from a row holding inf) becomes 0.
inline int Round(float v, float limit) {
  if (!(v == v)) return 0;
  return static_cast<int>(std::nearbyint(std::clamp(v, -limit, limit)));
}

// 127 / amax, or 0 when that is not a finite number (a row of zeros, of inf, or of values so small that
// the quotient overflows): the row then quantizes to zeros.
inline float InverseScale(float amax) {
  const float inv = 127.0f / amax;
  return amax > 0 && std::isfinite(inv) ? inv : 0.0f;
}

// A row's grid (QuantizeRowU8) from lo = min(x, 0) and hi = max(x, 0): its scale, inverse and zero point.
// A row of zeros, with an inf or a range past FLT_MAX gets scale 0 and quantizes to 0 (NaNs are not rows a
// model produces: they may do the same, or become zero).
float GridU8(float lo, float hi, float* inverse, int* zero) {
  const float range = hi - lo, inv = kTop / range;
  if (!(range > 0 && range <= FLT_MAX && inv <= FLT_MAX)) {
    *inverse = 0.0f;
    *zero = 0;
    return 0.0f;
  }
  *inverse = inv;
  *zero = static_cast<int>(std::nearbyint(-lo * inv));
  return range / kTop;
}

float RowGridU8(int k, const float* x, float* inverse, int* zero) {
  v128_t vmin = wasm_f32x4_splat(0.0f), vmax = vmin;
  int p = 0;
  for (; p + 4 <= k; p += 4) {
    const v128_t v = wasm_v128_load(x + p);
    vmin = wasm_f32x4_min(vmin, v);
    vmax = wasm_f32x4_max(vmax, v);
  }
  float lo = std::min(std::min(wasm_f32x4_extract_lane(vmin, 0), wasm_f32x4_extract_lane(vmin, 1)),
                      std::min(wasm_f32x4_extract_lane(vmin, 2), wasm_f32x4_extract_lane(vmin, 3)));
  float hi = std::max(std::max(wasm_f32x4_extract_lane(vmax, 0), wasm_f32x4_extract_lane(vmax, 1)),
                      std::max(wasm_f32x4_extract_lane(vmax, 2), wasm_f32x4_extract_lane(vmax, 3)));
  for (; p < k; ++p) {
    lo = std::min(lo, x[p]);
    hi = std::max(hi, x[p]);
  }
  return GridU8(lo, hi, inverse, zero);
}

// One value on a row's grid.
inline int RoundU8(float x, float inv, int zero) { return std::clamp(Round(x * inv, kTop) + zero, 0, kTop); }

// Eight values on a row's grid (RoundU8), as int16 lanes (NaN converts to 0 before the zero point).
inline v128_t QuantizeU8x8(const float* x, v128_t inv, v128_t zero) {
  const v128_t x0 = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x), inv));
  const v128_t x1 = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + 4), inv));
  const v128_t q = wasm_i16x8_add(wasm_i16x8_narrow_i32x4(wasm_i32x4_trunc_sat_f32x4(x0), wasm_i32x4_trunc_sat_f32x4(x1)), zero);
  return wasm_i16x8_min(wasm_i16x8_max(q, wasm_i16x8_splat(0)), wasm_i16x8_splat(kTop));
}

// Quantizes each row slot of each kGemmMR-row tile (rows past m repeat the last) with `pack_row(x, out, inv,
// zero)`, which writes row slot r's values from `out` = tile + 4 * r (every packing gives each row 4 bytes
// per step); then the tile's zero points after its `data_size` bytes of values.
template <typename PackRow>
void QuantizeRowTiles(int m, int k, const float* a, size_t lda, size_t data_size, uint8_t* packed, float* scales,
                      PackRow pack_row) {
  for (int m0 = 0; m0 < m; m0 += kGemmMR) {
    const int mr = std::min(kGemmMR, m - m0);
    uint8_t* tile = packed + (m0 / kGemmMR) * (data_size + kZeroPointsSize);
    for (int r = 0; r < kGemmMR; ++r) {
      const float* x = a + static_cast<size_t>(m0 + std::min(r, mr - 1)) * lda;
      float inv;
      int zero;
      scales[m0 + r] = RowGridU8(k, x, &inv, &zero);
      pack_row(x, tile + 4 * r, inv, zero);
      const int32_t z = zero;
      std::memcpy(tile + data_size + r * sizeof z, &z, sizeof z);
    }
  }
}

// Weights: each panel as `pack_panel` lays it out, then its column sums.
template <typename PackPanel>
void PackPanelsWithColumnSums(int n, int k, const int8_t* w, size_t ldw, int8_t* packed, PackPanel pack_panel) {
  for (int n0 = 0; n0 < n; n0 += kGemmNR) {
    packed = pack_panel(n0, n, k, w, ldw, packed);
    for (int j = 0; j < kGemmNR; ++j) {
      int32_t sum = 0;
      for (int p = 0; n0 + j < n && p < k; ++p) sum += w[static_cast<size_t>(n0 + j) * ldw + p];
      std::memcpy(packed + j * sizeof sum, &sum, sizeof sum);
    }
    packed += kColumnSumsSize;
  }
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

}  // namespace

float QuantizeRowQ8(int k, const float* x, int8_t* q) {
  float amax = 0;
  for (int p = 0; p < k; ++p) amax = std::max(amax, std::fabs(x[p]));
  const float inv = InverseScale(amax);
  for (int p = 0; p < k; ++p) q[p] = static_cast<int8_t>(Round(x[p] * inv, 127));
  return inv > 0 ? amax / 127.0f : 0.0f;
}

float QuantizeRowU8(int k, const float* x, uint8_t* q, int* zero) {
  float lo = 0, hi = 0;
  for (int p = 0; p < k; ++p) {
    lo = std::min(lo, x[p]);
    hi = std::max(hi, x[p]);
  }
  float inv;
  const float scale = GridU8(lo, hi, &inv, zero);
  for (int p = 0; p < k; ++p) q[p] = static_cast<uint8_t>(RoundU8(x[p], inv, *zero));
  return scale;
}

// --- c2: int16 dot products (SIMD128) ---

namespace {

// One panel's pairs of k steps (PackWeightsQ8C2's layout), from column n0 on; returns the end.
int8_t* PackPanelC2(int n0, int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  for (int p = 0; p < k; p += 2) {
    for (int j = 0; j < kGemmNR; ++j) {
      const bool real = n0 + j < n;
      const int8_t* column = real ? w + static_cast<size_t>(n0 + j) * ldw : nullptr;
      *packed++ = real ? column[p] : 0;
      *packed++ = real && p + 1 < k ? column[p + 1] : 0;
    }
  }
  return packed;
}

}  // namespace

size_t PackedWeightsQ8C2Size(int n, int k) { return Panels(n) * (PanelDataC2(k) + kColumnSumsSize); }

void PackWeightsQ8C2(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  PackPanelsWithColumnSums(n, k, w, ldw, packed, PackPanelC2);
}

size_t PackedRowsQ8C2Size(int m, int k) { return Tiles(m) * (TileDataC2(k) + kZeroPointsSize); }

void QuantizeRowsQ8C2(int m, int k, const float* a, size_t lda, uint8_t* packed, float* scales) {
  QuantizeRowTiles(m, k, a, lda, TileDataC2(k), packed, scales, [k](const float* x, uint8_t* out, float inv, int zero) {
    const v128_t vinv = wasm_f32x4_splat(inv), vzero = wasm_i16x8_splat(static_cast<int16_t>(zero));
    int p = 0;
    for (; p + 8 <= k; p += 8) {  // four pairs; each pair is one 32-bit lane of its k step
      const v128_t q = QuantizeU8x8(x + p, vinv, vzero);
      uint8_t* step = out + static_cast<size_t>(p / 2) * kPairStep;
      wasm_v128_store32_lane(step, q, 0);
      wasm_v128_store32_lane(step + kPairStep, q, 1);
      wasm_v128_store32_lane(step + 2 * kPairStep, q, 2);
      wasm_v128_store32_lane(step + 3 * kPairStep, q, 3);
    }
    for (; p < k + (k & 1); ++p) {
      const int16_t q = static_cast<int16_t>(p < k ? RoundU8(x[p], inv, zero) : 0);
      std::memcpy(out + static_cast<size_t>(p / 2) * kPairStep + 2 * (p & 1), &q, sizeof q);
    }
  });
}

// The reference: exact int32 sums, then the same epilogue as the SIMD kernel.
void GemmQ8_4x8c2_Scalar(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc) {
  const uint8_t* zeros = a + TileDataC2(k);
  const int8_t* sums = panel + PanelDataC2(k);
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) {
      int32_t dot = 0;
      for (int p = 0; p < (k + 1) / 2; ++p) {
        int16_t q[2];
        std::memcpy(q, a + p * kPairStep + 4 * i, sizeof q);
        const int8_t* wp = panel + (p * kGemmNR + j) * 2;
        dot += q[0] * wp[0] + q[1] * wp[1];
      }
      c[i * ldc + j] = ScaleQ8(dot, LoadI32(zeros + 4 * i), LoadI32(sums + 4 * j), a_scales[i], w_scales[j], bias[j]);
    }
  }
}

void GemmQ8_4x8c2_WasmSimd(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                           const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc0_lo = wasm_i32x4_splat(0), acc0_hi = acc0_lo, acc1_lo = acc0_lo, acc1_hi = acc0_lo;
  v128_t acc2_lo = acc0_lo, acc2_hi = acc0_lo, acc3_lo = acc0_lo, acc3_hi = acc0_lo;
  for (int p = (k + 1) / 2; p > 0; --p) {
    const v128_t w_lo = wasm_i16x8_load8x8(panel), w_hi = wasm_i16x8_load8x8(panel + 8);  // 8 columns x 2 k steps
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
  v128_t acc[kGemmMR][2] = {{acc0_lo, acc0_hi}, {acc1_lo, acc1_hi}, {acc2_lo, acc2_hi}, {acc3_lo, acc3_hi}};
  StoreQ8Tile(acc, a, panel, mr, nc, a_scales, w_scales, bias, c, ldc);
}

// --- c4: relaxed SIMD's 8-bit dot product ---

namespace {

// One panel's groups of 4 k steps (PackWeightsQ8C4's layout), from column n0 on; returns the end.
int8_t* PackPanelC4(int n0, int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  for (int p = 0; p < k; p += 4) {
    for (int j = 0; j < kGemmNR; ++j) {
      const int8_t* column = n0 + j < n ? w + static_cast<size_t>(n0 + j) * ldw : nullptr;
      for (int t = 0; t < 4; ++t) *packed++ = column && p + t < k ? column[p + t] : 0;
    }
  }
  return packed;
}

// The c4 kernels' loop: a tile's int32 sums, with `dot(w, q, acc)` adding one row's 4-step dot products
// (q: the row's 4 bytes in every lane), leaving `a` and `panel` past their k steps.
template <typename Dot>
inline void DotC4(int k, const uint8_t*& a, const int8_t*& panel, v128_t (&acc)[kGemmMR][2], Dot dot) {
  v128_t acc0_lo = wasm_i32x4_splat(0), acc0_hi = acc0_lo, acc1_lo = acc0_lo, acc1_hi = acc0_lo;
  v128_t acc2_lo = acc0_lo, acc2_hi = acc0_lo, acc3_lo = acc0_lo, acc3_hi = acc0_lo;
  for (int g = (k + 3) / 4; g > 0; --g) {
    const v128_t w_lo = wasm_v128_load(panel), w_hi = wasm_v128_load(panel + 16);  // 8 columns x 4 k steps
    const v128_t a0 = wasm_v128_load32_splat(a), a1 = wasm_v128_load32_splat(a + 4);
    const v128_t a2 = wasm_v128_load32_splat(a + 8), a3 = wasm_v128_load32_splat(a + 12);
    panel += 4 * kGemmNR;
    a += kQuadStep;
    acc0_lo = dot(w_lo, a0, acc0_lo);
    acc0_hi = dot(w_hi, a0, acc0_hi);
    acc1_lo = dot(w_lo, a1, acc1_lo);
    acc1_hi = dot(w_hi, a1, acc1_hi);
    acc2_lo = dot(w_lo, a2, acc2_lo);
    acc2_hi = dot(w_hi, a2, acc2_hi);
    acc3_lo = dot(w_lo, a3, acc3_lo);
    acc3_hi = dot(w_hi, a3, acc3_hi);
  }
  acc[0][0] = acc0_lo, acc[0][1] = acc0_hi, acc[1][0] = acc1_lo, acc[1][1] = acc1_hi;
  acc[2][0] = acc2_lo, acc[2][1] = acc2_hi, acc[3][0] = acc3_lo, acc[3][1] = acc3_hi;
}

}  // namespace

size_t PackedWeightsQ8C4Size(int n, int k) { return Panels(n) * (PanelDataC4(k) + kColumnSumsSize); }

void PackWeightsQ8C4(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  PackPanelsWithColumnSums(n, k, w, ldw, packed, PackPanelC4);
}

size_t PackedRowsQ8C4Size(int m, int k) { return Tiles(m) * (TileDataC4(k) + kZeroPointsSize); }

void QuantizeRowsQ8C4(int m, int k, const float* a, size_t lda, uint8_t* packed, float* scales) {
  QuantizeRowTiles(m, k, a, lda, TileDataC4(k), packed, scales, [k](const float* x, uint8_t* out, float inv, int zero) {
    const v128_t vinv = wasm_f32x4_splat(inv), vzero = wasm_i16x8_splat(static_cast<int16_t>(zero));
    int p = 0;
    for (; p + 16 <= k; p += 16) {  // four groups at a time, each one 32-bit lane
      const v128_t q = wasm_u8x16_narrow_i16x8(QuantizeU8x8(x + p, vinv, vzero), QuantizeU8x8(x + p + 8, vinv, vzero));
      uint8_t* group = out + static_cast<size_t>(p / 4) * kQuadStep;
      wasm_v128_store32_lane(group, q, 0);
      wasm_v128_store32_lane(group + kQuadStep, q, 1);
      wasm_v128_store32_lane(group + 2 * kQuadStep, q, 2);
      wasm_v128_store32_lane(group + 3 * kQuadStep, q, 3);
    }
    for (; p < (k + 3) / 4 * 4; ++p) {
      out[static_cast<size_t>(p / 4) * kQuadStep + (p & 3)] = static_cast<uint8_t>(p < k ? RoundU8(x[p], inv, zero) : 0);
    }
  });
}

// The reference of both c4 kernels: exact int32 sums, then the same epilogue.
void GemmQ8_4x8c4_Scalar(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc) {
  const int groups = (k + 3) / 4;
  const uint8_t* zeros = a + TileDataC4(k);
  const int8_t* sums = panel + PanelDataC4(k);
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) {
      int32_t dot = 0;
      for (int g = 0; g < groups; ++g) {
        const uint8_t* q = a + g * kQuadStep + 4 * i;
        const int8_t* wg = panel + (g * kGemmNR + j) * 4;
        for (int t = 0; t < 4; ++t) dot += q[t] * wg[t];
      }
      c[i * ldc + j] = ScaleQ8(dot, LoadI32(zeros + 4 * i), LoadI32(sums + 4 * j), a_scales[i], w_scales[j], bias[j]);
    }
  }
}

// Any engine: each q as two 7-bit halves, q >> 1 and q - (q >> 1) (q <= 254).
void GemmQ8_4x8c4_WasmRelaxed(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                              const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc[kGemmMR][2];
  DotC4(k, a, panel, acc, [](v128_t w, v128_t q, v128_t sum) {
    const v128_t half = wasm_u8x16_shr(q, 1);
    return RelaxedDotAdd(w, wasm_i8x16_sub(q, half), RelaxedDotAdd(w, half, sum));
  });
  StoreQ8Tile(acc, a, panel, mr, nc, a_scales, w_scales, bias, c, ldc);
}

// Engines that multiply the 7-bit operand as an unsigned byte exactly: q whole, one dot product.
void GemmQ8_4x8c4_WasmUsdot(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                            const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc[kGemmMR][2];
  DotC4(k, a, panel, acc, [](v128_t w, v128_t q, v128_t sum) { return RelaxedDotAdd(w, q, sum); });
  StoreQ8Tile(acc, a, panel, mr, nc, a_scales, w_scales, bias, c, ldc);
}

// --- the MLM decoder's GEMV ---

namespace {

// GemvQ8_NK's int32 sums run over chunks of k short enough not to overflow (|q| * |w| <= 8191 * 128 per
// step: 2048 steps stay under 2^31), then go into an f32 sum.
constexpr int kI16Top = 8191;
constexpr int kGemvChunk = 2048;

inline float ScaleGemv(float dot, float a_scale, float w_scale, const float* bias, int j) {
  return dot * (a_scale * w_scale) + (bias ? bias[j] : 0.0f);
}

}  // namespace

float QuantizeRowI16(int k, const float* x, int16_t* q) {
  float amax = 0;
  for (int p = 0; p < k; ++p) amax = std::max(amax, std::fabs(x[p]));
  const float inv = kI16Top / amax;
  if (!(amax > 0 && amax <= FLT_MAX && inv <= FLT_MAX)) {
    std::fill_n(q, k, int16_t{0});
    return 0.0f;
  }
  for (int p = 0; p < k; ++p) q[p] = static_cast<int16_t>(Round(x[p] * inv, kI16Top));
  return amax / kI16Top;
}

void GemvQ8_NK_Scalar(int m, int n, int k, const int16_t* a, const float* a_scales, const int8_t* w,
                      const float* w_scales, const float* bias, float* out, size_t ldo) {
  for (int j = 0; j < n; ++j) {
    const int8_t* wj = w + static_cast<size_t>(j) * k;
    for (int i = 0; i < m; ++i) {
      const int16_t* ai = a + static_cast<size_t>(i) * k;
      float dot = 0;
      for (int p0 = 0; p0 < k; p0 += kGemvChunk) {
        int32_t chunk = 0;
        for (int p = p0; p < std::min(k, p0 + kGemvChunk); ++p) chunk += ai[p] * wj[p];
        dot += static_cast<float>(chunk);
      }
      out[i * ldo + j] = ScaleGemv(dot, a_scales[i], w_scales[j], bias, j);
    }
  }
}

void GemvQ8_NK_WasmSimd(int m, int n, int k, const int16_t* a, const float* a_scales, const int8_t* w,
                        const float* w_scales, const float* bias, float* out, size_t ldo) {
  for (int j = 0; j < n; ++j) {
    const int8_t* wj = w + static_cast<size_t>(j) * k;
    for (int i = 0; i < m; ++i) {
      const int16_t* ai = a + static_cast<size_t>(i) * k;
      float dot = 0;
      for (int p0 = 0; p0 < k; p0 += kGemvChunk) {
        const int end = std::min(k, p0 + kGemvChunk);
        v128_t acc0 = wasm_i32x4_splat(0), acc1 = acc0;
        int p = p0;
        for (; p + 16 <= end; p += 16) {
          acc0 = wasm_i32x4_add(acc0, wasm_i32x4_dot_i16x8(wasm_v128_load(ai + p), wasm_i16x8_load8x8(wj + p)));
          acc1 = wasm_i32x4_add(acc1, wasm_i32x4_dot_i16x8(wasm_v128_load(ai + p + 8), wasm_i16x8_load8x8(wj + p + 8)));
        }
        const v128_t acc = wasm_i32x4_add(acc0, acc1);
        int32_t chunk = (wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1)) +
                        (wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3));
        for (; p < end; ++p) chunk += ai[p] * wj[p];
        dot += static_cast<float>(chunk);
      }
      out[i * ldo + j] = ScaleGemv(dot, a_scales[i], w_scales[j], bias, j);
    }
  }
}

}  // namespace bert
