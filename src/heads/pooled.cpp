#include "heads/pooled.h"

#include "kernels/vector_ops.h"

namespace bert {

void Pool(ThreadPool& pool, const Linear& pooler, int m, const float* cls, float* pooled) {
  const auto h = static_cast<size_t>(pooler.k);
  LinearForward(pool, m, cls, h, pooler, pooled, h);
  TanhF32_WasmSimd(m * pooler.k, pooled);
}

void SequenceLogits(ThreadPool& pool, const Weights& weights, int m, const float* cls, float* scratch, float* logits) {
  const Linear& classifier = *weights.classifier;
  const auto h = static_cast<size_t>(classifier.k);
  if (weights.pre_classifier) {
    LinearForward(pool, m, cls, h, *weights.pre_classifier, scratch, h, Epilogue::kRelu);
  } else {
    Pool(pool, *weights.pooler, m, cls, scratch);
  }
  LinearForward(pool, m, scratch, h, classifier, logits, static_cast<size_t>(classifier.n));
}

void NextSentenceLogits(ThreadPool& pool, const Weights& weights, int m, const float* cls, float* scratch,
                        float* logits) {
  Pool(pool, *weights.pooler, m, cls, scratch);
  LinearForward(pool, m, scratch, static_cast<size_t>(weights.pooler->k), *weights.next_sentence, logits, 2);
}

}  // namespace bert
