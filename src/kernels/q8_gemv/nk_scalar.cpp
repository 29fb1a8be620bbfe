// q8 GEMV, W [n][k] read in place (the tied MLM decoder of a q8 model; qgemm.h): the scalar reference.
#include "kernels/q8_gemv/loop.h"
#include "kernels/qgemm.h"

namespace bert {

void GemvQ8_NK_Scalar(int m, int n, int k, const int16_t* a, const float* a_scales, const int8_t* w,
                      const float* w_scales, const float* bias, float* out, size_t ldo) {
  const auto chunk_dot = [](const int16_t* ai, const int8_t* wj, int begin, int end) {
    int32_t sum = 0;
    for (int p = begin; p < end; ++p) sum += ai[p] * wj[p];
    return sum;
  };
  q8_gemv::GemvQ8Rows(m, n, k, a, a_scales, w, w_scales, bias, out, ldo, chunk_dot);
}

}  // namespace bert
