#include "kernels/qgemm.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "kernels/simd.h"

namespace bert {
namespace {

constexpr int kPairStep = 2 * kGemmMR * 2;  // c2: bytes per k pair of a packed row tile (int16 each)
constexpr int kQuadStep = 2 * kGemmMR * 4;  // c4: bytes per 4 k steps of a packed row tile (a+ and a-)
constexpr int kQuadStepA7 = kGemmMR * 4;    // c4a7: the same of q alone
constexpr size_t kZeroPointsSize = kGemmMR * sizeof(int32_t);   // a7: after each packed row tile
constexpr size_t kColumnSumsSize = kGemmNR * sizeof(int32_t);   // a7: after each weight panel

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

// The row's asymmetric 7-bit grid (QuantizeRowA7): lo = min(x, 0), hi = max(x, 0), scale = (hi - lo) / 127
// and its inverse, zero = round(-lo / scale). A row of zeros, with an inf or a range past FLT_MAX gets
// scale 0 and quantizes to 0 (NaNs are not rows a model produces: they may do the same, or become zero).
float GridA7(float lo, float hi, float* inverse, int* zero) {
  const float range = hi - lo, inv = 127.0f / range;
  if (!(range > 0 && range <= FLT_MAX && inv <= FLT_MAX)) {
    *inverse = 0.0f;
    *zero = 0;
    return 0.0f;
  }
  *inverse = inv;
  *zero = static_cast<int>(std::nearbyint(-lo * inv));
  return range / 127.0f;
}

float RowGridA7(int k, const float* x, float* inverse, int* zero) {
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
  return GridA7(lo, hi, inverse, zero);
}

// One value on a row's a7 grid.
inline int RoundA7(float x, float inv, int zero) { return std::clamp(RoundQ8(x * inv) + zero, 0, 127); }

// Eight values of x rounded as QuantizeRowQ8 does, as int16 lanes (|x * inv| <= 127 within an ulp, which
// rounding absorbs; NaN converts to 0).
inline v128_t Quantize8(const float* x, v128_t inv) {
  const v128_t x0 = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x), inv));
  const v128_t x1 = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + 4), inv));
  return wasm_i16x8_narrow_i32x4(wasm_i32x4_trunc_sat_f32x4(x0), wasm_i32x4_trunc_sat_f32x4(x1));
}

// Eight values of x on a row's a7 grid (RoundA7), as int16 lanes.
inline v128_t QuantizeA7x8(const float* x, v128_t inv, v128_t zero) {
  const v128_t q = wasm_i16x8_add(Quantize8(x, inv), zero);
  return wasm_i16x8_min(wasm_i16x8_max(q, wasm_i16x8_splat(0)), wasm_i16x8_splat(127));
}

// Quantizes each row slot of each kGemmMR-row tile (rows past m repeat the last): `pack_row(x, tile, r)`
// writes row slot r of the tile (every packing gives each row 4 bytes per step) and returns its scale.
template <typename PackRow>
void QuantizeRowTiles(int m, const float* a, size_t lda, size_t tile_size, int8_t* packed, float* scales,
                      PackRow pack_row) {
  for (int m0 = 0; m0 < m; m0 += kGemmMR) {
    const int mr = std::min(kGemmMR, m - m0);
    int8_t* tile = packed + static_cast<size_t>(m0 / kGemmMR) * tile_size;
    for (int r = 0; r < kGemmMR; ++r) scales[m0 + r] = pack_row(a + static_cast<size_t>(m0 + std::min(r, mr - 1)) * lda, tile, r);
  }
}

// The pair steps of one row in the c2 layout: `value(p)` for p < k, 0 in k's padding.
template <typename Value, typename Quantize8Values>
void PackRowC2(int k, int8_t* out, Value value, Quantize8Values quantize8) {
  int p = 0;
  for (; p + 8 <= k; p += 8) {  // four pairs; each pair is one 32-bit lane of its k step
    const v128_t q = quantize8(p);
    int8_t* step = out + static_cast<size_t>(p / 2) * kPairStep;
    wasm_v128_store32_lane(step, q, 0);
    wasm_v128_store32_lane(step + kPairStep, q, 1);
    wasm_v128_store32_lane(step + 2 * kPairStep, q, 2);
    wasm_v128_store32_lane(step + 3 * kPairStep, q, 3);
  }
  for (; p < k + (k & 1); ++p) {
    const int16_t q = p < k ? static_cast<int16_t>(value(p)) : 0;
    std::memcpy(out + static_cast<size_t>(p / 2) * kPairStep + 2 * (p & 1), &q, sizeof q);
  }
}

// a7's tail of a tile (its rows' zero points) and of a panel (its columns' weight sums).
inline void StoreZeroPoint(int8_t* tile, size_t data_size, int r, int zero) {
  const int32_t z = zero;
  std::memcpy(tile + data_size + r * sizeof(int32_t), &z, sizeof z);
}
void StoreColumnSums(int n0, int n, int k, const int8_t* w, size_t ldw, int8_t* out) {
  for (int j = 0; j < kGemmNR; ++j) {
    int32_t sum = 0;
    for (int p = 0; n0 + j < n && p < k; ++p) sum += w[static_cast<size_t>(n0 + j) * ldw + p];
    std::memcpy(out + j * sizeof(int32_t), &sum, sizeof sum);
  }
}

// a7 weights: each panel as `pack_panel` lays it out, then its column sums.
size_t WithColumnSums(size_t panels_size, int n) {
  return panels_size + static_cast<size_t>((n + kGemmNR - 1) / kGemmNR) * kColumnSumsSize;
}
template <typename PackPanel>
void PackPanelsWithColumnSums(int n, int k, const int8_t* w, size_t ldw, int8_t* packed, PackPanel pack_panel) {
  for (int n0 = 0; n0 < n; n0 += kGemmNR) {
    packed = pack_panel(n0, n, k, w, ldw, packed);
    StoreColumnSums(n0, n, k, w, ldw, packed);
    packed += kColumnSumsSize;
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

// a7: acc - zero[row] * column_sum[col], exact in int32 (|each| <= k * 127 * 127: k up to 133,000), read
// from the tails of the tile and panel that the kernel's loop has just walked past.
inline void SubtractZeroPoints(v128_t (&acc)[kGemmMR][2], const int8_t* zeros, const int8_t* column_sums) {
  const v128_t sum_lo = wasm_v128_load(column_sums), sum_hi = wasm_v128_load(column_sums + 16);
  for (int i = 0; i < kGemmMR; ++i) {
    const v128_t zero = wasm_v128_load32_splat(zeros + 4 * i);
    acc[i][0] = wasm_i32x4_sub(acc[i][0], wasm_i32x4_mul(zero, sum_lo));
    acc[i][1] = wasm_i32x4_sub(acc[i][1], wasm_i32x4_mul(zero, sum_hi));
  }
}

inline int32_t LoadI32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
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

float QuantizeRowA7(int k, const float* x, uint8_t* q, int* zero) {
  float lo = 0, hi = 0;
  for (int p = 0; p < k; ++p) {
    lo = std::min(lo, x[p]);
    hi = std::max(hi, x[p]);
  }
  float inv;
  const float scale = GridA7(lo, hi, &inv, zero);
  for (int p = 0; p < k; ++p) q[p] = static_cast<uint8_t>(RoundA7(x[p], inv, *zero));
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

// The int32 sums of one row and column of a c2 tile and panel.
int32_t SumC2(int k, const int8_t* a, const int8_t* panel, int i, int j) {
  int32_t acc = 0;
  for (int p = 0; p < (k + 1) / 2; ++p) {
    int16_t ap[2];
    std::memcpy(ap, a + p * kPairStep + 4 * i, sizeof ap);
    const int8_t* wp = panel + (p * kGemmNR + j) * 2;
    acc += ap[0] * wp[0] + ap[1] * wp[1];
  }
  return acc;
}

// The c2 kernels' loop: a tile's int32 sums, leaving `a` and `panel` past their k steps.
inline void DotC2(int k, const int8_t*& a, const int8_t*& panel, v128_t (&acc)[kGemmMR][2]) {
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
  acc[0][0] = acc0_lo, acc[0][1] = acc0_hi, acc[1][0] = acc1_lo, acc[1][1] = acc1_hi;
  acc[2][0] = acc2_lo, acc[2][1] = acc2_hi, acc[3][0] = acc3_lo, acc[3][1] = acc3_hi;
}

}  // namespace

size_t PackedWeightsQ8C2Size(int n, int k) {
  const size_t panels = static_cast<size_t>((n + kGemmNR - 1) / kGemmNR);
  return panels * kGemmNR * static_cast<size_t>((k + 1) / 2 * 2);
}

void PackWeightsQ8C2(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  for (int n0 = 0; n0 < n; n0 += kGemmNR) packed = PackPanelC2(n0, n, k, w, ldw, packed);
}

size_t PackedRowsQ8C2Size(int m, int k) {
  return static_cast<size_t>((m + kGemmMR - 1) / kGemmMR) * kPairStep * static_cast<size_t>((k + 1) / 2);
}

void QuantizeRowsQ8C2(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales) {
  QuantizeRowTiles(m, a, lda, PackedRowsQ8C2Size(kGemmMR, k), packed, scales, [k](const float* x, int8_t* tile, int r) {
    float inv;
    const float scale = RowScale(k, x, &inv);
    const v128_t vinv = wasm_f32x4_splat(inv);
    PackRowC2(k, tile + 4 * r, [&](int p) { return RoundQ8(x[p] * inv); }, [&](int p) { return Quantize8(x + p, vinv); });
    return scale;
  });
}

// The reference: exact int32 sums, then the same f32 epilogue as the SIMD kernel.
void GemmQ8_4x8c2_Scalar(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc) {
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) c[i * ldc + j] = ScaleQ8(SumC2(k, a, panel, i, j), a_scales[i], w_scales[j], bias[j]);
  }
}

void GemmQ8_4x8c2_WasmSimd(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                           const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc[kGemmMR][2];
  DotC2(k, a, panel, acc);
  StoreQ8Tile(acc, mr, nc, a_scales, w_scales, bias, c, ldc);
}

size_t PackedWeightsQ8C2A7Size(int n, int k) { return WithColumnSums(PackedWeightsQ8C2Size(n, k), n); }

void PackWeightsQ8C2A7(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  PackPanelsWithColumnSums(n, k, w, ldw, packed, PackPanelC2);
}

size_t PackedRowsQ8C2A7Size(int m, int k) {
  return PackedRowsQ8C2Size(m, k) + static_cast<size_t>((m + kGemmMR - 1) / kGemmMR) * kZeroPointsSize;
}

void QuantizeRowsQ8C2A7(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales) {
  const size_t data_size = PackedRowsQ8C2Size(kGemmMR, k);
  QuantizeRowTiles(m, a, lda, data_size + kZeroPointsSize, packed, scales, [k, data_size](const float* x, int8_t* tile, int r) {
    float inv;
    int zero;
    const float scale = RowGridA7(k, x, &inv, &zero);
    const v128_t vinv = wasm_f32x4_splat(inv), vzero = wasm_i16x8_splat(static_cast<int16_t>(zero));
    PackRowC2(k, tile + 4 * r, [&](int p) { return RoundA7(x[p], inv, zero); },
              [&](int p) { return QuantizeA7x8(x + p, vinv, vzero); });
    StoreZeroPoint(tile, data_size, r, zero);
    return scale;
  });
}

void GemmQ8_4x8c2a7_Scalar(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                           const float* w_scales, const float* bias, float* c, size_t ldc) {
  const int8_t* zeros = a + PackedRowsQ8C2Size(kGemmMR, k);
  const int8_t* sums = panel + PackedWeightsQ8C2Size(kGemmNR, k);
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) {
      const int32_t acc = SumC2(k, a, panel, i, j) - LoadI32(zeros + 4 * i) * LoadI32(sums + 4 * j);
      c[i * ldc + j] = ScaleQ8(acc, a_scales[i], w_scales[j], bias[j]);
    }
  }
}

void GemmQ8_4x8c2a7_WasmSimd(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                             const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc[kGemmMR][2];
  DotC2(k, a, panel, acc);
  SubtractZeroPoints(acc, a, panel);
  StoreQ8Tile(acc, mr, nc, a_scales, w_scales, bias, c, ldc);
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

// Sixteen values of a row (four groups of 4 k steps) stored as one 32-bit lane per group, `step` bytes
// apart.
inline void StoreGroups(int8_t* out, size_t step, v128_t q) {
  wasm_v128_store32_lane(out, q, 0);
  wasm_v128_store32_lane(out + step, q, 1);
  wasm_v128_store32_lane(out + 2 * step, q, 2);
  wasm_v128_store32_lane(out + 3 * step, q, 3);
}

}  // namespace

size_t PackedWeightsQ8C4Size(int n, int k) {
  const size_t panels = static_cast<size_t>((n + kGemmNR - 1) / kGemmNR);
  return panels * kGemmNR * static_cast<size_t>((k + 3) / 4 * 4);
}

void PackWeightsQ8C4(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  for (int n0 = 0; n0 < n; n0 += kGemmNR) packed = PackPanelC4(n0, n, k, w, ldw, packed);
}

size_t PackedRowsQ8C4Size(int m, int k) {
  return static_cast<size_t>((m + kGemmMR - 1) / kGemmMR) * kQuadStep * static_cast<size_t>((k + 3) / 4);
}

void QuantizeRowsQ8C4(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales) {
  QuantizeRowTiles(m, a, lda, PackedRowsQ8C4Size(kGemmMR, k), packed, scales, [k](const float* x, int8_t* tile, int r) {
    float inv;
    const float scale = RowScale(k, x, &inv);
    int8_t* out = tile + 4 * r;
    // Sixteen values (four groups) at a time; each group is one 32-bit lane of a+ and one of a-.
    const v128_t vinv = wasm_f32x4_splat(inv), zero = wasm_i8x16_splat(0);
    int p = 0;
    for (; p + 16 <= k; p += 16) {
      const v128_t q = wasm_i8x16_narrow_i16x8(Quantize8(x + p, vinv), Quantize8(x + p + 8, vinv));
      int8_t* group = out + static_cast<size_t>(p / 4) * kQuadStep;
      StoreGroups(group, kQuadStep, wasm_i8x16_max(q, zero));
      StoreGroups(group + kQuadStep / 2, kQuadStep, wasm_i8x16_max(wasm_i8x16_neg(q), zero));
    }
    for (; p < (k + 3) / 4 * 4; ++p) {
      const int q = p < k ? RoundQ8(x[p] * inv) : 0;
      int8_t* byte = out + static_cast<size_t>(p / 4) * kQuadStep + (p & 3);
      byte[0] = static_cast<int8_t>(std::max(q, 0));
      byte[kQuadStep / 2] = static_cast<int8_t>(std::max(-q, 0));
    }
    return scale;
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

size_t PackedWeightsQ8C4A7Size(int n, int k) { return WithColumnSums(PackedWeightsQ8C4Size(n, k), n); }

void PackWeightsQ8C4A7(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  PackPanelsWithColumnSums(n, k, w, ldw, packed, PackPanelC4);
}

size_t PackedRowsQ8C4A7Size(int m, int k) {
  return static_cast<size_t>((m + kGemmMR - 1) / kGemmMR) *
         (kQuadStepA7 * static_cast<size_t>((k + 3) / 4) + kZeroPointsSize);
}

void QuantizeRowsQ8C4A7(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales) {
  const size_t data_size = kQuadStepA7 * static_cast<size_t>((k + 3) / 4);
  QuantizeRowTiles(m, a, lda, data_size + kZeroPointsSize, packed, scales, [k, data_size](const float* x, int8_t* tile, int r) {
    float inv;
    int zero;
    const float scale = RowGridA7(k, x, &inv, &zero);
    int8_t* out = tile + 4 * r;
    const v128_t vinv = wasm_f32x4_splat(inv), vzero = wasm_i16x8_splat(static_cast<int16_t>(zero));
    int p = 0;
    for (; p + 16 <= k; p += 16) {  // four groups at a time, each one 32-bit lane of q in [0, 127]
      const v128_t q = wasm_u8x16_narrow_i16x8(QuantizeA7x8(x + p, vinv, vzero), QuantizeA7x8(x + p + 8, vinv, vzero));
      StoreGroups(out + static_cast<size_t>(p / 4) * kQuadStepA7, kQuadStepA7, q);
    }
    for (; p < (k + 3) / 4 * 4; ++p) {
      out[static_cast<size_t>(p / 4) * kQuadStepA7 + (p & 3)] = static_cast<int8_t>(p < k ? RoundA7(x[p], inv, zero) : 0);
    }
    StoreZeroPoint(tile, data_size, r, zero);
    return scale;
  });
}

// The reference: exact int32 sums of q * w less zero * sum(w), then the same f32 epilogue as the SIMD kernel.
void GemmQ8_4x8c4a7_Scalar(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                           const float* w_scales, const float* bias, float* c, size_t ldc) {
  const int groups = (k + 3) / 4;
  const int8_t* zeros = a + kQuadStepA7 * groups;
  const int8_t* sums = panel + PackedWeightsQ8C4Size(kGemmNR, k);
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) {
      int32_t acc = 0;
      for (int g = 0; g < groups; ++g) {
        const int8_t* q = a + g * kQuadStepA7 + 4 * i;
        const int8_t* wg = panel + (g * kGemmNR + j) * 4;
        for (int t = 0; t < 4; ++t) acc += q[t] * wg[t];
      }
      acc -= LoadI32(zeros + 4 * i) * LoadI32(sums + 4 * j);
      c[i * ldc + j] = ScaleQ8(acc, a_scales[i], w_scales[j], bias[j]);
    }
  }
}

void GemmQ8_4x8c4a7_WasmRelaxed(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                                const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc0_lo = wasm_i32x4_splat(0), acc0_hi = acc0_lo, acc1_lo = acc0_lo, acc1_hi = acc0_lo;
  v128_t acc2_lo = acc0_lo, acc2_hi = acc0_lo, acc3_lo = acc0_lo, acc3_hi = acc0_lo;
  for (int g = (k + 3) / 4; g > 0; --g) {
    const v128_t w_lo = wasm_v128_load(panel), w_hi = wasm_v128_load(panel + 16);  // 8 columns x 4 k steps
    const v128_t a0 = wasm_v128_load32_splat(a), a1 = wasm_v128_load32_splat(a + 4);
    const v128_t a2 = wasm_v128_load32_splat(a + 8), a3 = wasm_v128_load32_splat(a + 12);
    panel += 4 * kGemmNR;
    a += kQuadStepA7;
    acc0_lo = RelaxedDotAdd(w_lo, a0, acc0_lo);
    acc0_hi = RelaxedDotAdd(w_hi, a0, acc0_hi);
    acc1_lo = RelaxedDotAdd(w_lo, a1, acc1_lo);
    acc1_hi = RelaxedDotAdd(w_hi, a1, acc1_hi);
    acc2_lo = RelaxedDotAdd(w_lo, a2, acc2_lo);
    acc2_hi = RelaxedDotAdd(w_hi, a2, acc2_hi);
    acc3_lo = RelaxedDotAdd(w_lo, a3, acc3_lo);
    acc3_hi = RelaxedDotAdd(w_hi, a3, acc3_hi);
  }
  v128_t acc[kGemmMR][2] = {{acc0_lo, acc0_hi}, {acc1_lo, acc1_hi}, {acc2_lo, acc2_hi}, {acc3_lo, acc3_hi}};
  SubtractZeroPoints(acc, a, panel);
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
