// f32 GEMM, 4x8 tile: the scalar reference.
#include "kernels/gemm.h"

namespace bert {

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

}  // namespace bert
