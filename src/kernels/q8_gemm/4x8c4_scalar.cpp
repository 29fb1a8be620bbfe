// q8 GEMM, 4x8 tile, c4 packing (qgemm.h): the scalar reference of both relaxed-SIMD kernels.
#include "kernels/q8_gemm/layout.h"

namespace bert {

using namespace q8_gemm;

// The reference of both c4 kernels: exact int32 sums, then the same epilogue.
void GemmQ8_4x8c4_Scalar(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc) {
  const int groups = (k + 3) / 4;
  const uint8_t* zeros = a + TileDataC4(k);
  const int8_t* sums = panel + PanelDataC4(k);
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nc; ++j) {
      int32_t dot = 0;
      for (int g = 0; g < groups; ++g) {
        const uint8_t* q = a + g * kQuadStep + 4 * i;
        const int8_t* wg = panel + (g * kGemmNR + j) * 4;
        for (int t = 0; t < 4; ++t) dot += q[t] * wg[t];
      }
      c[i * ldc + j] = ScaleQ8(dot, LoadI32(zeros + 4 * i), LoadI32(sums + 4 * j), a_scales[i], w_scales[j], bias[j]);
    }
  }
}

}  // namespace bert
