// 8-bit GEMM kernels (q8): int8 weights quantized per row of W, i.e. per output (one f32 scale each), activations
// quantized per row at run time, products summed in int32 and scaled back to f32 in the epilogue. Two kernels
// compute the same int32 sums, so they give the same answers bit for bit; each reads its own packing:
// - c2 (SIMD128): WebAssembly SIMD has no 8-bit dot product, so operands are widened to int16 and multiplied
//   by i32x4.dot_i16x8_s, 2 k steps per 32-bit lane;
// - c4 (relaxed SIMD): i32x4.relaxed_dot_i8x16_i7x16_add_s, 4 k steps per lane. Its second operand is 7-bit
//   ([0, 127]: engines read it as signed or unsigned), so activations are split into their positive and
//   negative parts, a = a+ - a-, and a . w = a+ . w + a- . (-w): two dot products, exact int32 sums.
// Each comes in two forms of activations: q8, symmetric 8-bit as above, and a7, asymmetric 7-bit per row,
// q = clamp(round(x / scale) + zero, 0, 127) with scale = (max(x, 0) - min(x, 0)) / 127 and
// zero = round(-min(x, 0) / scale), so that x ~ scale * (q - zero) and a . w = scale * (q . w - zero * sum(w)).
// For an input far from symmetric (the FFN output's, after GELU: >= -0.17) a7's 128 steps over [min, max]
// are as fine as q8's 255 over [-max, max], and q is relaxed SIMD's 7-bit operand as it is: one dot product
// per 4 k steps instead of two. a7 packings end each row tile with its rows' zero points and each weight
// panel with its columns' weight sums (int32).
// The tiling follows the f32 GEMM (gemm.h): panels of kGemmNR columns, tiles of kGemmMR rows. Packed rows
// are bytes whose layout belongs to the kernel.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/gemm.h"

namespace bert {

// Symmetric quantization of one row: q = round(x / scale) in [-127, 127], scale = max|x| / 127 (0 for a
// row of zeros). Returns the scale.
float QuantizeRowQ8(int k, const float* x, int8_t* q);

// a7 quantization of one row (values in [0, 127], `zero` its zero point). Returns the scale.
float QuantizeRowA7(int k, const float* x, uint8_t* q, int* zero);

// Microkernel: C[mr x nc] = (A_q * W_q^T) * a_scale[row] * w_scale[col] + bias[col], for one packed row
// tile (`a`, `a_scales`) and one panel (`panel`, and its kGemmNR scales and biases).
using GemmQ8Microkernel = void (*)(int mr, int nc, int k, const int8_t* a, const float* a_scales,
                                   const int8_t* panel, const float* w_scales, const float* bias, float* c,
                                   size_t ldc);

// c2 packing. Weight panels: for each group of kGemmNR columns, each pair of k steps as 2 * kGemmNR bytes
// (column 0's two weights, column 1's, ...); k is padded to even, n to whole panels, with zeros.
// Activations: each kGemmMR-row tile as k/2 steps of kGemmMR int16 pairs (rows past m repeat the last),
// with one scale per row into `scales` (padded the same way): the rows quantized per row.
size_t PackedWeightsQ8C2Size(int n, int k);
void PackWeightsQ8C2(int n, int k, const int8_t* w, size_t ldw, int8_t* packed);
size_t PackedRowsQ8C2Size(int m, int k);  // bytes
void QuantizeRowsQ8C2(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales);
void GemmQ8_4x8c2_Scalar(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc);
void GemmQ8_4x8c2_WasmSimd(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                           const float* w_scales, const float* bias, float* c, size_t ldc);

// c4 packing. Weight panels: for each group of kGemmNR columns, each group of 4 k steps as columns 0-3's four
// weights, then columns 4-7's (two v128); k is padded to a multiple of 4, n to whole panels, with zeros.
// Activations: each kGemmMR-row tile as k/4 groups of 4 rows x 4 bytes of a+ (max(q, 0)), then the same of
// a- (max(-q, 0)), q as QuantizeRowQ8 gives it; scales as in c2.
size_t PackedWeightsQ8C4Size(int n, int k);
void PackWeightsQ8C4(int n, int k, const int8_t* w, size_t ldw, int8_t* packed);
size_t PackedRowsQ8C4Size(int m, int k);  // bytes
void QuantizeRowsQ8C4(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales);
void GemmQ8_4x8c4_Scalar(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc);
void GemmQ8_4x8c4_WasmRelaxed(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                              const float* w_scales, const float* bias, float* c, size_t ldc);

// a7 forms of both: the c2 and c4 layouts of q (c4 without an a- part), then the tails above.
size_t PackedWeightsQ8C2A7Size(int n, int k);
void PackWeightsQ8C2A7(int n, int k, const int8_t* w, size_t ldw, int8_t* packed);
size_t PackedRowsQ8C2A7Size(int m, int k);
void QuantizeRowsQ8C2A7(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales);
void GemmQ8_4x8c2a7_Scalar(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                           const float* w_scales, const float* bias, float* c, size_t ldc);
void GemmQ8_4x8c2a7_WasmSimd(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                             const float* w_scales, const float* bias, float* c, size_t ldc);
size_t PackedWeightsQ8C4A7Size(int n, int k);
void PackWeightsQ8C4A7(int n, int k, const int8_t* w, size_t ldw, int8_t* packed);
size_t PackedRowsQ8C4A7Size(int m, int k);
void QuantizeRowsQ8C4A7(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales);
void GemmQ8_4x8c4a7_Scalar(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                           const float* w_scales, const float* bias, float* c, size_t ldc);
void GemmQ8_4x8c4a7_WasmRelaxed(int mr, int nc, int k, const int8_t* a, const float* a_scales, const int8_t* panel,
                                const float* w_scales, const float* bias, float* c, size_t ldc);

// A q8 GEMM as a unit: a microkernel, its scalar reference, and the packings both read.
struct GemmQ8 {
  size_t (*packed_weights_size)(int n, int k);
  void (*pack_weights)(int n, int k, const int8_t* w, size_t ldw, int8_t* packed);
  size_t (*packed_rows_size)(int m, int k);
  void (*quantize_rows)(int m, int k, const float* a, size_t lda, int8_t* packed, float* scales);
  GemmQ8Microkernel kernel;
  GemmQ8Microkernel reference;
};

inline constexpr GemmQ8 kGemmQ8C2{PackedWeightsQ8C2Size, PackWeightsQ8C2,     PackedRowsQ8C2Size,
                                  QuantizeRowsQ8C2,      GemmQ8_4x8c2_WasmSimd, GemmQ8_4x8c2_Scalar};
inline constexpr GemmQ8 kGemmQ8C4{PackedWeightsQ8C4Size, PackWeightsQ8C4,        PackedRowsQ8C4Size,
                                  QuantizeRowsQ8C4,      GemmQ8_4x8c4_WasmRelaxed, GemmQ8_4x8c4_Scalar};
inline constexpr GemmQ8 kGemmQ8C2A7{PackedWeightsQ8C2A7Size, PackWeightsQ8C2A7,       PackedRowsQ8C2A7Size,
                                    QuantizeRowsQ8C2A7,      GemmQ8_4x8c2a7_WasmSimd, GemmQ8_4x8c2a7_Scalar};
inline constexpr GemmQ8 kGemmQ8C4A7{PackedWeightsQ8C4A7Size, PackWeightsQ8C4A7,          PackedRowsQ8C4A7Size,
                                    QuantizeRowsQ8C4A7,      GemmQ8_4x8c4a7_WasmRelaxed, GemmQ8_4x8c4a7_Scalar};

// out[m][n] = dot(a[m], w[n]) * scales[n] + bias[n] for int8 rows W [n][k] read in place (the tied MLM
// decoder of a q8 model: its word embeddings); the activations stay f32.
void GemvQ8_NK_Scalar(int m, int n, int k, const float* a, size_t lda, const int8_t* w, const float* scales,
                      const float* bias, float* out, size_t ldo);
void GemvQ8_NK_WasmSimd(int m, int n, int k, const float* a, size_t lda, const int8_t* w, const float* scales,
                        const float* bias, float* out, size_t ldo);

}  // namespace bert
