// q8 GEMM, 4x8 tile, c2 packing (qgemm.h), SIMD128: int16 dot products, i32x4.dot_i16x8_s.
#include "kernels/q8_gemm/layout.h"

namespace bert {

using namespace q8_gemm;

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

}  // namespace bert
