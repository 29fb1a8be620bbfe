// The f32 GEMM's 4x8 loop, one template over the multiply-add, that the SIMD128 and relaxed-SIMD kernels
// instantiate (internal to kernels/f32_gemm).
#pragma once

#include "kernels/gemm.h"
#include "kernels/simd.h"

namespace bert::f32_gemm {

// Stores the first nc (< 8) lanes of lo:hi to c.
inline void StorePartial(float* c, int nc, v128_t lo, v128_t hi) {
  if (nc & 4) {
    wasm_v128_store(c, lo);
    lo = hi;
    c += 4;
  }
  if (nc & 2) {
    wasm_v128_store64_lane(c, lo, 0);
    lo = wasm_i64x2_shuffle(lo, lo, 1, 1);
    c += 2;
  }
  if (nc & 1) wasm_v128_store32_lane(c, lo, 0);
}

// acc + x * y as a multiply then an add (SIMD128 has no FMA); relaxed builds use RelaxedMulAdd (simd.h).
inline v128_t MulAdd(v128_t x, v128_t y, v128_t acc) { return wasm_f32x4_add(acc, wasm_f32x4_mul(x, y)); }

template <v128_t (*kMulAdd)(v128_t, v128_t, v128_t)>
inline void GemmF32_4x8(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc) {
  v128_t acc0_lo = wasm_v128_load(panel);
  v128_t acc0_hi = wasm_v128_load(panel + 4);
  v128_t acc1_lo = acc0_lo, acc1_hi = acc0_hi;
  v128_t acc2_lo = acc0_lo, acc2_hi = acc0_hi;
  v128_t acc3_lo = acc0_lo, acc3_hi = acc0_hi;
  const float* w = panel + kGemmNR;
  for (int p = 0; p < k; ++p) {
    const v128_t b_lo = wasm_v128_load(w);
    const v128_t b_hi = wasm_v128_load(w + 4);
    const v128_t va0 = wasm_v128_load32_splat(a);
    const v128_t va1 = wasm_v128_load32_splat(a + 1);
    const v128_t va2 = wasm_v128_load32_splat(a + 2);
    const v128_t va3 = wasm_v128_load32_splat(a + 3);
    w += kGemmNR;
    a += kGemmMR;
    acc0_lo = kMulAdd(va0, b_lo, acc0_lo);
    acc0_hi = kMulAdd(va0, b_hi, acc0_hi);
    acc1_lo = kMulAdd(va1, b_lo, acc1_lo);
    acc1_hi = kMulAdd(va1, b_hi, acc1_hi);
    acc2_lo = kMulAdd(va2, b_lo, acc2_lo);
    acc2_hi = kMulAdd(va2, b_hi, acc2_hi);
    acc3_lo = kMulAdd(va3, b_lo, acc3_lo);
    acc3_hi = kMulAdd(va3, b_hi, acc3_hi);
  }
  const v128_t rows[4][2] = {{acc0_lo, acc0_hi}, {acc1_lo, acc1_hi}, {acc2_lo, acc2_hi}, {acc3_lo, acc3_hi}};
  for (int i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    if (nc == kGemmNR) {
      wasm_v128_store(ci, rows[i][0]);
      wasm_v128_store(ci + 4, rows[i][1]);
    } else {
      StorePartial(ci, nc, rows[i][0], rows[i][1]);
    }
  }
}

}  // namespace bert::f32_gemm
