#include "nn/weights.h"

#include <initializer_list>
#include <string>

namespace bert {
namespace {

std::string ShapeString(std::span<const int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Takes tensors by name out of one checkpoint, checking shapes and dtypes.
class TensorReader {
 public:
  TensorReader(TensorMap& tensors, std::string prefix) : tensors_(tensors), prefix_(std::move(prefix)) {}

  bool Has(const std::string& name) const { return tensors_.contains(prefix_ + name); }

  Status Read(const std::string& name, std::initializer_list<int64_t> shape, std::vector<float>* out) const {
    const std::string full = prefix_ + name;
    auto it = tensors_.find(full);
    if (it == tensors_.end()) return Error(StatusCode::kBadWeights, "model.safetensors: missing tensor \"" + full + "\"");
    Tensor& t = it->second;
    if (!std::equal(t.shape.begin(), t.shape.end(), shape.begin(), shape.end())) {
      return Error(StatusCode::kBadWeights, "model.safetensors: tensor \"" + full + "\" has shape " +
                                                ShapeString(t.shape) + ", config.json implies " +
                                                ShapeString(std::vector<int64_t>(shape)));
    }
    if (!t.is_float()) {
      return Error(StatusCode::kBadWeights, "model.safetensors: tensor \"" + full + "\": dtype " + t.dtype_name +
                                                " is not supported (expected F32, F16 or BF16)");
    }
    *out = std::move(t.values);
    tensors_.erase(it);
    return {};
  }

  // LayerNorm parameters under `base`: "weight"/"bias", or the legacy TF names "gamma"/"beta".
  Status ReadLayerNorm(const std::string& base, int64_t size, LayerNormWeights* out) const {
    const bool legacy = !Has(base + ".weight") && Has(base + ".gamma");
    BERT_RETURN_IF_ERROR(Read(base + (legacy ? ".gamma" : ".weight"), {size}, &out->gamma));
    return Read(base + (legacy ? ".beta" : ".bias"), {size}, &out->beta);
  }

  Status ReadLinear(const std::string& base, int64_t n, int64_t k, Linear* out) const {
    std::vector<float> w, b;
    BERT_RETURN_IF_ERROR(Read(base + ".weight", {n, k}, &w));
    BERT_RETURN_IF_ERROR(Read(base + ".bias", {n}, &b));
    *out = PackLinear(static_cast<int>(n), static_cast<int>(k), w.data(), b.data());
    return {};
  }

 private:
  TensorMap& tensors_;
  std::string prefix_;
};

Status LoadLayer(const TensorReader& r, const Config& c, int index, LayerWeights* out) {
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  const std::string base = "encoder.layer." + std::to_string(index) + ".";

  // Q, K and V stacked into one [3H x H] product (allocated once the first is known to fit config).
  std::vector<float> w, b, part;
  const char* names[] = {"query", "key", "value"};
  for (size_t i = 0; i < 3; ++i) {
    BERT_RETURN_IF_ERROR(r.Read(base + "attention.self." + names[i] + ".weight", {h, h}, &part));
    w.resize(static_cast<size_t>(3 * h * h));
    b.resize(static_cast<size_t>(3 * h));
    std::copy(part.begin(), part.end(), w.begin() + static_cast<ptrdiff_t>(i * h * h));
    BERT_RETURN_IF_ERROR(r.Read(base + "attention.self." + names[i] + ".bias", {h}, &part));
    std::copy(part.begin(), part.end(), b.begin() + static_cast<ptrdiff_t>(i * h));
  }
  out->qkv = PackLinear(static_cast<int>(3 * h), static_cast<int>(h), w.data(), b.data());

  BERT_RETURN_IF_ERROR(r.ReadLinear(base + "attention.output.dense", h, h, &out->attention_output));
  BERT_RETURN_IF_ERROR(r.ReadLayerNorm(base + "attention.output.LayerNorm", h, &out->attention_norm));
  BERT_RETURN_IF_ERROR(r.ReadLinear(base + "intermediate.dense", inter, h, &out->intermediate));
  BERT_RETURN_IF_ERROR(r.ReadLinear(base + "output.dense", h, inter, &out->output));
  return r.ReadLayerNorm(base + "output.LayerNorm", h, &out->output_norm);
}

Status LoadMlmHead(const TensorReader& r, const Config& c, MlmHeadWeights* out) {
  const int64_t h = c.hidden_size, v = c.vocab_size;
  BERT_RETURN_IF_ERROR(r.ReadLinear("cls.predictions.transform.dense", h, h, &out->transform));
  BERT_RETURN_IF_ERROR(r.ReadLayerNorm("cls.predictions.transform.LayerNorm", h, &out->transform_norm));
  if (r.Has("cls.predictions.decoder.weight")) {
    BERT_RETURN_IF_ERROR(r.Read("cls.predictions.decoder.weight", {v, h}, &out->decoder));
  }
  // The output bias is stored as cls.predictions.bias, sometimes only as its alias decoder.bias.
  const bool alias = !r.Has("cls.predictions.bias") && r.Has("cls.predictions.decoder.bias");
  return r.Read(alias ? "cls.predictions.decoder.bias" : "cls.predictions.bias", {v}, &out->bias);
}

}  // namespace

Status LoadWeights(TensorMap& tensors, const Config& c, Weights* out) {
  const std::string probe = "embeddings.word_embeddings.weight";
  const std::string prefix = tensors.contains("bert." + probe) ? "bert." : "";
  const TensorReader r(tensors, prefix);
  const int64_t h = c.hidden_size;

  Weights w;
  BERT_RETURN_IF_ERROR(r.Read(probe, {c.vocab_size, h}, &w.word_embeddings));
  BERT_RETURN_IF_ERROR(r.Read("embeddings.position_embeddings.weight", {c.max_positions, h}, &w.position_embeddings));
  BERT_RETURN_IF_ERROR(
      r.Read("embeddings.token_type_embeddings.weight", {c.type_vocab_size, h}, &w.token_type_embeddings));
  BERT_RETURN_IF_ERROR(r.ReadLayerNorm("embeddings.LayerNorm", h, &w.embedding_norm));
  w.layers.resize(static_cast<size_t>(c.num_layers));
  for (int i = 0; i < c.num_layers; ++i) BERT_RETURN_IF_ERROR(LoadLayer(r, c, i, &w.layers[i]));

  if (r.Has("pooler.dense.weight")) {
    w.pooler.emplace();
    BERT_RETURN_IF_ERROR(r.ReadLinear("pooler.dense", h, h, &*w.pooler));
  }
  // The MLM head never carries the "bert." prefix.
  const TensorReader head(tensors, "");
  if (head.Has("cls.predictions.transform.dense.weight")) {
    w.mlm.emplace();
    BERT_RETURN_IF_ERROR(LoadMlmHead(head, c, &*w.mlm));
  }
  *out = std::move(w);
  return {};
}

}  // namespace bert
