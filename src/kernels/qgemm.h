// 8-bit GEMM kernels (q8): int8 weights quantized per row of W, i.e. per output (one f32 scale each), activations
// quantized per row at run time, products summed in int32 and scaled back to f32 in the epilogue. The
// baseline WebAssembly SIMD has no 8-bit dot product: operands are widened to int16 and multiplied by
// i32x4.dot_i16x8_s, two k steps per lane. The tiling follows the f32 GEMM (gemm.h): panels of kGemmNR
// columns, tiles of kGemmMR rows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/gemm.h"

namespace bert {

// Symmetric quantization of one row: q = round(x / scale) in [-127, 127], scale = max|x| / 127 (0 for a
// row of zeros). Returns the scale.
float QuantizeRowQ8(int k, const float* x, int8_t* q);

// Weight panels: for each group of kGemmNR columns, each pair of k steps as 2 * kGemmNR bytes (column 0's
// two weights, column 1's, ...); k is padded to even, n to whole panels, with zeros.
size_t PackedWeightsQ8Size(int n, int k);
void PackWeightsQ8(int n, int k, const int8_t* w, size_t ldw, int8_t* packed);

// Activations: each kGemmMR-row tile as k/2 steps of kGemmMR int16 pairs (rows past m repeat the last),
// with one scale per row into `scales` (padded the same way): the rows quantized per row.
size_t PackedRowsQ8Size(int m, int k);  // int16 elements
void QuantizeRowsQ8(int m, int k, const float* a, size_t lda, int16_t* packed, float* scales);

// Microkernel: C[mr x nc] = (A_q * W_q^T) * a_scale[row] * w_scale[col] + bias[col], for one packed row
// tile (`a`, `a_scales`) and one panel (`panel`, and its kGemmNR scales and biases).
using GemmQ8Microkernel = void (*)(int mr, int nc, int k, const int16_t* a, const float* a_scales,
                                   const int8_t* panel, const float* w_scales, const float* bias, float* c,
                                   size_t ldc);

void GemmQ8_4x8_Scalar(int mr, int nc, int k, const int16_t* a, const float* a_scales, const int8_t* panel,
                       const float* w_scales, const float* bias, float* c, size_t ldc);
void GemmQ8_4x8_WasmSimd(int mr, int nc, int k, const int16_t* a, const float* a_scales, const int8_t* panel,
                         const float* w_scales, const float* bias, float* c, size_t ldc);

// out[m][n] = dot(a[m], w[n]) * scales[n] + bias[n] for int8 rows W [n][k] read in place (the tied MLM
// decoder of a q8 model: its word embeddings); the activations stay f32.
void GemvQ8_NK_Scalar(int m, int n, int k, const float* a, size_t lda, const int8_t* w, const float* scales,
                      const float* bias, float* out, size_t ldo);
void GemvQ8_NK_WasmSimd(int m, int n, int k, const float* a, size_t lda, const int8_t* w, const float* scales,
                        const float* bias, float* out, size_t ldo);

}  // namespace bert
