// WebAssembly SIMD128 intrinsics: native in wasm builds, through SIMDe (mapped to SSE/NEON) natively,
// so one kernel source is tested and fuzzed natively and shipped as wasm.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif
