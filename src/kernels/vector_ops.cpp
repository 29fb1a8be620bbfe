#include "kernels/vector_ops.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "kernels/simd.h"

namespace bert {
namespace {

inline v128_t Splat(float v) { return wasm_f32x4_splat(v); }

// e^x with Cephes' range reduction and degree-6 polynomial (~2 ulp), inputs clamped so 2^n stays normal.
inline v128_t ExpF32x4(v128_t x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, Splat(-87.0f)), Splat(88.0f));
  const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, Splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, Splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, Splat(-2.12194440e-4f)));
  v128_t p = Splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), Splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), Splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), Splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), Splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), Splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), Splat(1.0f));
  const v128_t pow2n = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, pow2n);
}

// tanh(x) = sign(x) * (1 - 2 / (e^{2|x|} + 1)); absolute error ~1e-7.
inline v128_t TanhF32x4(v128_t x) {
  const v128_t sign = wasm_v128_and(x, wasm_i32x4_splat(INT32_MIN));
  const v128_t e = ExpF32x4(wasm_f32x4_mul(wasm_f32x4_abs(x), Splat(2.0f)));
  const v128_t t = wasm_f32x4_sub(Splat(1.0f), wasm_f32x4_div(Splat(2.0f), wasm_f32x4_add(e, Splat(1.0f))));
  return wasm_v128_or(t, sign);
}

// x * Phi(x) via erfc(|x|/sqrt 2) from Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7); the
// erfc form avoids cancellation for negative x.
inline v128_t GeluF32x4(v128_t x) {
  const v128_t z = wasm_f32x4_mul(wasm_f32x4_abs(x), Splat(0.70710678118654752f));
  const v128_t t = wasm_f32x4_div(Splat(1.0f), wasm_f32x4_add(Splat(1.0f), wasm_f32x4_mul(z, Splat(0.3275911f))));
  v128_t p = Splat(1.061405429f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), Splat(-1.453152027f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), Splat(1.421413741f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), Splat(-0.284496736f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), Splat(0.254829592f));
  p = wasm_f32x4_mul(p, t);
  const v128_t erfc = wasm_f32x4_mul(p, ExpF32x4(wasm_f32x4_neg(wasm_f32x4_mul(z, z))));  // erfc(z)
  const v128_t half_x_erfc = wasm_f32x4_mul(wasm_f32x4_mul(Splat(0.5f), x), erfc);
  // x >= 0: x - x/2 erfc(z);  x < 0: x/2 erfc(z).
  return wasm_v128_bitselect(half_x_erfc, wasm_f32x4_sub(x, half_x_erfc), wasm_f32x4_lt(x, Splat(0.0f)));
}

inline v128_t GeluTanhF32x4(v128_t x) {
  const v128_t x3 = wasm_f32x4_mul(wasm_f32x4_mul(x, x), x);
  const v128_t u = wasm_f32x4_mul(Splat(0.79788456080286536f), wasm_f32x4_add(x, wasm_f32x4_mul(Splat(0.044715f), x3)));
  return wasm_f32x4_mul(wasm_f32x4_mul(Splat(0.5f), x), wasm_f32x4_add(Splat(1.0f), TanhF32x4(u)));
}

inline float HorizontalSum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

inline float HorizontalMax(v128_t v) {
  return std::max(std::max(wasm_f32x4_extract_lane(v, 0), wasm_f32x4_extract_lane(v, 1)),
                  std::max(wasm_f32x4_extract_lane(v, 2), wasm_f32x4_extract_lane(v, 3)));
}

// Applies a 4-lane function in place; the tail goes through a zero-padded vector.
template <typename F>
inline void MapInPlace(int n, float* x, F f) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, f(wasm_v128_load(x + i)));
  if (i < n) {
    float tail[4] = {0, 0, 0, 0};
    std::copy(x + i, x + n, tail);
    wasm_v128_store(tail, f(wasm_v128_load(tail)));
    std::copy(tail, tail + (n - i), x + i);
  }
}

}  // namespace

void LayerNormF32_WasmSimd(int n, const float* x, const float* gamma, const float* beta, float eps, float* y) {
  const int n4 = n & ~3;
  v128_t acc = Splat(0.0f);
  for (int i = 0; i < n4; i += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(x + i));
  float sum = HorizontalSum(acc);
  for (int i = n4; i < n; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(n);

  const v128_t vmean = Splat(mean);
  acc = Splat(0.0f);
  for (int i = 0; i < n4; i += 4) {
    const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + i), vmean);
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(d, d));
  }
  float sq = HorizontalSum(acc);
  for (int i = n4; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
  const float rstd = 1.0f / std::sqrt(sq / static_cast<float>(n) + eps);

  const v128_t vrstd = Splat(rstd);
  for (int i = 0; i < n4; i += 4) {
    const v128_t norm = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + i), vmean), vrstd);
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_f32x4_mul(norm, wasm_v128_load(gamma + i)), wasm_v128_load(beta + i)));
  }
  for (int i = n4; i < n; ++i) y[i] = (x[i] - mean) * rstd * gamma[i] + beta[i];
}

void LayerNormF32_Scalar(int n, const float* x, const float* gamma, const float* beta, float eps, float* y) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += x[i];
  const double mean = sum / n;
  double sq = 0;
  for (int i = 0; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
  const double rstd = 1.0 / std::sqrt(sq / n + eps);
  for (int i = 0; i < n; ++i) y[i] = static_cast<float>((x[i] - mean) * rstd * gamma[i] + beta[i]);
}

void SoftmaxF32_WasmSimd(int n, float scale, float* x) {
  const int n4 = n & ~3;
  v128_t vmax = Splat(-INFINITY);
  for (int i = 0; i < n4; i += 4) vmax = wasm_f32x4_pmax(vmax, wasm_v128_load(x + i));
  float max = HorizontalMax(vmax);
  for (int i = n4; i < n; ++i) max = std::max(max, x[i]);

  // e^{(x - max) * scale}; scale > 0 keeps the maximum at the same place.
  const v128_t vscaled_max = Splat(max * scale);
  const v128_t vscale = Splat(scale);
  v128_t acc = Splat(0.0f);
  for (int i = 0; i < n4; i += 4) {
    const v128_t e = ExpF32x4(wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(x + i), vscale), vscaled_max));
    wasm_v128_store(x + i, e);
    acc = wasm_f32x4_add(acc, e);
  }
  float sum = HorizontalSum(acc);
  if (n4 < n) {
    float tail[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    std::copy(x + n4, x + n, tail);
    const v128_t e = ExpF32x4(wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(tail), vscale), vscaled_max));
    wasm_v128_store(tail, e);
    for (int i = n4; i < n; ++i) {
      x[i] = tail[i - n4];
      sum += x[i];
    }
  }
  const v128_t inv = Splat(1.0f / sum);
  for (int i = 0; i < n4; i += 4) wasm_v128_store(x + i, wasm_f32x4_mul(wasm_v128_load(x + i), inv));
  for (int i = n4; i < n; ++i) x[i] *= 1.0f / sum;
}

void SoftmaxF32_Scalar(int n, float scale, float* x) {
  float max = -INFINITY;
  for (int i = 0; i < n; ++i) max = std::max(max, x[i]);
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += std::exp(static_cast<double>(x[i] - max) * scale);
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>(std::exp(static_cast<double>(x[i] - max) * scale) / sum);
}

void GeluF32_WasmSimd(int n, float* x) { MapInPlace(n, x, GeluF32x4); }
void GeluTanhF32_WasmSimd(int n, float* x) { MapInPlace(n, x, GeluTanhF32x4); }
void ReluF32_WasmSimd(int n, float* x) {
  MapInPlace(n, x, [](v128_t v) { return wasm_f32x4_pmax(v, Splat(0.0f)); });
}
void TanhF32_WasmSimd(int n, float* x) { MapInPlace(n, x, TanhF32x4); }

void GeluF32_Scalar(int n, float* x) {
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>(0.5 * x[i] * (1.0 + std::erf(x[i] / std::sqrt(2.0))));
}
void GeluTanhF32_Scalar(int n, float* x) {
  for (int i = 0; i < n; ++i) {
    const double v = x[i];
    x[i] = static_cast<float>(0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / std::numbers::pi) * (v + 0.044715 * v * v * v))));
  }
}
void ReluF32_Scalar(int n, float* x) {
  for (int i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f);
}

}  // namespace bert
