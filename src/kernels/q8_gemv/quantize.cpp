// The q8 GEMV's activation rows, as int16 on a symmetric grid (qgemm.h).
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "kernels/q8_gemm/layout.h"
#include "kernels/q8_gemv/loop.h"

namespace bert {

using q8_gemm::Round;
using q8_gemv::kI16Top;

float QuantizeRowI16(int k, const float* x, int16_t* q) {
  float amax = 0;
  for (int p = 0; p < k; ++p) amax = std::max(amax, std::fabs(x[p]));
  const float inv = kI16Top / amax;
  if (!(amax > 0 && amax <= FLT_MAX && inv <= FLT_MAX)) {
    std::fill_n(q, k, int16_t{0});
    return 0.0f;
  }
  for (int p = 0; p < k; ++p) q[p] = static_cast<int16_t>(Round(x[p] * inv, kI16Top));
  return amax / kI16Top;
}

}  // namespace bert
