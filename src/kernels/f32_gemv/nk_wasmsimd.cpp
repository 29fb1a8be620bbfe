// f32 GEMV, W [n][k] read in place (the MLM decoder at a few [MASK] rows; gemm.h), SIMD128.
#include "kernels/gemm.h"
#include "kernels/simd.h"

namespace bert {

void GemvF32_NK_WasmSimd(int m, int n, int k, const float* a, size_t lda, const float* w, const float* bias,
                         float* out, size_t ldo) {
  const int k8 = k & ~7;
  for (int j = 0; j < n; ++j) {
    const float* wj = w + static_cast<size_t>(j) * k;
    for (int i = 0; i < m; ++i) {
      const float* ai = a + i * lda;
      v128_t acc_lo = wasm_f32x4_splat(0.0f);
      v128_t acc_hi = wasm_f32x4_splat(0.0f);
      int p = 0;
      for (; p < k8; p += 8) {
        acc_lo = wasm_f32x4_add(acc_lo, wasm_f32x4_mul(wasm_v128_load(ai + p), wasm_v128_load(wj + p)));
        acc_hi = wasm_f32x4_add(acc_hi, wasm_f32x4_mul(wasm_v128_load(ai + p + 4), wasm_v128_load(wj + p + 4)));
      }
      const v128_t acc = wasm_f32x4_add(acc_lo, acc_hi);
      float sum = (wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) +
                  (wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3));
      for (; p < k; ++p) sum += ai[p] * wj[p];
      out[i * ldo + j] = sum + (bias ? bias[j] : 0.0f);
    }
  }
}

}  // namespace bert
