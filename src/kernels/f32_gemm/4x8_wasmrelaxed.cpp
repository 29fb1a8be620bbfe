// f32 GEMM, 4x8 tile, relaxed SIMD: f32x4.relaxed_madd (fused where the CPU has FMA).
#include "kernels/f32_gemm/4x8.h"

namespace bert {

void GemmF32_4x8_WasmRelaxed(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc) {
  f32_gemm::GemmF32_4x8<RelaxedMulAdd>(mr, nc, k, a, panel, c, ldc);
}

}  // namespace bert
