// The heads on a sequence's [CLS] row: BERT's pooler (tanh of a dense layer), next-sentence prediction on
// the pooled output, and sequence classification (BERT: classifier on the pooled output; DistilBERT:
// classifier on ReLU(pre_classifier([CLS]))).
#pragma once

#include "core/thread_pool.h"
#include "nn/weights.h"

namespace bert {

// pooled[m x H] = tanh(pooler(cls[m x H])); rows of both are H apart.
void Pool(ThreadPool& pool, const Linear& pooler, int m, const float* cls, float* pooled);

// logits[m x labels] for m [CLS] rows; `scratch` holds m x H floats.
void SequenceLogits(ThreadPool& pool, const Weights& weights, int m, const float* cls, float* scratch, float* logits);

// logits[m x 2] (IsNext, NotNext) for m [CLS] rows; `scratch` holds m x H floats.
void NextSentenceLogits(ThreadPool& pool, const Weights& weights, int m, const float* cls, float* scratch,
                        float* logits);

}  // namespace bert
