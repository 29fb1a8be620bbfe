// WebAssembly SIMD128 intrinsics: native in wasm builds, through SIMDe (mapped to SSE/NEON) natively,
// so one kernel source is tested and fuzzed natively and shipped as wasm. The relaxed-SIMD instructions
// the kernels use are named here: the instruction in relaxed builds (-mrelaxed-simd); natively (the
// tests; SIMD128 builds never call them) their deterministic meaning for the operands the kernels pass.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif

namespace bert {

// acc + x * y, lane by lane: fused where the CPU has FMA (the engine's choice: the last bit may differ).
#if defined(__wasm_relaxed_simd__)
inline v128_t RelaxedMulAdd(v128_t x, v128_t y, v128_t acc) { return wasm_f32x4_relaxed_madd(x, y, acc); }
#else
inline v128_t RelaxedMulAdd(v128_t x, v128_t y, v128_t acc) { return wasm_f32x4_add(acc, wasm_f32x4_mul(x, y)); }
#endif

// acc + the 4-product dot of each 32-bit lane of a (int8) and b (7-bit: [0, 127]; engines read its top bit
// as a sign or not). Natively b is read unsigned, as x86 engines do, so a packing that lets a value past
// 127 shows in the tests.
#if defined(__wasm_relaxed_simd__)
inline v128_t RelaxedDotAdd(v128_t a, v128_t b, v128_t acc) { return wasm_i32x4_relaxed_dot_i8x16_i7x16_add(a, b, acc); }
#else
inline v128_t RelaxedDotAdd(v128_t a, v128_t b, v128_t acc) {
  const v128_t lo = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(a), wasm_u16x8_extend_low_u8x16(b));
  const v128_t hi = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(a), wasm_u16x8_extend_high_u8x16(b));
  return wasm_i32x4_add(acc, wasm_i32x4_add(wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6), wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7)));
}
#endif

}  // namespace bert
