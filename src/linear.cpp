#include "linear.h"

#include <algorithm>
#include <vector>

#include "kernels/vector_ops.h"

namespace bert {
namespace {

// Work split: a task is kRowsPerTask rows x kPanelsPerTask panels of C; within it each panel is
// streamed once from memory and reused from L1/L2 across the task's rows. Sizes chosen by A/B runs of
// bert-bench gemm (blocking K as well measured no better: it was removed).
constexpr int kRowsPerTask = 32;
constexpr int kPanelsPerTask = 8;

void ApplyEpilogue(Epilogue epilogue, int mr, int nc, float* c, size_t ldc, const float* residual) {
  for (int i = 0; i < mr; ++i) {
    float* row = c + i * ldc;
    switch (epilogue) {
      case Epilogue::kNone: return;
      case Epilogue::kGelu: GeluF32_WasmSimd(nc, row); break;
      case Epilogue::kGeluTanh: GeluTanhF32_WasmSimd(nc, row); break;
      case Epilogue::kRelu: ReluF32_WasmSimd(nc, row); break;
      case Epilogue::kAddResidual: {
        const float* r = residual + i * ldc;
        for (int j = 0; j < nc; ++j) row[j] += r[j];
        break;
      }
    }
  }
}

}  // namespace

Epilogue EpilogueFor(Activation act) {
  switch (act) {
    case Activation::kGelu: return Epilogue::kGelu;
    case Activation::kGeluTanh: return Epilogue::kGeluTanh;
    case Activation::kRelu: return Epilogue::kRelu;
  }
  return Epilogue::kGelu;
}

Linear PackLinear(int n, int k, const float* weight, const float* bias) {
  Linear linear{n, k, std::vector<float>(PackedWeightsSize(n, k))};
  PackWeightsNK(n, k, weight, static_cast<size_t>(k), bias, linear.packed.data());
  return linear;
}

void GemmPacked(int m, int n, int k, const float* a, size_t lda, const float* packed, float* c, size_t ldc,
                float* rows_scratch, GemmMicrokernel kernel) {
  PackRowsMR(m, k, a, lda, rows_scratch);
  const size_t panel_size = static_cast<size_t>(kGemmNR) * (static_cast<size_t>(k) + 1);
  const size_t tile_size = static_cast<size_t>(kGemmMR) * k;
  for (int n0 = 0; n0 < n; n0 += kGemmNR) {
    const float* panel = packed + static_cast<size_t>(n0 / kGemmNR) * panel_size;
    const int nc = std::min(kGemmNR, n - n0);
    for (int m0 = 0; m0 < m; m0 += kGemmMR) {
      kernel(std::min(kGemmMR, m - m0), nc, k, rows_scratch + m0 / kGemmMR * tile_size, panel, c + m0 * ldc + n0, ldc);
    }
  }
}

void LinearForward(ThreadPool& pool, int m, const float* a, size_t lda, const Linear& w, float* c, size_t ldc,
                   Epilogue epilogue, const float* residual, GemmMicrokernel kernel) {
  const int row_blocks = (m + kRowsPerTask - 1) / kRowsPerTask;
  const int panels = (w.n + kGemmNR - 1) / kGemmNR;
  const int col_blocks = (panels + kPanelsPerTask - 1) / kPanelsPerTask;
  const size_t panel_size = static_cast<size_t>(kGemmNR) * (static_cast<size_t>(w.k) + 1);
  const size_t tile_size = static_cast<size_t>(kGemmMR) * w.k;

  pool.Run(static_cast<size_t>(row_blocks) * col_blocks, [&](size_t task, int) {
    const int row_begin = static_cast<int>(task % row_blocks) * kRowsPerTask;
    const int row_end = std::min(m, row_begin + kRowsPerTask);
    const int panel_begin = static_cast<int>(task / row_blocks) * kPanelsPerTask;
    const int panel_end = std::min(panels, panel_begin + kPanelsPerTask);
    // Each thread's own buffer for its task's rows, packed once and used for every panel of the task.
    thread_local std::vector<float> rows;
    if (rows.size() < PackedRowsSize(kRowsPerTask, w.k)) rows.resize(PackedRowsSize(kRowsPerTask, w.k));
    PackRowsMR(row_end - row_begin, w.k, a + row_begin * lda, lda, rows.data());
    for (int p = panel_begin; p < panel_end; ++p) {
      const float* panel = w.packed.data() + static_cast<size_t>(p) * panel_size;
      const int n0 = p * kGemmNR;
      const int nc = std::min(kGemmNR, w.n - n0);
      for (int m0 = row_begin; m0 < row_end; m0 += kGemmMR) {
        const int mr = std::min(kGemmMR, row_end - m0);
        float* tile = c + m0 * ldc + n0;
        kernel(mr, nc, w.k, rows.data() + (m0 - row_begin) / kGemmMR * tile_size, panel, tile, ldc);
        ApplyEpilogue(epilogue, mr, nc, tile, ldc, residual ? residual + m0 * ldc + n0 : nullptr);
      }
    }
  });
}

}  // namespace bert
