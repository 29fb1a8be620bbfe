// A fully connected layer with weights packed once at load, run as tiled GEMM microkernels across a
// thread pool, with the bias applied in the tile and the activation or residual on each task's block
// of the output while it is in cache. Its weights are f32 (bias folded into the panels) or q8 (int8 per
// output, activations quantized per row at run time: kernels/qgemm.h).
#pragma once

#include <cstddef>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/gemm.h"
#include "kernels/microkernels.h"
#include "kernels/qgemm.h"
#include "nn/config.h"

namespace bert {

struct Linear {
  int n = 0;                       // outputs
  int k = 0;                       // inputs
  std::vector<float> packed;       // f32: PackWeightsNK panels, bias included
  const GemmQ8* q8 = nullptr;      // q8: the GEMM whose packing packed_q8 holds
  std::vector<int8_t> packed_q8;   // q8: its weight panels
  std::vector<float> scales, bias; // q8: per output, padded to whole panels

  bool quantized() const { return q8 != nullptr; }
};

// Packs a PyTorch Linear weight [n][k] and bias[n] (bias may be null).
Linear PackLinear(int n, int k, const float* weight, const float* bias);
// The same from int8 rows [n][k] with one scale per row (QuantizeRowQ8's), for `gemm` (this build's).
Linear PackLinearQ8(int n, int k, const int8_t* weight, const float* scales, const float* bias,
                    const GemmQ8& gemm = *ActiveMicrokernels().gemm_q8);

enum class Epilogue { kNone, kGelu, kGeluTanh, kRelu, kAddResidual };
Epilogue EpilogueFor(Activation act);

// Which kernels compute a product: the fast ones, or their scalar references (the tests compare the two).
enum class Kernels { kFast, kReference };

// c[m x n] = epilogue(a[m x k] * W^T + bias). With kAddResidual, `residual` (row stride ldc) is added.
void LinearForward(ThreadPool& pool, int m, const float* a, size_t lda, const Linear& w, float* c, size_t ldc,
                   Epilogue epilogue = Epilogue::kNone, const float* residual = nullptr,
                   Kernels kernels = Kernels::kFast);

// The same product over raw packed panels (attention's per-head K and V), single-threaded; the rows
// of A are packed into `rows_scratch` (PackedRowsSize(m, k) floats).
void GemmPacked(int m, int n, int k, const float* a, size_t lda, const float* packed, float* c, size_t ldc,
                float* rows_scratch, GemmMicrokernel kernel = ActiveMicrokernels().gemm_f32);

}  // namespace bert
