// q8 GEMV, W [n][k] read in place (the tied MLM decoder of a q8 model; qgemm.h), SIMD128: int16 dot
// products, the weights widened as they load.
#include "kernels/q8_gemv/loop.h"
#include "kernels/qgemm.h"
#include "kernels/simd.h"

namespace bert {

void GemvQ8_NK_WasmSimd(int m, int n, int k, const int16_t* a, const float* a_scales, const int8_t* w,
                        const float* w_scales, const float* bias, float* out, size_t ldo) {
  const auto chunk_dot = [](const int16_t* ai, const int8_t* wj, int begin, int end) {
    v128_t acc0 = wasm_i32x4_splat(0), acc1 = acc0;
    int p = begin;
    for (; p + 16 <= end; p += 16) {
      acc0 = wasm_i32x4_add(acc0, wasm_i32x4_dot_i16x8(wasm_v128_load(ai + p), wasm_i16x8_load8x8(wj + p)));
      acc1 = wasm_i32x4_add(acc1, wasm_i32x4_dot_i16x8(wasm_v128_load(ai + p + 8), wasm_i16x8_load8x8(wj + p + 8)));
    }
    const v128_t acc = wasm_i32x4_add(acc0, acc1);
    int32_t sum = (wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1)) +
                  (wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3));
    for (; p < end; ++p) sum += ai[p] * wj[p];
    return sum;
  };
  q8_gemv::GemvQ8Rows(m, n, k, a, a_scales, w, w_scales, bias, out, ldo, chunk_dot);
}

}  // namespace bert
