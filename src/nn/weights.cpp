#include "nn/weights.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>

namespace bert {
namespace {

// Where one family keeps its tensors. Encoder names are relative to the family's prefix (absent in bare
// checkpoints); layer names to "<layer><index>."; head names are never prefixed, except the pooler's.
struct TensorNames {
  const char* prefix;
  const char *word_embeddings, *position_embeddings, *token_type_embeddings, *embedding_norm;
  const char* layer;
  const char *query, *key, *value, *attention_output, *attention_norm, *intermediate, *output, *output_norm;
  const char *mlm_transform, *mlm_norm, *mlm_decoder, *mlm_bias, *mlm_bias_alias;
};

constexpr TensorNames kBertNames{
    "bert.", "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
    "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm", "encoder.layer.", "attention.self.query",
    "attention.self.key", "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
    "intermediate.dense", "output.dense", "output.LayerNorm", "cls.predictions.transform.dense",
    "cls.predictions.transform.LayerNorm", "cls.predictions.decoder.weight", "cls.predictions.bias",
    "cls.predictions.decoder.bias"};

constexpr TensorNames kDistilBertNames{
    "distilbert.", "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", nullptr,
    "embeddings.LayerNorm", "transformer.layer.", "attention.q_lin", "attention.k_lin", "attention.v_lin",
    "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm", "vocab_transform",
    "vocab_layer_norm", "vocab_projector.weight", "vocab_projector.bias", nullptr};

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

  // An f32 tensor (vectors, the embeddings a q8 model keeps in f32).
  Status Read(const std::string& name, std::initializer_list<int64_t> shape, std::vector<float>* out) const {
    RowMatrix m;
    BERT_RETURN_IF_ERROR(ReadMatrix(name, shape, &m));
    if (m.quantized()) {
      return Error(StatusCode::kBadWeights, "model.safetensors: tensor \"" + prefix_ + name + "\" must be F32, F16 or BF16, not I8");
    }
    *out = std::move(m.f32);
    return {};
  }

  // A tensor as it was loaded: f32, or (q8 models) int8 rows.
  Status ReadMatrix(const std::string& name, std::initializer_list<int64_t> shape, RowMatrix* out) const {
    const std::string full = prefix_ + name;
    auto it = tensors_.find(full);
    if (it == tensors_.end()) return Error(StatusCode::kBadWeights, "model.safetensors: missing tensor \"" + full + "\"");
    Tensor& t = it->second;
    if (!std::equal(t.shape.begin(), t.shape.end(), shape.begin(), shape.end())) {
      return Error(StatusCode::kBadWeights, "model.safetensors: tensor \"" + full + "\" has shape " +
                                                ShapeString(t.shape) + ", config.json implies " +
                                                ShapeString(std::vector<int64_t>(shape)));
    }
    if (IsQ8Rows(t.dtype, t.shape)) {  // a q8 checkpoint's rows, scaled by "<name>_scale"
      auto scales = tensors_.find(ScaleName(full));
      if (scales == tensors_.end() || scales->second.values.size() != static_cast<size_t>(t.shape[0]) ||
          scales->second.shape.size() != 1) {
        return Error(StatusCode::kBadWeights, "model.safetensors: tensor \"" + full + "\" is I8 but \"" +
                                                  ScaleName(full) + "\" is not a float tensor of shape [" +
                                                  std::to_string(t.shape[0]) + "]");
      }
      const std::vector<float>& s = scales->second.values;
      if (!std::all_of(s.begin(), s.end(), [](float x) { return std::isfinite(x) && x >= 0; })) {
        return Error(StatusCode::kBadWeights, "model.safetensors: tensor \"" + ScaleName(full) +
                                                  "\" holds a negative, infinite or NaN scale");
      }
      out->q8.values = std::move(t.q8.values);
      out->q8.scales = std::move(scales->second.values);
      tensors_.erase(scales);
      tensors_.erase(it);
      return {};
    }
    if (!IsFloat(t.dtype)) {
      return Error(StatusCode::kBadWeights, "model.safetensors: tensor \"" + full + "\": dtype " +
                                                std::string(InfoOf(t.dtype).name) +
                                                " is not supported (expected F32, F16 or BF16; I8 only for matrices with scales)");
    }
    out->f32 = std::move(t.values);
    out->q8 = std::move(t.q8);
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
    RowMatrix w;
    std::vector<float> b;
    BERT_RETURN_IF_ERROR(ReadMatrix(base + ".weight", {n, k}, &w));
    BERT_RETURN_IF_ERROR(Read(base + ".bias", {n}, &b));
    *out = Pack(static_cast<int>(n), static_cast<int>(k), w, b.data());
    return {};
  }

  static Linear Pack(int n, int k, const RowMatrix& w, const float* bias) {
    return w.quantized() ? PackLinearQ8(n, k, w.q8.values.data(), w.q8.scales.data(), bias)
                         : PackLinear(n, k, w.f32.data(), bias);
  }

  // A linear layer that the checkpoint may or may not have.
  Status ReadOptionalLinear(const std::string& base, int64_t n, int64_t k, std::optional<Linear>* out) const {
    if (!Has(base + ".weight")) return {};
    return ReadLinear(base, n, k, &out->emplace());
  }

 private:
  TensorMap& tensors_;
  std::string prefix_;
};

Status LoadLayer(const TensorReader& r, const TensorNames& names, const Config& c, int index, LayerWeights* out) {
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  const std::string base = names.layer + std::to_string(index) + ".";

  // Q, K and V stacked into one [3H x H] product: their rows (and q8 row scales) one after another.
  RowMatrix w, part;
  std::vector<float> b, bias;
  const char* parts[] = {names.query, names.key, names.value};
  w.f32.reserve(static_cast<size_t>(3 * h * h));
  for (const char* name : parts) {
    BERT_RETURN_IF_ERROR(r.ReadMatrix(base + name + ".weight", {h, h}, &part));
    if (name != parts[0] && part.quantized() != w.quantized()) {
      return Error(StatusCode::kBadWeights, "model.safetensors: layer " + std::to_string(index) +
                                                "'s query, key and value are not all of one dtype");
    }
    w.f32.insert(w.f32.end(), part.f32.begin(), part.f32.end());
    w.q8.values.insert(w.q8.values.end(), part.q8.values.begin(), part.q8.values.end());
    w.q8.scales.insert(w.q8.scales.end(), part.q8.scales.begin(), part.q8.scales.end());
    BERT_RETURN_IF_ERROR(r.Read(base + name + ".bias", {h}, &bias));
    b.insert(b.end(), bias.begin(), bias.end());
  }
  out->qkv = TensorReader::Pack(static_cast<int>(3 * h), static_cast<int>(h), w, b.data());

  BERT_RETURN_IF_ERROR(r.ReadLinear(base + names.attention_output, h, h, &out->attention_output));
  BERT_RETURN_IF_ERROR(r.ReadLayerNorm(base + names.attention_norm, h, &out->attention_norm));
  BERT_RETURN_IF_ERROR(r.ReadLinear(base + names.intermediate, inter, h, &out->intermediate));
  BERT_RETURN_IF_ERROR(r.ReadLinear(base + names.output, h, inter, &out->output));
  return r.ReadLayerNorm(base + names.output_norm, h, &out->output_norm);
}

Status LoadMlmHead(const TensorReader& r, const TensorNames& names, const Config& c, MlmHeadWeights* out) {
  const int64_t h = c.hidden_size, v = c.vocab_size;
  BERT_RETURN_IF_ERROR(r.ReadLinear(names.mlm_transform, h, h, &out->transform));
  BERT_RETURN_IF_ERROR(r.ReadLayerNorm(names.mlm_norm, h, &out->transform_norm));
  if (r.Has(names.mlm_decoder)) BERT_RETURN_IF_ERROR(r.ReadMatrix(names.mlm_decoder, {v, h}, &out->decoder));
  // BERT's output bias is stored as cls.predictions.bias, sometimes only as its alias decoder.bias.
  const bool alias = names.mlm_bias_alias && !r.Has(names.mlm_bias) && r.Has(names.mlm_bias_alias);
  return r.Read(alias ? names.mlm_bias_alias : names.mlm_bias, {v}, &out->bias);
}

// The heads: masked-LM, pooler and NSP when stored; classifier and QA outputs as the architecture says.
Status LoadHeads(TensorMap& tensors, const TensorNames& names, const TensorReader& encoder, const Config& c,
                 Weights* w) {
  const int64_t h = c.hidden_size, labels = static_cast<int64_t>(c.labels.size());
  const TensorReader head(tensors, "");
  if (head.Has(std::string(names.mlm_transform) + ".weight")) {
    BERT_RETURN_IF_ERROR(LoadMlmHead(head, names, c, &w->mlm.emplace()));
  }
  BERT_RETURN_IF_ERROR(encoder.ReadOptionalLinear("pooler.dense", h, h, &w->pooler));
  if (w->pooler) BERT_RETURN_IF_ERROR(head.ReadOptionalLinear("cls.seq_relationship", 2, h, &w->next_sentence));
  switch (c.head) {
    case Head::kSequenceClassification:
      if (c.family == Family::kDistilBert) {
        BERT_RETURN_IF_ERROR(head.ReadLinear("pre_classifier", h, h, &w->pre_classifier.emplace()));
      } else if (!w->pooler) {
        return Error(StatusCode::kBadWeights, "model.safetensors: " + c.architecture +
                                                  " needs the pooler (missing tensor \"" + names.prefix +
                                                  "pooler.dense.weight\")");
      }
      return head.ReadLinear("classifier", labels, h, &w->classifier.emplace());
    case Head::kTokenClassification: return head.ReadLinear("classifier", labels, h, &w->classifier.emplace());
    case Head::kQuestionAnswering: return head.ReadLinear("qa_outputs", 2, h, &w->qa_outputs.emplace());
    default: return {};
  }
}

const TensorNames& NamesOf(const Config& c) { return c.family == Family::kBert ? kBertNames : kDistilBertNames; }

}  // namespace

bool QuantizedInQ8(const Config& c, std::string_view name, std::span<const int64_t> shape) {
  const TensorNames& names = NamesOf(c);
  const bool kept_f32 = name.ends_with(names.position_embeddings) ||
                        (names.token_type_embeddings && name.ends_with(names.token_type_embeddings));
  return shape.size() == 2 && !kept_f32;
}

Status LoadWeights(TensorMap& tensors, const Config& c, Weights* out) {
  const TensorNames& names = NamesOf(c);
  const std::string prefix = tensors.contains(names.prefix + std::string(names.word_embeddings)) ? names.prefix : "";
  const TensorReader r(tensors, prefix);
  const int64_t h = c.hidden_size;

  Weights w;
  BERT_RETURN_IF_ERROR(r.ReadMatrix(names.word_embeddings, {c.vocab_size, h}, &w.word_embeddings));
  BERT_RETURN_IF_ERROR(r.Read(names.position_embeddings, {c.max_positions, h}, &w.position_embeddings));
  if (c.type_vocab_size > 0) {
    BERT_RETURN_IF_ERROR(r.Read(names.token_type_embeddings, {c.type_vocab_size, h}, &w.token_type_embeddings));
  }
  BERT_RETURN_IF_ERROR(r.ReadLayerNorm(names.embedding_norm, h, &w.embedding_norm));
  w.layers.resize(static_cast<size_t>(c.num_layers));
  for (int i = 0; i < c.num_layers; ++i) BERT_RETURN_IF_ERROR(LoadLayer(r, names, c, i, &w.layers[i]));
  BERT_RETURN_IF_ERROR(LoadHeads(tensors, names, r, c, &w));
  *out = std::move(w);
  return {};
}

}  // namespace bert
