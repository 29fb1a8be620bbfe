// f32 GEMM, 4x8 tile, SIMD128: a multiply and an add per 4 products.
#include "kernels/f32_gemm/4x8.h"

namespace bert {

void GemmF32_4x8_WasmSimd(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc) {
  f32_gemm::GemmF32_4x8<f32_gemm::MulAdd>(mr, nc, k, a, panel, c, ldc);
}

}  // namespace bert
