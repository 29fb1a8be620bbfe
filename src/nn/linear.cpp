#include "nn/linear.h"

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

// Visits the C tiles of rows [row_begin, row_end) x panels [panel_begin, panel_end): `product(panel,
// tile_index, mr, nc, c_tile)` computes one. Each panel is read once and reused from L1 across the rows.
// Then the epilogue runs on the whole block while it is in cache, a call per row of the block rather
// than per row of a tile: GELU costs less per element on long rows than on a tile's 8 columns.
template <typename TileProduct>
void ForEachTile(int row_begin, int row_end, int panel_begin, int panel_end, int n, float* c, size_t ldc,
                 Epilogue epilogue, const float* residual, TileProduct product) {
  for (int p = panel_begin; p < panel_end; ++p) {
    const int n0 = p * kGemmNR;
    const int nc = std::min(kGemmNR, n - n0);
    for (int m0 = row_begin; m0 < row_end; m0 += kGemmMR) {
      product(p, (m0 - row_begin) / kGemmMR, std::min(kGemmMR, row_end - m0), nc, c + m0 * ldc + n0);
    }
  }
  const size_t first = row_begin * ldc + panel_begin * kGemmNR;
  ApplyEpilogue(epilogue, row_end - row_begin, std::min(n, panel_end * kGemmNR) - panel_begin * kGemmNR, c + first, ldc,
                residual ? residual + first : nullptr);
}

// The f32 tiles, from A rows packed from row_begin on.
void ComputeTiles(int row_begin, int row_end, int panel_begin, int panel_end, int n, int k, const float* rows,
                  const float* packed, float* c, size_t ldc, Epilogue epilogue, const float* residual,
                  GemmMicrokernel kernel) {
  const size_t panel_size = static_cast<size_t>(kGemmNR) * (static_cast<size_t>(k) + 1);
  const size_t tile_size = static_cast<size_t>(kGemmMR) * k;
  ForEachTile(row_begin, row_end, panel_begin, panel_end, n, c, ldc, epilogue, residual,
              [&](int p, int t, int mr, int nc, float* tile) {
                kernel(mr, nc, k, rows + t * tile_size, packed + p * panel_size, tile, ldc);
              });
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
  Linear linear;
  linear.n = n;
  linear.k = k;
  linear.packed.resize(PackedWeightsSize(n, k));
  PackWeightsNK(n, k, weight, static_cast<size_t>(k), bias, linear.packed.data());
  return linear;
}

Linear PackLinearQ8(int n, int k, const int8_t* weight, const float* scales, const float* bias, const GemmQ8& gemm) {
  const size_t padded = static_cast<size_t>((n + kGemmNR - 1) / kGemmNR * kGemmNR);
  Linear linear;
  linear.n = n;
  linear.k = k;
  linear.q8 = &gemm;
  linear.packed_q8.resize(gemm.packed_weights_size(n, k));
  linear.scales.resize(padded);
  linear.bias.resize(padded);
  gemm.pack_weights(n, k, weight, static_cast<size_t>(k), linear.packed_q8.data());
  std::copy_n(scales, n, linear.scales.begin());
  if (bias) std::copy_n(bias, n, linear.bias.begin());
  return linear;
}

void GemmPacked(int m, int n, int k, const float* a, size_t lda, const float* packed, float* c, size_t ldc,
                float* rows_scratch, GemmMicrokernel kernel) {
  PackRowsMR(m, k, a, lda, rows_scratch);
  ComputeTiles(0, m, 0, (n + kGemmNR - 1) / kGemmNR, n, k, rows_scratch, packed, c, ldc, Epilogue::kNone, nullptr,
               kernel);
}

void LinearForward(ThreadPool& pool, int m, const float* a, size_t lda, const Linear& w, float* c, size_t ldc,
                   Epilogue epilogue, const float* residual, Kernels kernels) {
  const int row_blocks = (m + kRowsPerTask - 1) / kRowsPerTask;
  const int panels = (w.n + kGemmNR - 1) / kGemmNR;
  const int col_blocks = (panels + kPanelsPerTask - 1) / kPanelsPerTask;
  const size_t tasks = static_cast<size_t>(row_blocks) * col_blocks;
  auto task_rows = [&](size_t task) { return static_cast<int>(task % row_blocks) * kRowsPerTask; };
  auto task_panels = [&](size_t task) { return static_cast<int>(task / row_blocks) * kPanelsPerTask; };

  // A's rows are packed (q8: quantized) once, in parallel, into the calling thread's buffer (grown to the
  // largest layer once, then reused), and read by every task of their row block.
  if (w.quantized()) {
    const GemmQ8& gemm = *w.q8;
    const GemmQ8Microkernel q8_kernel = kernels == Kernels::kFast ? gemm.kernel : gemm.reference;
    const size_t tile_size = gemm.packed_rows_size(kGemmMR, w.k);
    const size_t panel_size = gemm.packed_weights_size(kGemmNR, w.k);
    thread_local std::vector<uint8_t> rows;
    thread_local std::vector<float> row_scales;
    rows.resize(std::max(rows.size(), gemm.packed_rows_size(m, w.k)));
    row_scales.resize(std::max(row_scales.size(), static_cast<size_t>(row_blocks) * kRowsPerTask));
    uint8_t* packed_rows = rows.data();
    float* scales = row_scales.data();
    pool.Run(static_cast<size_t>(row_blocks), [&](size_t block, int) {
      const int row_begin = static_cast<int>(block) * kRowsPerTask;
      gemm.quantize_rows(std::min(kRowsPerTask, m - row_begin), w.k, a + row_begin * lda, lda,
                         packed_rows + row_begin / kGemmMR * tile_size, scales + row_begin);
    });
    pool.Run(tasks, [&](size_t task, int) {
      const int row_begin = task_rows(task), panel_begin = task_panels(task);
      const uint8_t* block = packed_rows + row_begin / kGemmMR * tile_size;
      ForEachTile(row_begin, std::min(m, row_begin + kRowsPerTask), panel_begin,
                  std::min(panels, panel_begin + kPanelsPerTask), w.n, c, ldc, epilogue, residual,
                  [&](int p, int t, int mr, int nc, float* tile) {
                    q8_kernel(mr, nc, w.k, block + t * tile_size, scales + row_begin + t * kGemmMR,
                              w.packed_q8.data() + p * panel_size, w.scales.data() + p * kGemmNR,
                              w.bias.data() + p * kGemmNR, tile, ldc);
                  });
    });
    return;
  }

  const GemmMicrokernel kernel = kernels == Kernels::kFast ? ActiveMicrokernels().gemm_f32 : GemmF32_4x8_Scalar;
  const size_t tile_size = static_cast<size_t>(kGemmMR) * w.k;
  thread_local std::vector<float> rows;
  rows.resize(std::max(rows.size(), PackedRowsSize(m, w.k)));
  float* packed_rows = rows.data();
  pool.Run(static_cast<size_t>(row_blocks), [&](size_t block, int) {
    const int row_begin = static_cast<int>(block) * kRowsPerTask;
    PackRowsMR(std::min(kRowsPerTask, m - row_begin), w.k, a + row_begin * lda, lda,
               packed_rows + row_begin / kGemmMR * tile_size);
  });
  pool.Run(tasks, [&](size_t task, int) {
    const int row_begin = task_rows(task), panel_begin = task_panels(task);
    ComputeTiles(row_begin, std::min(m, row_begin + kRowsPerTask), panel_begin,
                 std::min(panels, panel_begin + kPanelsPerTask), w.n, w.k,
                 packed_rows + row_begin / kGemmMR * tile_size, w.packed.data(), c, ldc, epilogue, residual, kernel);
  });
}

}  // namespace bert
