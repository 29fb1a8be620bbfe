// The BERT weights in compute form: f32, GEMM weights packed into panels, Q/K/V fused.
#pragma once

#include <optional>
#include <vector>

#include "nn/config.h"
#include "nn/linear.h"
#include "io/safetensors.h"
#include "core/status.h"

namespace bert {

struct LayerNormWeights {
  std::vector<float> gamma, beta;
};

struct LayerWeights {
  Linear qkv;  // [3H x H]: query, key and value in one product
  Linear attention_output;
  LayerNormWeights attention_norm;
  Linear intermediate;  // [I x H]
  Linear output;        // [H x I]
  LayerNormWeights output_norm;
};

struct MlmHeadWeights {
  Linear transform;  // [H x H], followed by the activation and transform_norm
  LayerNormWeights transform_norm;
  std::vector<float> decoder;  // [V x H]; empty when tied to the word embeddings
  std::vector<float> bias;     // [V]
};

struct Weights {
  std::vector<float> word_embeddings;        // [V x H]
  std::vector<float> position_embeddings;    // [P x H]
  std::vector<float> token_type_embeddings;  // [types x H]
  LayerNormWeights embedding_norm;
  std::vector<LayerWeights> layers;
  std::optional<Linear> pooler;         // BertModel / pretraining checkpoints
  std::optional<MlmHeadWeights> mlm;    // BertForMaskedLM checkpoints

  // The MLM decoder matrix [V x H]: stored, or tied to the word embeddings.
  const float* decoder() const { return mlm && !mlm->decoder.empty() ? mlm->decoder.data() : word_embeddings.data(); }
};

// Takes every tensor the model uses out of `tensors` (moving, not copying), checking names, dtypes and
// shapes against `config`, and packs the GEMM weights. Accepts BertForMaskedLM ("bert." prefix) and
// BertModel (bare) names, legacy LayerNorm gamma/beta, and a stored or tied MLM decoder. Unused
// tensors (NSP head, position_ids) are ignored.
Status LoadWeights(TensorMap& tensors, const Config& config, Weights* out);

}  // namespace bert
