// The one place where the instruction set picks the GEMM microkernels: relaxed-SIMD builds
// (-mrelaxed-simd, the "relaxed" variants) take the relaxed ones, every other build SIMD128's. The
// network calls through kMicrokernels; tests name kernels to compare each with its scalar reference.
#pragma once

#include "kernels/gemm.h"
#include "kernels/qgemm.h"

namespace bert {

struct Microkernels {
  GemmMicrokernel gemm_f32;
  const GemmQ8* gemm_q8;     // with the packings it reads
  const GemmQ8* gemm_q8_a7;  // the same with a7 activations (qgemm.h)
};

#if defined(__wasm_relaxed_simd__) && __clang_major__ < 16
#error "relaxed SIMD needs LLVM 16 or later (LLVM 14 emits pre-standard opcodes): see tools/build.sh"
#elif defined(__wasm_relaxed_simd__)
inline constexpr Microkernels kMicrokernels{GemmF32_4x8_WasmRelaxed, &kGemmQ8C4, &kGemmQ8C4A7};
#else
inline constexpr Microkernels kMicrokernels{GemmF32_4x8_WasmSimd, &kGemmQ8C2, &kGemmQ8C2A7};
#endif

// Runs this build's microkernels on a fixed product and compares them with the scalar references: false
// when the engine computes an instruction wrongly. (Node 20's baseline compiler gets relaxed SIMD's 8-bit
// dot wrong: it drops the accumulator.)
bool MicrokernelsSelfTest();

}  // namespace bert
