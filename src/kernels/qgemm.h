// 8-bit GEMM kernels (q8): int8 weights quantized per row of W, i.e. per output (one f32 scale each), and
// activations quantized per row at run time to unsigned bytes on the row's own grid (QuantizeRowU8):
//   q = clamp(round(x / scale) + zero, 0, 254), scale = (max(x, 0) - min(x, 0)) / 254, zero = round(-min(x, 0) / scale),
// so that x ~ scale * (q - zero) and a . w ~ scale * (q . w - zero * sum(w)). An asymmetric grid spends all its
// steps where the row's values are (the FFN output's input, after GELU, is >= -0.17); 254 steps rather
// than 255 so that each q splits into two 7-bit halves (below). Products are summed exactly in int32, less
// each row's zero point times each column's weight sum, then scaled back to f32 in the epilogue: every
// kernel gives the same answers bit for bit. Each reads its packing:
// - c2 (SIMD128): WebAssembly SIMD has no 8-bit dot product, so operands are widened to int16 and multiplied
//   by i32x4.dot_i16x8_s, 2 k steps per 32-bit lane;
// - c4 (relaxed SIMD): i32x4.relaxed_dot_i8x16_i7x16_add_s, 4 k steps per lane, the weights its int8
//   operand and q its 7-bit one, which engines may read as signed or unsigned when its top bit is set. Two
//   kernels read this packing: "usdot" passes q as it is, for engines that multiply it as an unsigned byte
//   exactly (x86 ones with an 8-bit dot instruction; microkernels.h checks at start); the other splits each q
//   into q >> 1 and q - (q >> 1), both in [0, 127]: two dot products.
// Packed row tiles end with their rows' zero points and weight panels with their columns' weight sums
// (int32). The sums are exact for k <= 66,000 (|q - zero| * |w| <= 254 * 127 per step; configs cap k at
// 65,536). The tiling follows the f32 GEMM (gemm.h): panels of kGemmNR columns, tiles of kGemmMR rows.
// One kernel per file: quantization, packing and the kernels in kernels/q8_gemm/, the GEMV in kernels/q8_gemv/.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/gemm.h"

namespace bert {

// Symmetric quantization of one row of weights: q = round(x / scale) in [-127, 127], scale = max|x| / 127
// (0 for a row of zeros). Returns the scale.
float QuantizeRowQ8(int k, const float* x, int8_t* q);

// A row of activations on its unsigned grid (above): q in [0, 254], `zero` its zero point. Returns the scale.
float QuantizeRowU8(int k, const float* x, uint8_t* q, int* zero);

// Microkernel: C[mr x nc] = (A_q * W_q^T - zero[row] * sum[col]) * a_scale[row] * w_scale[col] + bias[col],
// for one packed row tile (`a`, `a_scales`) and one panel (`panel`, and its kGemmNR scales and biases).
using GemmQ8Microkernel = void (*)(int mr, int nc, int k, const uint8_t* a, const float* a_scales,
                                   const int8_t* panel, const float* w_scales, const float* bias, float* c,
                                   size_t ldc);

// c2 packing. Weight panels: for each group of kGemmNR columns, each pair of k steps as 2 * kGemmNR bytes
// (column 0's two weights, column 1's, ...), then the columns' sums; k is padded to even, n to whole panels,
// with zeros. Activations: each kGemmMR-row tile (rows past m repeat the last) as k/2 steps of kGemmMR int16
// pairs, then the rows' zero points; one scale per row into `scales` (padded the same way).
size_t PackedWeightsQ8C2Size(int n, int k);
void PackWeightsQ8C2(int n, int k, const int8_t* w, size_t ldw, int8_t* packed);
size_t PackedRowsQ8C2Size(int m, int k);  // bytes
void QuantizeRowsQ8C2(int m, int k, const float* a, size_t lda, uint8_t* packed, float* scales);
void GemmQ8_4x8c2_Scalar(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc);
void GemmQ8_4x8c2_WasmSimd(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                           const float* w_scales, const float* bias, float* c, size_t ldc);

// c4 packing. Weight panels: for each group of kGemmNR columns, each group of 4 k steps as columns 0-3's four
// weights, then columns 4-7's (two v128), then the columns' sums; k is padded to a multiple of 4, n to whole
// panels, with zeros. Activations: each kGemmMR-row tile as k/4 groups of 4 rows x 4 bytes of q, then the
// rows' zero points; scales as in c2.
size_t PackedWeightsQ8C4Size(int n, int k);
void PackWeightsQ8C4(int n, int k, const int8_t* w, size_t ldw, int8_t* packed);
size_t PackedRowsQ8C4Size(int m, int k);  // bytes
void QuantizeRowsQ8C4(int m, int k, const float* a, size_t lda, uint8_t* packed, float* scales);
void GemmQ8_4x8c4_Scalar(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc);
void GemmQ8_4x8c4_WasmRelaxed(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                              const float* w_scales, const float* bias, float* c, size_t ldc);
void GemmQ8_4x8c4_WasmUsdot(int mr, int nc, int k, const uint8_t* a, const float* a_scales, const int8_t* panel,
                            const float* w_scales, const float* bias, float* c, size_t ldc);

// A q8 GEMM as a unit: a microkernel, its scalar reference, and the packings both read.
struct GemmQ8 {
  size_t (*packed_weights_size)(int n, int k);
  void (*pack_weights)(int n, int k, const int8_t* w, size_t ldw, int8_t* packed);
  size_t (*packed_rows_size)(int m, int k);
  void (*quantize_rows)(int m, int k, const float* a, size_t lda, uint8_t* packed, float* scales);
  GemmQ8Microkernel kernel;
  GemmQ8Microkernel reference;
  const char* name;  // the kernel's, for diagnostics (ModelInfo.gemm)
};

inline constexpr GemmQ8 kGemmQ8C2{PackedWeightsQ8C2Size, PackWeightsQ8C2,       PackedRowsQ8C2Size,
                                  QuantizeRowsQ8C2,      GemmQ8_4x8c2_WasmSimd, GemmQ8_4x8c2_Scalar,
                                  "q8-4x8c2-wasmsimd"};
inline constexpr GemmQ8 kGemmQ8C4{PackedWeightsQ8C4Size, PackWeightsQ8C4,          PackedRowsQ8C4Size,
                                  QuantizeRowsQ8C4,      GemmQ8_4x8c4_WasmRelaxed, GemmQ8_4x8c4_Scalar,
                                  "q8-4x8c4-wasmrelaxed"};
inline constexpr GemmQ8 kGemmQ8C4Usdot{PackedWeightsQ8C4Size, PackWeightsQ8C4,        PackedRowsQ8C4Size,
                                       QuantizeRowsQ8C4,      GemmQ8_4x8c4_WasmUsdot, GemmQ8_4x8c4_Scalar,
                                       "q8-4x8c4-wasmusdot"};

// The tied MLM decoder of a q8 model: out[m][n] = dot(a[m], w[n]) + bias[n] for int8 rows W [n][k] read in
// place (its word embeddings, one scale per row) and a few activation rows, each quantized by QuantizeRowI16
// to int16 on a symmetric grid of 2 * 8191 + 1 steps: fine enough that the weights' int8 grid sets the
// error, coarse enough for i32x4.dot_i16x8_s's int32 sums over 2048 k steps. Exact integer sums, so the
// kernel and its reference agree bit for bit.
float QuantizeRowI16(int k, const float* x, int16_t* q);  // returns the scale (0 for a row of zeros)
void GemvQ8_NK_Scalar(int m, int n, int k, const int16_t* a, const float* a_scales, const int8_t* w,
                      const float* w_scales, const float* bias, float* out, size_t ldo);
void GemvQ8_NK_WasmSimd(int m, int n, int k, const int16_t* a, const float* a_scales, const int8_t* w,
                        const float* w_scales, const float* bias, float* out, size_t ldo);

}  // namespace bert
