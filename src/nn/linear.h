// A fully connected layer with weights packed once at load, run as tiled GEMM microkernels across a
// thread pool, with the bias folded into the panels and the activation or residual fused per tile.
#pragma once

#include <cstddef>
#include <vector>

#include "nn/config.h"
#include "kernels/gemm.h"
#include "core/thread_pool.h"

namespace bert {

struct Linear {
  int n = 0;                  // outputs
  int k = 0;                  // inputs
  std::vector<float> packed;  // PackWeightsNK panels, bias included
};

// Packs a PyTorch Linear weight [n][k] and bias[n] (bias may be null).
Linear PackLinear(int n, int k, const float* weight, const float* bias);

enum class Epilogue { kNone, kGelu, kGeluTanh, kRelu, kAddResidual };
Epilogue EpilogueFor(Activation act);

// c[m x n] = epilogue(a[m x k] * W^T + bias). With kAddResidual, `residual` (row stride ldc) is added.
void LinearForward(ThreadPool& pool, int m, const float* a, size_t lda, const Linear& w, float* c, size_t ldc,
                   Epilogue epilogue = Epilogue::kNone, const float* residual = nullptr,
                   GemmMicrokernel kernel = GemmF32_4x8_WasmSimd);

// The same product over raw packed panels (attention's per-head K and V), single-threaded; the rows
// of A are packed into `rows_scratch` (PackedRowsSize(m, k) floats).
void GemmPacked(int m, int n, int k, const float* a, size_t lda, const float* packed, float* c, size_t ldc,
                float* rows_scratch, GemmMicrokernel kernel = GemmF32_4x8_WasmSimd);

}  // namespace bert
