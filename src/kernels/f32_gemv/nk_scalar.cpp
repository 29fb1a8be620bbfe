// f32 GEMV, W [n][k] read in place (the MLM decoder at a few [MASK] rows; gemm.h): the scalar reference.
#include "kernels/gemm.h"
#include "kernels/simd.h"

namespace bert {

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

}  // namespace bert
