// Hidden states and sentence embeddings: the encoder's output per token, pooled per text as
// sentence-transformers does, and the settings a sentence-transformers folder gives.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "nn/network.h"
#include "text/tokenizer.h"

namespace bert {

struct EncoderOutput {
  int tokens = 0;
  std::vector<float> last_hidden_state;  // [tokens x hidden]
  std::vector<float> pooled;             // [hidden] tanh(pooler([CLS])); empty without a pooler
  std::vector<float> attentions;         // [layers][heads][tokens][tokens] when requested
};

// Runs the encoder over a batch; each sequence gets exactly its unbatched result.
Status RunEncoder(Network& net, std::span<const TokenizedText> batch, bool output_attentions,
                  std::vector<EncoderOutput>* out);

// sentence-transformers' pooling modes: every token's vector (kNone), [CLS], mean, max, or the sum
// divided by the square root of the length.
enum class Pooling { kNone, kCls, kMean, kMax, kMeanSqrtLen };

struct EmbeddingOptions {
  Pooling pooling = Pooling::kMean;
  bool normalize = false;  // L2, as sentence-transformers' Normalize module
};

// What a sentence-transformers folder says: its pooling, whether it normalizes, and its max_seq_length.
struct SentenceTransformersConfig {
  EmbeddingOptions embedding;
  size_t max_seq_length = 0;  // 0 when the folder does not say
};

// Reads modules.json, the Pooling module's config.json and sentence_bert_config.json (either may be
// empty; `modules_json` empty means the folder is not a sentence-transformers one and leaves `out` alone).
Status ParseSentenceTransformers(std::string_view modules_json, std::string_view pooling_json,
                                 std::string_view sentence_bert_config_json, SentenceTransformersConfig* out);

// The Pooling module's folder named by modules.json ("1_Pooling"), or empty.
std::string PoolingFolder(std::string_view modules_json);

// Embeddings as one flat array: dims = [batch, hidden], or [batch, max_tokens, hidden] for kNone
// (shorter sequences zero-padded).
struct Embeddings {
  std::vector<float> data;
  std::vector<size_t> dims;
};

Status Embed(Network& net, std::span<const TokenizedText> batch, const EmbeddingOptions& options, Embeddings* out);

}  // namespace bert
