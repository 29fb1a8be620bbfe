// q8 GEMM, 4x8 tile, c2 packing (qgemm.h): the scalar reference.
#include "kernels/q8_gemm/layout.h"

namespace bert {

using namespace q8_gemm;

// The reference: exact int32 sums, then the same epilogue as the SIMD kernel.
void GemmQ8_4x8c2_Scalar(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc) {
  const uint8_t* zeros = a + TileDataC2(k);
  const int8_t* sums = panel + PanelDataC2(k);
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) {
      int32_t dot = 0;
      for (int p = 0; p < (k + 1) / 2; ++p) {
        int16_t q[2];
        std::memcpy(q, a + p * kPairStep + 4 * i, sizeof q);
        const int8_t* wp = panel + (p * kGemmNR + j) * 2;
        dot += q[0] * wp[0] + q[1] * wp[1];
      }
      c[i * ldc + j] = ScaleQ8(dot, LoadI32(zeros + 4 * i), LoadI32(sums + 4 * j), a_scales[i], w_scales[j], bias[j]);
    }
  }
}

}  // namespace bert
