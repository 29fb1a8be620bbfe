// The one place where the instruction set picks the GEMM microkernels: relaxed-SIMD builds
// (-mrelaxed-simd, the "relaxed" variants) take the relaxed ones, every other build SIMD128's. The
// network calls through kMicrokernels; tests name kernels to compare each with its scalar reference.
#pragma once

#include "kernels/gemm.h"
#include "kernels/qgemm.h"

namespace bert {

struct Microkernels {
  const char* isa;  // "relaxed-simd" or "simd128"
  GemmMicrokernel gemm_f32;
  GemmQ8Microkernel gemm_q8;
};

#if defined(__wasm_relaxed_simd__)
inline constexpr Microkernels kMicrokernels{"relaxed-simd", GemmF32_4x8_WasmRelaxed, GemmQ8_4x8_WasmSimd};
#else
inline constexpr Microkernels kMicrokernels{"simd128", GemmF32_4x8_WasmSimd, GemmQ8_4x8_WasmSimd};
#endif

// Runs this build's microkernels on a fixed product and compares them with the scalar references: false
// when the engine computes an instruction wrongly (as Node 20's baseline compiler does relaxed SIMD's
// 8-bit dot, which a q8 kernel may come to use).
bool MicrokernelsSelfTest();

}  // namespace bert
