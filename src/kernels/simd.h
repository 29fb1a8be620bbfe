// WebAssembly SIMD128 intrinsics: native in wasm builds, through SIMDe (mapped to SSE/NEON) natively,
// so one kernel source is tested and fuzzed natively and shipped as wasm.
//
// Relaxed SIMD (the *_WasmRelaxed kernels): native in relaxed wasm builds (-mrelaxed-simd). Elsewhere
// the operations they use are defined here by their deterministic meaning, which is all the kernels may
// rely on: madd as a multiply then an add (a fused one differs in the last bit only).
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif

#if !defined(__wasm_relaxed_simd__)
inline v128_t wasm_f32x4_relaxed_madd(v128_t a, v128_t b, v128_t c) {
  return wasm_f32x4_add(wasm_f32x4_mul(a, b), c);
}

#endif
