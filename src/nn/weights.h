// The weights in compute form (f32, or q8: see io/tensors.h), GEMM weights packed into panels, Q/K/V
// fused, and the heads the checkpoint carries. Tensor names are written once per family, in weights.cpp's
// table, which also says which tensors a q8 model quantizes.
#pragma once

#include <optional>
#include <vector>

#include "core/status.h"
#include "io/tensors.h"
#include "nn/config.h"
#include "nn/linear.h"

namespace bert {

// A [rows x cols] matrix read a row at a time (the word embeddings, the MLM decoder): f32, or q8 rows.
struct RowMatrix {
  std::vector<float> f32;
  QuantizedRows q8;

  bool quantized() const { return !q8.values.empty(); }
  bool empty() const { return f32.empty() && q8.values.empty(); }
};

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
  RowMatrix decoder;           // [V x H]; empty when tied to the word embeddings
  std::vector<float> bias;     // [V]
};

struct Weights {
  RowMatrix word_embeddings;                 // [V x H]
  std::vector<float> position_embeddings;    // [P x H]
  std::vector<float> token_type_embeddings;  // [types x H]; empty for families without token types
  LayerNormWeights embedding_norm;
  std::vector<LayerWeights> layers;
  std::optional<Linear> pooler;          // BERT: tanh(dense([CLS])), the input of NSP and classification
  std::optional<MlmHeadWeights> mlm;     // masked-LM head
  std::optional<Linear> next_sentence;   // BERT's NSP head on the pooled output [2 x H]: IsNext, NotNext
  std::optional<Linear> pre_classifier;  // DistilBERT: ReLU(dense([CLS])) before the classifier
  std::optional<Linear> classifier;      // [labels x H]: on the pooled [CLS] or on every token (config.head)
  std::optional<Linear> qa_outputs;      // [2 x H] on every token: start and end logits

  // The MLM decoder matrix [V x H]: stored, or tied to the word embeddings.
  const RowMatrix& decoder() const { return mlm && !mlm->decoder.empty() ? mlm->decoder : word_embeddings; }
};

// Takes every tensor the model uses out of `tensors` (moving, not copying), checking names, dtypes and
// shapes against `config`, and packs the GEMM weights. Names may carry the family's prefix ("bert.",
// "distilbert.") or not; legacy LayerNorm gamma/beta and a stored or tied MLM decoder are accepted;
// unused tensors (position_ids, heads of other architectures) are ignored.
Status LoadWeights(TensorMap& tensors, const Config& config, Weights* out);

// Whether a q8 model keeps this tensor as int8 rows: every matrix but the position and token-type
// embeddings (small, and added to every token as they are).
bool QuantizedInQ8(const Config& config, std::string_view name, std::span<const int64_t> shape);

}  // namespace bert
