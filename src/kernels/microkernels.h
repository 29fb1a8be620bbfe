// The one place where the instruction set picks the GEMM microkernels: relaxed-SIMD builds
// (-mrelaxed-simd, the "relaxed" variants) take the relaxed ones where the engine's instructions suit
// them, every other build SIMD128's. The network calls through ActiveMicrokernels(); tests name kernels to
// compare each with its scalar reference.
#pragma once

#include "kernels/gemm.h"
#include "kernels/qgemm.h"
#include "kernels/simd.h"

namespace bert {

struct Microkernels {
  GemmMicrokernel gemm_f32;
  const char* gemm_f32_name;  // for diagnostics (ModelInfo.gemm)
  const GemmQ8* gemm_q8;      // with the packings it reads, and its name
};

#if defined(__wasm_relaxed_simd__) && __clang_major__ < 16
#error "relaxed SIMD needs LLVM 16 or later (LLVM 14 emits pre-standard opcodes): see tools/build.sh"
#endif

// This build's microkernels, chosen at the first call: SIMD128's, or relaxed SIMD's with the q8 GEMM that
// suits the engine's 8-bit dot product (RelaxedGemmQ8).
const Microkernels& ActiveMicrokernels();

// Relaxed SIMD's 8-bit dot product (RelaxedDotAdd's signature).
using RelaxedDot = v128_t (*)(v128_t a, v128_t b, v128_t acc);

// Whether `dot` multiplies its 7-bit operand as an unsigned byte, exactly, for the bytes a q8 packing holds
// (up to 254, against weights in [-127, 127]). x86 engines with an 8-bit dot instruction do (V8 emits
// vpdpbusd); others read the top bit as a sign, or saturate the sums of product pairs to int16.
bool DotTakesUnsignedBytes(RelaxedDot dot);

// Whether `dot` sums adjacent products with int16 saturation: what x86 engines compute when they do not use
// an 8-bit dot instruction (V8 emits pmaddubsw, then pmaddwd and an add; Node 20's and 22's V8 do so even
// on this AVX-VNNI machine).
bool DotSaturatesProductPairs(RelaxedDot dot);

// The q8 GEMM of relaxed builds, read from what the engine's dot product computes:
// - exact on unsigned bytes: the usdot kernel, one dot per 4 k steps;
// - saturating product pairs: SIMD128's c2 kernel, since two dots per 4 k steps of those instruction
//   sequences take more than i32x4.dot_i16x8_s (Node 22 here: the relaxed build ran 2x slower with them);
// - otherwise (ARM's sdot reads the top bit as a sign): the 7-bit kernel, two dots per 4 k steps.
const GemmQ8& RelaxedGemmQ8(RelaxedDot dot);

// Runs this build's microkernels on a fixed product and compares them with the scalar references: false
// when the engine computes an instruction wrongly. (Node 20's baseline compiler gets relaxed SIMD's 8-bit
// dot wrong: it drops the accumulator.)
bool MicrokernelsSelfTest();

}  // namespace bert
