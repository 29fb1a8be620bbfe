#include "model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "nn/encoder.h"
#include "kernels/vector_ops.h"
#include "nn/linear.h"
#include "heads/mlm.h"
#include "io/safetensors.h"
#include "core/thread_pool.h"
#include "nn/weights.h"

namespace bert {

struct Model::Impl {
  Config config;
  Tokenizer tokenizer;
  Weights weights;
  std::unique_ptr<ThreadPool> pool;
  Encoder encoder{config, weights};  // refers to the members above
  std::vector<float> transformed, logits;  // fill-mask scratch, grown on demand
};

namespace {

Status ReadFile(const std::string& path, bool required, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out->clear();
    return required ? Error(StatusCode::kIo, path + ": cannot open file") : Status();
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Error(StatusCode::kIo, path + ": read error");
  *out = std::move(buffer).str();
  return {};
}

Status RequireMlmHead(const Weights& weights) {
  if (weights.mlm) return {};
  return Error(StatusCode::kNoMlmHead,
               "this checkpoint has no masked-LM head (no cls.predictions.* tensors): it can encode text but not "
               "fill masks; load a BertForMaskedLM checkpoint");
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

struct ModelLoader::State {
  std::unique_ptr<Model::Impl> impl;
  SafetensorsReader weights;
  int threads;
};

ModelLoader::ModelLoader(std::unique_ptr<State> state) : state_(std::move(state)) {}
ModelLoader::~ModelLoader() = default;

Status ModelLoader::Create(const ModelFiles& files, const ModelOptions& options, std::optional<uint64_t> weights_size,
                           std::unique_ptr<ModelLoader>* out) {
  auto impl = std::make_unique<Model::Impl>();
  BERT_RETURN_IF_ERROR(ParseConfig(files.config_json, &impl->config));
  BERT_RETURN_IF_ERROR(
      Tokenizer::Load(files.vocab_txt, files.tokenizer_json, files.tokenizer_config_json, &impl->tokenizer));
  if (impl->tokenizer.vocab_size() > static_cast<size_t>(impl->config.vocab_size)) {
    return Error(StatusCode::kBadVocab, "the vocab has " + std::to_string(impl->tokenizer.vocab_size()) +
                                            " tokens but config.json's vocab_size is " +
                                            std::to_string(impl->config.vocab_size));
  }
  out->reset(new ModelLoader(
      std::make_unique<State>(State{std::move(impl), SafetensorsReader(weights_size), std::max(1, options.threads)})));
  return {};
}

Status ModelLoader::Write(std::span<const uint8_t> bytes) { return state_->weights.Write(bytes); }

Status ModelLoader::Finish(std::unique_ptr<Model>* out) {
  TensorMap tensors;
  BERT_RETURN_IF_ERROR(state_->weights.Finish(&tensors));
  BERT_RETURN_IF_ERROR(LoadWeights(tensors, state_->impl->config, &state_->impl->weights));
  state_->impl->pool = std::make_unique<ThreadPool>(state_->threads);
  out->reset(new Model(std::move(state_->impl)));
  return {};
}

Status Model::Load(const ModelFiles& files, const ModelOptions& options, std::unique_ptr<Model>* out) {
  std::unique_ptr<ModelLoader> loader;
  BERT_RETURN_IF_ERROR(ModelLoader::Create(files, options, files.safetensors.size(), &loader));
  BERT_RETURN_IF_ERROR(loader->Write(files.safetensors));
  return loader->Finish(out);
}

Status ModelFolder::Read(const std::string& dir, bool with_weights, ModelFolder* out) {
  ModelFolder f;
  BERT_RETURN_IF_ERROR(ReadFile(dir + "/config.json", true, &f.config_json));
  BERT_RETURN_IF_ERROR(ReadFile(dir + "/vocab.txt", false, &f.vocab_txt));
  if (f.vocab_txt.empty()) BERT_RETURN_IF_ERROR(ReadFile(dir + "/tokenizer.json", true, &f.tokenizer_json));
  BERT_RETURN_IF_ERROR(ReadFile(dir + "/tokenizer_config.json", false, &f.tokenizer_config_json));
  if (with_weights) BERT_RETURN_IF_ERROR(ReadFile(dir + "/model.safetensors", true, &f.safetensors));
  *out = std::move(f);
  return {};
}

ModelFiles ModelFolder::files() const {
  return {config_json, vocab_txt, tokenizer_json, tokenizer_config_json,
          {reinterpret_cast<const uint8_t*>(safetensors.data()), safetensors.size()}};
}

Status Model::LoadFromDirectory(const std::string& dir, const ModelOptions& options, std::unique_ptr<Model>* out) {
  ModelFolder folder;
  BERT_RETURN_IF_ERROR(ModelFolder::Read(dir, /*with_weights=*/false, &folder));
  const std::string path = dir + "/model.safetensors";
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Error(StatusCode::kIo, path + ": cannot open file");
  const auto size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  std::unique_ptr<ModelLoader> loader;
  BERT_RETURN_IF_ERROR(ModelLoader::Create(folder.files(), options, size, &loader));
  std::vector<char> chunk(4 << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    BERT_RETURN_IF_ERROR(loader->Write({reinterpret_cast<const uint8_t*>(chunk.data()), n}));
  }
  if (in.bad()) return Error(StatusCode::kIo, path + ": read error");
  return loader->Finish(out);
}

const Config& Model::config() const { return impl_->config; }
const Tokenizer& Model::tokenizer() const { return impl_->tokenizer; }
bool Model::has_mlm_head() const { return impl_->weights.mlm.has_value(); }
bool Model::has_pooler() const { return impl_->weights.pooler.has_value(); }
int Model::threads() const { return impl_->pool->threads(); }

void Model::SetThreads(int threads) {
  threads = std::max(1, threads);
  if (threads != impl_->pool->threads()) impl_->pool = std::make_unique<ThreadPool>(threads);
}

// Runs `fn(sub_batch, first_index)` over consecutive sub-batches of bounded total length, so that a
// huge batch cannot exhaust memory through the activations (which grow with the rows of one forward).
template <typename F>
Status ForEachChunk(std::span<const Encoding> batch, F fn) {
  constexpr size_t kMaxTokensPerForward = 8192;
  size_t begin = 0;
  while (begin < batch.size()) {
    size_t end = begin, tokens = 0;
    while (end < batch.size() && (end == begin || tokens + batch[end].input_ids.size() <= kMaxTokensPerForward)) {
      tokens += batch[end++].input_ids.size();
    }
    BERT_RETURN_IF_ERROR(fn(batch.subspan(begin, end - begin), begin));
    begin = end;
  }
  return {};
}

Status Model::Encode(std::span<const Encoding> batch, bool output_attentions, std::vector<EncoderOutput>* out) {
  Impl& m = *impl_;
  if (batch.empty()) return Error(StatusCode::kInvalidArgument, "empty batch");
  const int h = m.config.hidden_size;
  const size_t heads = static_cast<size_t>(m.config.num_heads);
  std::vector<EncoderOutput> results(batch.size());
  std::vector<std::vector<float>> attentions;
  BERT_RETURN_IF_ERROR(ForEachChunk(batch, [&](std::span<const Encoding> chunk, size_t first) -> Status {
    BERT_RETURN_IF_ERROR(m.encoder.Forward(*m.pool, chunk, output_attentions ? &attentions : nullptr));
    const auto segments = m.encoder.segments();
    size_t probs_offset = 0;
    for (size_t s = 0; s < chunk.size(); ++s) {
      EncoderOutput& o = results[first + s];
      const size_t t = static_cast<size_t>(segments[s].length);
      o.tokens = segments[s].length;
      const float* rows = m.encoder.hidden() + static_cast<size_t>(segments[s].offset) * h;
      o.last_hidden_state.assign(rows, rows + t * h);
      if (m.weights.pooler) {
        o.pooled.resize(static_cast<size_t>(h));
        LinearForward(*m.pool, 1, rows, h, *m.weights.pooler, o.pooled.data(), h);
        TanhF32_WasmSimd(h, o.pooled.data());
      }
      if (output_attentions) {
        const size_t per_layer = heads * t * t;
        o.attentions.resize(attentions.size() * per_layer);
        for (size_t l = 0; l < attentions.size(); ++l) {
          std::copy_n(attentions[l].begin() + static_cast<ptrdiff_t>(probs_offset), per_layer,
                      o.attentions.begin() + static_cast<ptrdiff_t>(l * per_layer));
        }
        probs_offset += per_layer;
      }
    }
    return {};
  }));
  *out = std::move(results);
  return {};
}

Status Model::Embed(std::span<const Encoding> batch, Pooling pooling, bool normalize, Embeddings* out) {
  std::vector<EncoderOutput> encoded;
  BERT_RETURN_IF_ERROR(Encode(batch, false, &encoded));
  const size_t h = static_cast<size_t>(impl_->config.hidden_size);
  size_t max_tokens = 0;
  for (const EncoderOutput& e : encoded) max_tokens = std::max(max_tokens, static_cast<size_t>(e.tokens));
  const size_t vectors_per_item = pooling == Pooling::kNone ? max_tokens : 1;

  Embeddings result;
  result.dims = {batch.size()};
  if (pooling == Pooling::kNone) result.dims.push_back(max_tokens);
  result.dims.push_back(h);
  result.data.assign(batch.size() * vectors_per_item * h, 0.0f);
  for (size_t b = 0; b < batch.size(); ++b) {
    const EncoderOutput& e = encoded[b];
    float* dst = result.data.data() + b * vectors_per_item * h;
    switch (pooling) {
      case Pooling::kNone: std::copy(e.last_hidden_state.begin(), e.last_hidden_state.end(), dst); break;
      case Pooling::kCls: std::copy_n(e.last_hidden_state.begin(), h, dst); break;
      case Pooling::kMean:
        for (int t = 0; t < e.tokens; ++t) {
          for (size_t i = 0; i < h; ++i) dst[i] += e.last_hidden_state[t * h + i];
        }
        for (size_t i = 0; i < h; ++i) dst[i] /= static_cast<float>(e.tokens);
        break;
    }
    if (!normalize) continue;
    // L2-normalize each vector (each token with Pooling::kNone; zero padding stays zero).
    const size_t vectors = pooling == Pooling::kNone ? static_cast<size_t>(e.tokens) : 1;
    for (size_t v = 0; v < vectors; ++v) {
      float* x = dst + v * h;
      double sq = 0;
      for (size_t i = 0; i < h; ++i) sq += static_cast<double>(x[i]) * x[i];
      const float scale = static_cast<float>(1.0 / std::max(std::sqrt(sq), 1e-12));
      for (size_t i = 0; i < h; ++i) x[i] *= scale;
    }
  }
  *out = std::move(result);
  return {};
}

Status Model::FillMask(std::span<const Encoding> batch, int top_k, std::vector<FillMaskResult>* out) {
  Impl& m = *impl_;
  BERT_RETURN_IF_ERROR(RequireMlmHead(m.weights));
  if (top_k < 1) return Error(StatusCode::kInvalidArgument, "top_k must be at least 1, got " + std::to_string(top_k));
  if (batch.empty()) return Error(StatusCode::kInvalidArgument, "empty batch");
  for (size_t s = 0; s < batch.size(); ++s) {
    if (std::find(batch[s].input_ids.begin(), batch[s].input_ids.end(), m.tokenizer.mask_id()) ==
        batch[s].input_ids.end()) {
      return Error(StatusCode::kNoMask, "sequence " + std::to_string(s) + " has no [MASK] token");
    }
  }
  std::vector<FillMaskResult> results(batch.size());
  BERT_RETURN_IF_ERROR(ForEachChunk(batch, [&](std::span<const Encoding> chunk, size_t first) {
    return FillMaskChunk(chunk, top_k, std::span(results).subspan(first, chunk.size()));
  }));
  *out = std::move(results);
  return {};
}

Status Model::HeadLogits(std::span<const Encoding> batch, const std::vector<std::vector<int>>& positions) {
  Impl& m = *impl_;
  BERT_RETURN_IF_ERROR(m.encoder.Forward(*m.pool, batch, nullptr, positions));
  size_t rows = 0;
  for (const auto& p : positions) rows += p.size();
  const size_t h = static_cast<size_t>(m.config.hidden_size), v = static_cast<size_t>(m.config.vocab_size);
  if (m.transformed.size() < rows * h) m.transformed.resize(rows * h);
  if (m.logits.size() < rows * v) m.logits.resize(rows * v);
  MlmLogits(*m.pool, m.config, m.weights, static_cast<int>(rows), m.encoder.hidden(), m.transformed.data(),
            m.logits.data());
  return {};
}

Status Model::Logits(const Encoding& input, std::span<const int> positions, std::vector<float>* out) {
  Impl& m = *impl_;
  BERT_RETURN_IF_ERROR(RequireMlmHead(m.weights));
  for (int p : positions) {
    if (p < 0 || static_cast<size_t>(p) >= input.input_ids.size()) {
      return Error(StatusCode::kInvalidArgument, "position " + std::to_string(p) + " is outside the " +
                                                     std::to_string(input.input_ids.size()) + " tokens");
    }
  }
  BERT_RETURN_IF_ERROR(HeadLogits({&input, 1}, {std::vector<int>(positions.begin(), positions.end())}));
  out->assign(m.logits.begin(), m.logits.begin() + static_cast<ptrdiff_t>(positions.size() * m.config.vocab_size));
  return {};
}

Status Model::FillMaskChunk(std::span<const Encoding> batch, int top_k, std::span<FillMaskResult> out) {
  Impl& m = *impl_;
  std::vector<std::vector<int>> positions(batch.size());
  for (size_t s = 0; s < batch.size(); ++s) {
    const auto& ids = batch[s].input_ids;
    for (size_t t = 0; t < ids.size(); ++t) {
      if (ids[t] == m.tokenizer.mask_id()) positions[s].push_back(static_cast<int>(t));
    }
  }
  BERT_RETURN_IF_ERROR(HeadLogits(batch, positions));
  const size_t v = static_cast<size_t>(m.config.vocab_size);
  size_t row = 0;
  for (size_t s = 0; s < batch.size(); ++s) {
    // Hugging Face's fill-mask pipeline decodes without special tokens only when there is one mask.
    const bool single_mask = positions[s].size() == 1;
    for (int p : positions[s]) {
      const std::span<const float> logits(m.logits.data() + row++ * v, v);
      std::vector<Prediction>& predictions = out[s].masks.emplace_back();
      for (const TokenScore& ts : TopKSoftmax(logits, top_k)) {
        std::vector<int32_t> filled = batch[s].input_ids;
        filled[static_cast<size_t>(p)] = ts.id;
        std::erase(filled, m.tokenizer.pad_id());
        const std::string token = static_cast<size_t>(ts.id) < m.tokenizer.vocab_size() ? m.tokenizer.IdToToken(ts.id) : "";
        predictions.push_back({ts.id, token, ts.score, m.tokenizer.Decode(filled, single_mask)});
      }
    }
  }
  return {};
}

}  // namespace bert
