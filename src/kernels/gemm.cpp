#include "kernels/gemm.h"

#include <algorithm>
#include <cstring>

#include "kernels/simd.h"

namespace bert {

size_t PackedWeightsSize(int n, int k) {
  const size_t panels = static_cast<size_t>((n + kGemmNR - 1) / kGemmNR);
  return panels * kGemmNR * (static_cast<size_t>(k) + 1);
}

void PackWeightsNK(int n, int k, const float* w, size_t ldw, const float* bias, float* packed) {
  for (int n0 = 0; n0 < n; n0 += kGemmNR) {
    for (int j = 0; j < kGemmNR; ++j) *packed++ = (bias && n0 + j < n) ? bias[n0 + j] : 0.0f;
    for (int p = 0; p < k; ++p) {
      for (int j = 0; j < kGemmNR; ++j) *packed++ = n0 + j < n ? w[static_cast<size_t>(n0 + j) * ldw + p] : 0.0f;
    }
  }
}

void PackWeightsKN(int n, int k, const float* w, size_t ldw, float* packed) {
  for (int n0 = 0; n0 < n; n0 += kGemmNR) {
    const int nc = n - n0 < kGemmNR ? n - n0 : kGemmNR;
    std::memset(packed, 0, sizeof(float) * kGemmNR);
    packed += kGemmNR;
    for (int p = 0; p < k; ++p) {
      const float* row = w + static_cast<size_t>(p) * ldw + n0;
      for (int j = 0; j < kGemmNR; ++j) *packed++ = j < nc ? row[j] : 0.0f;
    }
  }
}

namespace {

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

}  // namespace

size_t PackedRowsSize(int m, int k) {
  return static_cast<size_t>((m + kGemmMR - 1) / kGemmMR) * kGemmMR * static_cast<size_t>(k);
}

void PackRowsMR(int m, int k, const float* a, size_t lda, float* packed) {
  for (int m0 = 0; m0 < m; m0 += kGemmMR) {
    const int mr = std::min(kGemmMR, m - m0);
    const float* r0 = a + static_cast<size_t>(m0) * lda;
    const float* r1 = mr > 1 ? r0 + lda : r0;
    const float* r2 = mr > 2 ? r1 + lda : r1;
    const float* r3 = mr > 3 ? r2 + lda : r2;
    int p = 0;
    for (; p + 4 <= k; p += 4) {  // a 4x4 transpose per step
      const v128_t x0 = wasm_v128_load(r0 + p), x1 = wasm_v128_load(r1 + p);
      const v128_t x2 = wasm_v128_load(r2 + p), x3 = wasm_v128_load(r3 + p);
      const v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
      const v128_t t2 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
      wasm_v128_store(packed, wasm_i64x2_shuffle(t0, t1, 0, 2));
      wasm_v128_store(packed + 4, wasm_i64x2_shuffle(t0, t1, 1, 3));
      wasm_v128_store(packed + 8, wasm_i64x2_shuffle(t2, t3, 0, 2));
      wasm_v128_store(packed + 12, wasm_i64x2_shuffle(t2, t3, 1, 3));
      packed += 16;
    }
    for (; p < k; ++p) {
      *packed++ = r0[p];
      *packed++ = r1[p];
      *packed++ = r2[p];
      *packed++ = r3[p];
    }
  }
}

// The reference: same accumulation order as the SIMD kernel (bias, then k ascending, separate multiply
// and add), so results match bit for bit where the compiler does not contract to FMA.
void GemmF32_4x8_Scalar(int mr, int nc, int k, const float* a_packed, const float* panel, float* c, size_t ldc) {
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) {
      float acc = panel[j];
      for (int p = 0; p < k; ++p) {
        const float product = a_packed[kGemmMR * p + i] * panel[kGemmNR * (p + 1) + j];
        acc += product;
      }
      c[i * ldc + j] = acc;
    }
  }
}

namespace {

// acc + x * y as a multiply then an add (SIMD128 has no FMA); relaxed builds use RelaxedMulAdd (simd.h).
inline v128_t MulAdd(v128_t x, v128_t y, v128_t acc) { return wasm_f32x4_add(acc, wasm_f32x4_mul(x, y)); }

template <v128_t (*kMulAdd)(v128_t, v128_t, v128_t)>
void GemmF32_4x8(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc) {
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

}  // namespace

void GemmF32_4x8_WasmSimd(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc) {
  GemmF32_4x8<MulAdd>(mr, nc, k, a, panel, c, ldc);
}

void GemmF32_4x8_WasmRelaxed(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc) {
  GemmF32_4x8<RelaxedMulAdd>(mr, nc, k, a, panel, c, ldc);
}

void GemvF32_NK_Scalar(int m, int n, int k, const float* a, size_t lda, const float* w, const float* bias, float* out,
                       size_t ldo) {
  for (int j = 0; j < n; ++j) {
    const float* wj = w + static_cast<size_t>(j) * k;
    for (int i = 0; i < m; ++i) {
      double acc = 0;
      for (int p = 0; p < k; ++p) acc += static_cast<double>(a[i * lda + p]) * wj[p];
      out[i * ldo + j] = static_cast<float>(acc) + (bias ? bias[j] : 0.0f);
    }
  }
}

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
