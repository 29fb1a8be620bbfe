// q8 GEMM, 4x8 tile, c4 packing (qgemm.h), relaxed SIMD's 8-bit dot on any engine: two per 4 k steps.
#include "kernels/q8_gemm/4x8c4.h"

namespace bert {

using namespace q8_gemm;

// Any engine: each q as two 7-bit halves, q >> 1 and q - (q >> 1) (q <= 254).
void GemmQ8_4x8c4_WasmRelaxed(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                              const float* w_scales, const float* bias, float* c, size_t ldc) {
  v128_t acc[kGemmMR][2];
  DotC4(k, a, panel, acc, [](v128_t w, v128_t q, v128_t sum) {
    const v128_t half = wasm_u8x16_shr(q, 1);
    return RelaxedDotAdd(w, wasm_i8x16_sub(q, half), RelaxedDotAdd(w, half, sum));
  });
  StoreQ8Tile(acc, a, panel, mr, nc, a_scales, w_scales, bias, c, ldc);
}

}  // namespace bert
