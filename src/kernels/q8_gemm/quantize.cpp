// Quantization for the q8 GEMM: weight rows (symmetric int8) and activation rows (unsigned bytes on each
// row's grid), the latter straight into the c2 or c4 packed row tiles the kernels read.
#include <cfloat>

#include "kernels/q8_gemm/layout.h"

namespace bert {

using namespace q8_gemm;

namespace {

// 127 / amax, or 0 when that is not a finite number (a row of zeros, of inf, or of values so small that
// the quotient overflows): the row then quantizes to zeros.
inline float InverseScale(float amax) {
  const float inv = 127.0f / amax;
  return amax > 0 && std::isfinite(inv) ? inv : 0.0f;
}

// A row's grid (QuantizeRowU8) from lo = min(x, 0) and hi = max(x, 0): its scale, inverse and zero point.
// A row of zeros, with an inf or a range past FLT_MAX gets scale 0 and quantizes to 0. A NaN is passed over
// by min and max (kernel and reference alike) and quantizes to the zero point.
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
    vmin = wasm_f32x4_pmin(vmin, v);  // pmin, pmax: one minps, maxps each in V8 (min, max: NaN-aware sequences)
    vmax = wasm_f32x4_pmax(vmax, v);
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

}  // namespace bert
