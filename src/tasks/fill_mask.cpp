#include "tasks/fill_mask.h"

#include <algorithm>

#include "heads/mlm.h"
#include "tasks/common.h"

namespace bert {
namespace {

Status RequireMlmHead(const Network& net) {
  return RequireHead(net.weights.mlm.has_value(), net.config, "masked-LM head", "fill-mask");
}

// Runs the encoder, then the MLM head at positions[s] of each sequence s: logits [rows x V]. Without
// attentions the last layer runs for those rows alone; with them, for every row (the wanted rows are the
// same bit for bit), and `attentions` receives every layer's probabilities.
Status MaskLogits(Network& net, std::span<const TokenizedText> batch, const std::vector<std::vector<int>>& positions,
                  std::vector<float>* logits, std::vector<std::vector<float>>* attentions = nullptr) {
  const auto h = static_cast<size_t>(net.config.hidden_size), v = static_cast<size_t>(net.config.vocab_size);
  size_t rows = 0;
  for (const auto& p : positions) rows += p.size();
  std::vector<float> transformed(rows * h), gathered;
  if (attentions) {
    BERT_RETURN_IF_ERROR(net.encoder.Forward(*net.pool, batch, attentions));
    const auto segments = net.encoder.segments();
    for (size_t s = 0; s < batch.size(); ++s) {
      for (int p : positions[s]) {
        const float* row = net.encoder.hidden() + static_cast<size_t>(segments[s].offset + p) * h;
        gathered.insert(gathered.end(), row, row + h);
      }
    }
  } else {
    BERT_RETURN_IF_ERROR(net.encoder.Forward(*net.pool, batch, nullptr, positions));
  }
  const float* head_input = attentions ? gathered.data() : net.encoder.hidden();  // after Forward: it may grow
  logits->resize(rows * v);
  MlmLogits(*net.pool, net.config, net.weights, static_cast<int>(rows), head_input, transformed.data(), logits->data());
  return {};
}

Status FillMaskChunk(Network& net, const Tokenizer& tokenizer, std::span<const TokenizedText> batch, int top_k,
                     bool output_attentions, std::span<FillMaskResult> out) {
  std::vector<std::vector<int>> positions(batch.size());
  for (size_t s = 0; s < batch.size(); ++s) {
    const auto& ids = batch[s].input_ids;
    for (size_t t = 0; t < ids.size(); ++t) {
      if (ids[t] == tokenizer.mask_id()) positions[s].push_back(static_cast<int>(t));
    }
  }
  std::vector<float> logits;
  std::vector<std::vector<float>> attentions;
  BERT_RETURN_IF_ERROR(MaskLogits(net, batch, positions, &logits, output_attentions ? &attentions : nullptr));
  if (output_attentions) {
    for (size_t s = 0; s < batch.size(); ++s) {
      out[s].attentions = SequenceAttentions(attentions, net.encoder.segments(), s, net.config.num_heads);
    }
  }
  const auto v = static_cast<size_t>(net.config.vocab_size);
  size_t row = 0;
  for (size_t s = 0; s < batch.size(); ++s) {
    // Hugging Face's fill-mask pipeline decodes without special tokens only when there is one mask.
    const bool single_mask = positions[s].size() == 1;
    for (int p : positions[s]) {
      const std::span<const float> row_logits(logits.data() + row++ * v, v);
      std::vector<Prediction>& predictions = out[s].masks.emplace_back();
      for (const TokenScore& ts : TopKSoftmax(row_logits, top_k)) {
        std::vector<int32_t> filled = batch[s].input_ids;
        filled[static_cast<size_t>(p)] = ts.id;
        std::erase(filled, tokenizer.pad_id());
        predictions.push_back({ts.id, tokenizer.IdToToken(ts.id), ts.score, tokenizer.Decode(filled, single_mask)});
      }
    }
  }
  return {};
}

}  // namespace

Status FillMask(Network& net, const Tokenizer& tokenizer, std::span<const TokenizedText> batch, int top_k,
                bool output_attentions, std::vector<FillMaskResult>* out) {
  BERT_RETURN_IF_ERROR(RequireMlmHead(net));
  if (top_k < 1 || top_k > net.config.vocab_size) {
    return Error(StatusCode::kInvalidArgument, "top_k must be in [1, " + std::to_string(net.config.vocab_size) +
                                                   "] (the vocabulary), got " + std::to_string(top_k));
  }
  if (batch.empty()) return Error(StatusCode::kInvalidArgument, "empty batch");
  for (size_t s = 0; s < batch.size(); ++s) {
    if (std::find(batch[s].input_ids.begin(), batch[s].input_ids.end(), tokenizer.mask_id()) ==
        batch[s].input_ids.end()) {
      return Error(StatusCode::kNoMask, "sequence " + std::to_string(s) + " has no [MASK] token");
    }
  }
  std::vector<FillMaskResult> results(batch.size());
  BERT_RETURN_IF_ERROR(ForEachChunk(batch, [&](std::span<const TokenizedText> chunk, size_t first) {
    return FillMaskChunk(net, tokenizer, chunk, top_k, output_attentions, std::span(results).subspan(first, chunk.size()));
  }));
  *out = std::move(results);
  return {};
}

Status MaskedLmLogits(Network& net, const TokenizedText& input, std::span<const int> positions, std::vector<float>* out) {
  BERT_RETURN_IF_ERROR(RequireMlmHead(net));
  for (int p : positions) {
    if (p < 0 || static_cast<size_t>(p) >= input.input_ids.size()) {
      return Error(StatusCode::kInvalidArgument, "position " + std::to_string(p) + " is outside the " +
                                                     std::to_string(input.input_ids.size()) + " tokens");
    }
  }
  return MaskLogits(net, {&input, 1}, {std::vector<int>(positions.begin(), positions.end())}, out);
}

}  // namespace bert
