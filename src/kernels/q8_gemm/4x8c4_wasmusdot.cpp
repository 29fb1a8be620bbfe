// q8 GEMM, 4x8 tile, c4 packing (qgemm.h), relaxed SIMD's 8-bit dot where the engine multiplies
// unsigned bytes exactly (microkernels.h): one per 4 k steps.
#include "kernels/q8_gemm/4x8c4.h"

namespace bert {

using namespace q8_gemm;

// Engines that multiply the 7-bit operand as an unsigned byte exactly: q whole, one dot product.
void GemmQ8_4x8c4_WasmUsdot(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                            const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc[kGemmMR][2];
  DotC4(k, a, panel, acc, [](v128_t w, v128_t q, v128_t sum) { return RelaxedDotAdd(w, q, sum); });
  StoreQ8Tile(acc, a, panel, mr, nc, a_scales, w_scales, bias, c, ldc);
}

}  // namespace bert
