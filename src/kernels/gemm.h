// f32 GEMM kernels, XNNPACK style: weights packed once into panels of kGemmNR output columns
// (kGemmNR biases, then K rows of kGemmNR weights), and microkernels that compute an MR x NR tile of
// C = A * W^T + bias in registers. Kernels are pure functions: no allocation, no threads, no globals.
// One kernel per file: packing and the 4x8 kernels in kernels/f32_gemm/, the GEMV in kernels/f32_gemv/.
#pragma once

#include <cstddef>

namespace bert {

constexpr int kGemmNR = 8;  // output columns per packed panel (two v128 registers)
constexpr int kGemmMR = 4;  // rows per register tile

// Floats needed to pack an n x k weight matrix (panels padded to kGemmNR columns with zeros).
size_t PackedWeightsSize(int n, int k);

// Packs W stored as [n][k] (PyTorch Linear layout, row stride ldw) with an optional bias[n].
void PackWeightsNK(int n, int k, const float* w, size_t ldw, const float* bias, float* packed);

// Packs W stored as [k][n] (row stride ldw), bias zero: used for attention's V.
void PackWeightsKN(int n, int k, const float* w, size_t ldw, float* packed);

// A packed per 4-row tile: k steps of kGemmMR floats (rows past m repeat the last row). The
// microkernel then broadcasts all four rows from one pointer, and V8 folds the offsets into the loads
// instead of computing an address per row (its x64 code: ~2 integer ops per k step instead of ~5).
size_t PackedRowsSize(int m, int k);
void PackRowsMR(int m, int k, const float* a, size_t lda, float* packed);

// Microkernel signature: C[mr x nc] = A[mr x k] * panel + bias, mr <= kGemmMR, nc <= kGemmNR, where
// `a` is one packed row tile and `panel` one packed weight panel; C rows have stride ldc.
using GemmMicrokernel = void (*)(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc);

void GemmF32_4x8_Scalar(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc);
void GemmF32_4x8_WasmSimd(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc);
// The same with relaxed SIMD's multiply-add (fused where the CPU has FMA).
void GemmF32_4x8_WasmRelaxed(int mr, int nc, int k, const float* a, const float* panel, float* c, size_t ldc);

// out[m][n] = dot(a[m], w[n]) + bias[n] for W stored unpacked as [n][k]: the MLM decoder at a few
// [MASK] rows, where packing the 30522 x H matrix would cost a copy of the word embeddings.
void GemvF32_NK_Scalar(int m, int n, int k, const float* a, size_t lda, const float* w, const float* bias, float* out,
                       size_t ldo);
void GemvF32_NK_WasmSimd(int m, int n, int k, const float* a, size_t lda, const float* w, const float* bias,
                         float* out, size_t ldo);

}  // namespace bert
