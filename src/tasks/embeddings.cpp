#include "tasks/embeddings.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "heads/pooled.h"
#include "tasks/common.h"

namespace bert {
namespace {

using nlohmann::json;

Status ParseObject(std::string_view text, const char* file, json* out) {
  *out = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded() || !out->is_object()) {
    return Error(StatusCode::kBadConfig, std::string(file) + ": not a JSON object");
  }
  return {};
}

// modules.json's first entry of a given sentence-transformers module type, or null (a pointer into
// `modules`: copying a JSON value recurses as deeply as it nests).
const json* FindModule(const json& modules, std::string_view type) {
  if (!modules.is_array()) return nullptr;
  for (const json& m : modules) {
    if (m.is_object() && m.contains("type") && m["type"].is_string() && m["type"].get<std::string>().ends_with(type)) {
      return &m;
    }
  }
  return nullptr;
}

Status ReadPooling(const json& j, Pooling* out) {
  static constexpr std::pair<const char*, Pooling> kModes[] = {{"pooling_mode_cls_token", Pooling::kCls},
                                                               {"pooling_mode_mean_tokens", Pooling::kMean},
                                                               {"pooling_mode_max_tokens", Pooling::kMax},
                                                               {"pooling_mode_mean_sqrt_len_tokens", Pooling::kMeanSqrtLen}};
  int modes = 0;
  for (const auto& [key, mode] : kModes) {
    if (j.contains(key) && j[key].is_boolean() && j[key].get<bool>()) {
      *out = mode;
      ++modes;
    }
  }
  if (modes != 1) {
    return Error(StatusCode::kBadConfig, "Pooling config.json: exactly one of cls, mean, max and mean_sqrt_len pooling "
                                         "must be on (combined modes are not supported)");
  }
  return {};
}

// Rows [rows x h] of one sequence pooled into `dst` [h].
void PoolRows(Pooling pooling, int rows, size_t h, const float* x, float* dst) {
  switch (pooling) {
    case Pooling::kNone: std::copy_n(x, static_cast<size_t>(rows) * h, dst); return;
    case Pooling::kCls: std::copy_n(x, h, dst); return;
    case Pooling::kMax:
      std::copy_n(x, h, dst);
      for (int t = 1; t < rows; ++t) {
        for (size_t i = 0; i < h; ++i) dst[i] = std::max(dst[i], x[t * h + i]);
      }
      return;
    case Pooling::kMean:
    case Pooling::kMeanSqrtLen: {
      std::fill_n(dst, h, 0.0f);
      for (int t = 0; t < rows; ++t) {
        for (size_t i = 0; i < h; ++i) dst[i] += x[t * h + i];
      }
      const float div = pooling == Pooling::kMean ? static_cast<float>(rows) : std::sqrt(static_cast<float>(rows));
      for (size_t i = 0; i < h; ++i) dst[i] /= div;
      return;
    }
  }
}

void L2Normalize(size_t h, float* x) {
  double sq = 0;
  for (size_t i = 0; i < h; ++i) sq += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::max(std::sqrt(sq), 1e-12));
  for (size_t i = 0; i < h; ++i) x[i] *= scale;
}

}  // namespace

std::string PoolingFolder(std::string_view modules_json) {
  const json modules = json::parse(modules_json.begin(), modules_json.end(), nullptr, false);
  const json* pooling = FindModule(modules, "Pooling");
  if (!pooling || !pooling->contains("path") || !(*pooling)["path"].is_string()) return "";
  return (*pooling)["path"].get<std::string>();
}

Status ParseSentenceTransformers(std::string_view modules_json, std::string_view pooling_json,
                                 std::string_view sentence_bert_config_json, SentenceTransformersConfig* out) {
  if (modules_json.empty()) return {};
  json modules;
  modules = json::parse(modules_json.begin(), modules_json.end(), nullptr, false);
  if (!modules.is_array()) return Error(StatusCode::kBadConfig, "modules.json: not a JSON array");
  SentenceTransformersConfig c;
  c.embedding.normalize = FindModule(modules, "Normalize") != nullptr;
  if (FindModule(modules, "Pooling")) {
    if (pooling_json.empty()) return Error(StatusCode::kBadConfig, "modules.json names a Pooling module, but its config.json is missing");
    json pooling;
    BERT_RETURN_IF_ERROR(ParseObject(pooling_json, "Pooling config.json", &pooling));
    BERT_RETURN_IF_ERROR(ReadPooling(pooling, &c.embedding.pooling));
  }
  if (!sentence_bert_config_json.empty()) {
    json st;
    BERT_RETURN_IF_ERROR(ParseObject(sentence_bert_config_json, "sentence_bert_config.json", &st));
    if (auto it = st.find("max_seq_length"); it != st.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > (1 << 20)) {
        return Error(StatusCode::kBadConfig, "sentence_bert_config.json: \"max_seq_length\" must be a positive integer");
      }
      c.max_seq_length = it->get<size_t>();
    }
  }
  *out = c;
  return {};
}

Status RunEncoder(Network& net, std::span<const TokenizedText> batch, bool output_attentions,
                  std::vector<EncoderOutput>* out) {
  if (batch.empty()) return Error(StatusCode::kInvalidArgument, "empty batch");
  const auto h = static_cast<size_t>(net.config.hidden_size);
  std::vector<EncoderOutput> results(batch.size());
  std::vector<std::vector<float>> attentions;
  BERT_RETURN_IF_ERROR(ForEachChunk(batch, [&](std::span<const TokenizedText> chunk, size_t first) -> Status {
    BERT_RETURN_IF_ERROR(net.encoder.Forward(*net.pool, chunk, output_attentions ? &attentions : nullptr));
    const auto segments = net.encoder.segments();
    for (size_t s = 0; s < chunk.size(); ++s) {
      EncoderOutput& o = results[first + s];
      const auto t = static_cast<size_t>(segments[s].length);
      o.tokens = segments[s].length;
      const float* rows = net.encoder.hidden() + static_cast<size_t>(segments[s].offset) * h;
      o.last_hidden_state.assign(rows, rows + t * h);
      if (net.weights.pooler) {
        o.pooled.resize(h);
        Pool(*net.pool, *net.weights.pooler, 1, rows, o.pooled.data());
      }
      if (output_attentions) o.attentions = SequenceAttentions(attentions, segments, s, net.config.num_heads);
    }
    return {};
  }));
  *out = std::move(results);
  return {};
}

Status Embed(Network& net, std::span<const TokenizedText> batch, const EmbeddingOptions& options, Embeddings* out) {
  std::vector<EncoderOutput> encoded;
  BERT_RETURN_IF_ERROR(RunEncoder(net, batch, false, &encoded));
  const auto h = static_cast<size_t>(net.config.hidden_size);
  size_t max_tokens = 0;
  for (const EncoderOutput& e : encoded) max_tokens = std::max(max_tokens, static_cast<size_t>(e.tokens));
  const bool per_token = options.pooling == Pooling::kNone;
  const size_t vectors_per_item = per_token ? max_tokens : 1;

  Embeddings result;
  result.dims = {batch.size()};
  if (per_token) result.dims.push_back(max_tokens);
  result.dims.push_back(h);
  result.data.assign(batch.size() * vectors_per_item * h, 0.0f);
  for (size_t b = 0; b < batch.size(); ++b) {
    const EncoderOutput& e = encoded[b];
    float* dst = result.data.data() + b * vectors_per_item * h;
    PoolRows(options.pooling, e.tokens, h, e.last_hidden_state.data(), dst);
    if (!options.normalize) continue;
    // Each vector (each token without pooling; zero padding stays zero).
    const size_t vectors = per_token ? static_cast<size_t>(e.tokens) : 1;
    for (size_t v = 0; v < vectors; ++v) L2Normalize(h, dst + v * h);
  }
  *out = std::move(result);
  return {};
}

}  // namespace bert
