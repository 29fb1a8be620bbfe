// The loop both c4 kernels share (internal to kernels/q8_gemm).
#pragma once

#include "kernels/q8_gemm/layout.h"

namespace bert::q8_gemm {

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

}  // namespace bert::q8_gemm
