// Packing for the f32 GEMM (gemm.h): weight panels (once at load, or per head for attention's K and V) and
// row tiles (per call).
#include <algorithm>
#include <cstring>

#include "kernels/gemm.h"
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

}  // namespace bert
