#include "nn/encoder.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "kernels/vector_ops.h"

namespace bert {
namespace {

template <typename T>
void GrowTo(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

// LayerNorm of every row, rows split across threads.
void LayerNormRows(ThreadPool& pool, int rows, int h, const float* x, const LayerNormWeights& norm, float eps,
                   float* y) {
  constexpr int kRowsPerTask = 16;
  pool.Run(static_cast<size_t>((rows + kRowsPerTask - 1) / kRowsPerTask), [&](size_t task, int) {
    const int end = std::min(rows, static_cast<int>(task + 1) * kRowsPerTask);
    for (int r = static_cast<int>(task) * kRowsPerTask; r < end; ++r) {
      const size_t off = static_cast<size_t>(r) * h;
      LayerNormF32_WasmSimd(h, x + off, norm.gamma.data(), norm.beta.data(), eps, y + off);
    }
  });
}

}  // namespace

void Encoder::Reserve(int rows, int max_len, int threads) {
  const size_t r = static_cast<size_t>(rows);
  const size_t h = static_cast<size_t>(config_.hidden_size);
  GrowTo(hidden_, r * h);
  GrowTo(qkv_, r * 3 * h);
  GrowTo(context_, r * h);
  GrowTo(residual_, r * h);
  GrowTo(intermediate_, r * static_cast<size_t>(config_.intermediate_size));
  GrowTo(selected_, r * h);
  if (all_positions_.size() < static_cast<size_t>(max_len)) {
    all_positions_.resize(static_cast<size_t>(max_len));
    std::iota(all_positions_.begin(), all_positions_.end(), 0);
  }
  attention_.Reserve(threads, max_len, config_.head_size());
}

void Encoder::LookupEmbeddings(std::span<const TokenizedText> batch) {
  const int h = config_.hidden_size;
  const bool typed = config_.type_vocab_size > 0;  // DistilBERT has no token types
  for (size_t s = 0; s < batch.size(); ++s) {
    const TokenizedText& e = batch[s];
    for (int t = 0; t < segments_[s].length; ++t) {
      float* row = hidden_.data() + static_cast<size_t>(segments_[s].offset + t) * h;
      const size_t word = static_cast<size_t>(e.input_ids[t]);
      if (weights_.word_embeddings.quantized()) {  // q8: the row dequantized in place
        const int8_t* q = weights_.word_embeddings.q8.values.data() + word * h;
        const float scale = weights_.word_embeddings.q8.scales[word];
        for (int i = 0; i < h; ++i) row[i] = static_cast<float>(q[i]) * scale;
      } else {
        std::copy_n(weights_.word_embeddings.f32.data() + word * h, h, row);
      }
      const float* pos = weights_.position_embeddings.data() + static_cast<size_t>(t) * h;
      if (typed) {
        const float* type = weights_.token_type_embeddings.data() + static_cast<size_t>(e.token_type_ids[t]) * h;
        for (int i = 0; i < h; ++i) row[i] = (row[i] + type[i]) + pos[i];  // HF's summation order
      } else {
        for (int i = 0; i < h; ++i) row[i] = row[i] + pos[i];
      }
      LayerNormF32_WasmSimd(h, row, weights_.embedding_norm.gamma.data(), weights_.embedding_norm.beta.data(),
                            config_.layer_norm_eps, row);
    }
  }
}

// Points queries_ at the wanted positions, their outputs one after another, and gathers those rows of
// hidden_ (the last layer's input, which its residual adds) into selected_. Returns how many rows.
int Encoder::SelectOutputs(std::span<const std::vector<int>> outputs) {
  const size_t h = static_cast<size_t>(config_.hidden_size);
  int out_rows = 0;
  for (size_t s = 0; s < segments_.size(); ++s) {
    queries_[s] = {outputs[s], out_rows};
    for (int p : outputs[s]) {
      std::copy_n(hidden_.data() + static_cast<size_t>(segments_[s].offset + p) * h, h,
                  selected_.data() + static_cast<size_t>(out_rows++) * h);
    }
  }
  return out_rows;
}

Status Encoder::Forward(ThreadPool& pool, std::span<const TokenizedText> batch, std::vector<std::vector<float>>* attentions,
                        std::span<const std::vector<int>> outputs) {
  if (batch.empty()) return Error(StatusCode::kInvalidArgument, "empty batch");
  if (!outputs.empty() && outputs.size() != batch.size()) {
    return Error(StatusCode::kInvalidArgument, "one list of output positions per sequence is needed");
  }
  segments_.clear();
  int rows = 0, max_len = 0;
  size_t probs_size = 0;
  for (size_t s = 0; s < batch.size(); ++s) {
    const TokenizedText& e = batch[s];
    const int len = static_cast<int>(e.input_ids.size());
    // The message prefix is built only on the error paths: the forward pass allocates nothing.
    auto where = [s] { return "sequence " + std::to_string(s) + ": "; };
    if (len == 0) return Error(StatusCode::kInvalidArgument, where() + "no tokens");
    if (len > config_.max_positions) {
      return Error(StatusCode::kTooLong, where() + std::to_string(len) + " tokens exceed the model's " +
                                             std::to_string(config_.max_positions) + " positions");
    }
    if (e.token_type_ids.size() != e.input_ids.size()) {
      return Error(StatusCode::kInvalidArgument, where() + "token_type_ids and input_ids differ in length");
    }
    for (int t = 0; t < len; ++t) {
      if (e.input_ids[t] < 0 || e.input_ids[t] >= config_.vocab_size) {
        return Error(StatusCode::kInvalidArgument, where() + "token id " + std::to_string(e.input_ids[t]) +
                                                       " is outside the vocabulary");
      }
      if (config_.type_vocab_size > 0 && (e.token_type_ids[t] < 0 || e.token_type_ids[t] >= config_.type_vocab_size)) {
        return Error(StatusCode::kInvalidArgument, where() + "token type " + std::to_string(e.token_type_ids[t]) +
                                                       " is outside [0, " + std::to_string(config_.type_vocab_size) + ")");
      }
    }
    const std::span<const int> wanted = outputs.empty() ? std::span<const int>() : outputs[s];
    for (int p : wanted) {
      if (p < 0 || p >= len) {
        return Error(StatusCode::kInvalidArgument, where() + "output position " + std::to_string(p) +
                                                       " is outside its " + std::to_string(len) + " tokens");
      }
    }
    segments_.push_back({rows, len});
    rows += len;
    max_len = std::max(max_len, len);
    probs_size += static_cast<size_t>(config_.num_heads) * len * len;
  }
  Reserve(rows, max_len, pool.threads());

  const int h = config_.hidden_size;
  const size_t ld = static_cast<size_t>(h);
  const float eps = config_.layer_norm_eps;
  LookupEmbeddings(batch);
  queries_.clear();
  for (const Segment& seg : segments_) {
    queries_.push_back({std::span<const int>(all_positions_).first(static_cast<size_t>(seg.length)), seg.offset});
  }
  if (attentions) attentions->assign(static_cast<size_t>(config_.num_layers), std::vector<float>(probs_size));

  for (int l = 0; l < config_.num_layers; ++l) {
    const LayerWeights& w = weights_.layers[l];
    LinearForward(pool, rows, hidden_.data(), ld, w.qkv, qkv_.data(), 3 * ld);
    // Past the attention's keys and values, rows are independent: the last layer may go on with the
    // wanted rows alone.
    const float* layer_input = hidden_.data();
    if (!outputs.empty() && l == config_.num_layers - 1) {
      rows = SelectOutputs(outputs);
      layer_input = selected_.data();
    }
    attention_.Forward(pool, segments_, queries_, config_.num_heads, config_.head_size(), qkv_.data(), context_.data(),
                       attentions ? (*attentions)[l].data() : nullptr);
    LinearForward(pool, rows, context_.data(), ld, w.attention_output, residual_.data(), ld, Epilogue::kAddResidual,
                  layer_input);
    LayerNormRows(pool, rows, h, residual_.data(), w.attention_norm, eps, hidden_.data());
    const size_t ld_inter = static_cast<size_t>(config_.intermediate_size);
    LinearForward(pool, rows, hidden_.data(), ld, w.intermediate, intermediate_.data(), ld_inter,
                  EpilogueFor(config_.hidden_act));
    LinearForward(pool, rows, intermediate_.data(), ld_inter, w.output, residual_.data(), ld, Epilogue::kAddResidual,
                  hidden_.data());
    LayerNormRows(pool, rows, h, residual_.data(), w.output_norm, eps, hidden_.data());
  }
  return {};
}

}  // namespace bert
