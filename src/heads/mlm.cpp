#include "heads/mlm.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/qgemm.h"
#include "kernels/vector_ops.h"
#include "nn/linear.h"

namespace bert {

void MlmLogits(ThreadPool& pool, const Config& config, const Weights& weights, int m, const float* rows,
               float* transformed, float* logits) {
  const MlmHeadWeights& head = *weights.mlm;
  const int h = config.hidden_size, v = config.vocab_size;
  LinearForward(pool, m, rows, h, head.transform, transformed, h, EpilogueFor(config.hidden_act));
  for (int i = 0; i < m; ++i) {
    float* row = transformed + static_cast<size_t>(i) * h;
    LayerNormF32_WasmSimd(h, row, head.transform_norm.gamma.data(), head.transform_norm.beta.data(),
                          config.layer_norm_eps, row);
  }
  // The decoder reads the [V x H] matrix in place (it may be the word embeddings): one pass over the
  // matrix serves every mask row.
  constexpr int kVocabPerTask = 1024;
  const RowMatrix& decoder = weights.decoder();
  // A q8 decoder takes the rows as int16 (qgemm.h), quantized once for every task.
  std::vector<int16_t> rows_i16;
  std::vector<float> row_scales;
  if (decoder.quantized()) {
    rows_i16.resize(static_cast<size_t>(m) * h);
    row_scales.resize(static_cast<size_t>(m));
    for (int i = 0; i < m; ++i) {
      const size_t row = static_cast<size_t>(i) * h;
      row_scales[i] = QuantizeRowI16(h, transformed + row, rows_i16.data() + row);
    }
  }
  pool.Run(static_cast<size_t>((v + kVocabPerTask - 1) / kVocabPerTask), [&](size_t task, int) {
    const int begin = static_cast<int>(task) * kVocabPerTask;
    const int n = std::min(kVocabPerTask, v - begin);
    const size_t first = static_cast<size_t>(begin) * h;
    if (decoder.quantized()) {
      GemvQ8_NK_WasmSimd(m, n, h, rows_i16.data(), row_scales.data(), decoder.q8.values.data() + first,
                         decoder.q8.scales.data() + begin, head.bias.data() + begin, logits + begin,
                         static_cast<size_t>(v));
    } else {
      GemvF32_NK_WasmSimd(m, n, h, transformed, h, decoder.f32.data() + first, head.bias.data() + begin,
                          logits + begin, static_cast<size_t>(v));
    }
  });
}

std::vector<TokenScore> TopKSoftmax(std::span<const float> logits, int k) {
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
  const double log_z = max + std::log(sum);

  k = std::min<int>(k, static_cast<int>(logits.size()));
  std::vector<int32_t> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  std::vector<TokenScore> top(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) top[i] = {ids[i], static_cast<float>(std::exp(logits[ids[i]] - log_z))};
  return top;
}

}  // namespace bert
