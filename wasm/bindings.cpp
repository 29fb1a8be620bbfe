// The Embind layer: converts between JS values and the C++ API, nothing more. Every method returns a
// plain object: {ok: true, ...} or {ok: false, code, message}; js/ turns failures into BertError.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model.h"

namespace {

using emscripten::val;

val Failure(const bert::Status& status) {
  val out = val::object();
  out.set("ok", false);
  out.set("code", std::string(bert::StatusCodeName(status.code())));
  out.set("message", status.message());
  return out;
}

val Success() {
  val out = val::object();
  out.set("ok", true);
  return out;
}

// Copies a C++ array into a new JS typed array (e.g. "Float32Array").
template <typename T>
val TypedArray(const char* type, const std::vector<T>& values) {
  return val::global(type).new_(emscripten::typed_memory_view(values.size(), values.data()));
}

val StringArray(const std::vector<std::string>& values) {
  val out = val::array();
  for (size_t i = 0; i < values.size(); ++i) out.set(i, values[i]);
  return out;
}

class WasmModel {
 public:
  // Loading, with the weights streamed: begin() with the small files, write() each chunk of
  // model.safetensors (from a staging buffer in wasm memory), then finish().
  val begin(const std::string& config, const std::string& vocab, const std::string& tokenizer_json,
            const std::string& tokenizer_config, int threads, double weights_size) {
    const bert::ModelFiles files{config, vocab, tokenizer_json, tokenizer_config, {}};
    const std::optional<uint64_t> size =
        weights_size >= 0 ? std::optional<uint64_t>(static_cast<uint64_t>(weights_size)) : std::nullopt;
    const bert::Status status = bert::ModelLoader::Create(files, {.threads = threads}, size, &loader_);
    return status.ok() ? Success() : Failure(status);
  }

  val write(uintptr_t bytes, size_t length) {
    const bert::Status status = loader_->Write({reinterpret_cast<const uint8_t*>(bytes), length});
    return status.ok() ? Success() : Failure(status);
  }

  val finish() {
    const bert::Status status = loader_->Finish(&model_);
    loader_.reset();
    return status.ok() ? Success() : Failure(status);
  }

  val config() const {
    const bert::Config& c = model_->config();
    val out = val::object();
    out.set("vocabSize", c.vocab_size);
    out.set("hiddenSize", c.hidden_size);
    out.set("numLayers", c.num_layers);
    out.set("numHeads", c.num_heads);
    out.set("intermediateSize", c.intermediate_size);
    out.set("maxPositions", c.max_positions);
    out.set("typeVocabSize", c.type_vocab_size);
    out.set("hiddenAct", std::string(bert::ActivationName(c.hidden_act)));
    out.set("hasMlmHead", model_->has_mlm_head());
    out.set("hasPooler", model_->has_pooler());
    return out;
  }

  int threads() const { return model_->threads(); }
  void setThreads(int threads) { model_->SetThreads(threads); }

  // pair: a string or null.
  val tokenize(const std::string& text, const val& pair, bool truncation) const {
    bert::Encoding enc;
    const bert::Status status = Encode(text, pair, truncation, &enc);
    if (!status.ok()) return Failure(status);
    val out = Success();
    out.set("inputIds", TypedArray("Int32Array", enc.input_ids));
    out.set("tokenTypeIds", TypedArray("Int32Array", enc.token_type_ids));
    out.set("tokens", StringArray(enc.tokens));
    return out;
  }

  std::string decode(const val& ids, bool skip_special_tokens) const {
    const std::vector<int32_t> v = emscripten::vecFromJSArray<int32_t>(ids);
    return model_->tokenizer().Decode(v, skip_special_tokens);
  }

  val fillMask(const val& texts, int top_k, bool truncation) {
    std::vector<bert::Encoding> batch;
    if (bert::Status st = EncodeAll(texts, truncation, &batch); !st.ok()) return Failure(st);
    std::vector<bert::FillMaskResult> results;
    if (bert::Status st = model_->FillMask(batch, top_k, &results); !st.ok()) return Failure(st);
    val all = val::array();
    for (size_t t = 0; t < results.size(); ++t) {
      val masks = val::array();
      for (size_t m = 0; m < results[t].masks.size(); ++m) {
        val list = val::array();
        for (size_t i = 0; i < results[t].masks[m].size(); ++i) {
          const bert::Prediction& p = results[t].masks[m][i];
          val item = val::object();
          item.set("token", p.token_id);
          item.set("tokenStr", p.token);
          item.set("score", p.score);
          item.set("sequence", p.sequence);
          list.set(i, item);
        }
        masks.set(m, list);
      }
      all.set(t, masks);
    }
    val out = Success();
    out.set("results", all);
    return out;
  }

  val embed(const val& texts, const std::string& pooling, bool normalize, bool truncation) {
    const bert::Pooling mode = pooling == "none" ? bert::Pooling::kNone
                               : pooling == "cls" ? bert::Pooling::kCls
                                                  : bert::Pooling::kMean;
    std::vector<bert::Encoding> batch;
    if (bert::Status st = EncodeAll(texts, truncation, &batch); !st.ok()) return Failure(st);
    bert::Embeddings embeddings;
    if (bert::Status st = model_->Embed(batch, mode, normalize, &embeddings); !st.ok()) return Failure(st);
    val out = Success();
    out.set("data", TypedArray("Float32Array", embeddings.data));
    val dims = val::array();
    for (size_t i = 0; i < embeddings.dims.size(); ++i) dims.set(i, static_cast<double>(embeddings.dims[i]));
    out.set("dims", dims);
    return out;
  }

  // One text (and optional pair) through the encoder: hidden states, pooled output, attentions.
  val encode(const std::string& text, const val& pair, bool truncation, bool output_attentions) {
    bert::Encoding enc;
    if (bert::Status st = Encode(text, pair, truncation, &enc); !st.ok()) return Failure(st);
    std::vector<bert::EncoderOutput> outputs;
    if (bert::Status st = model_->Encode({&enc, 1}, output_attentions, &outputs); !st.ok()) return Failure(st);
    const bert::EncoderOutput& o = outputs[0];
    val out = Success();
    out.set("tokens", StringArray(enc.tokens));
    out.set("inputIds", TypedArray("Int32Array", enc.input_ids));
    out.set("lastHiddenState", TypedArray("Float32Array", o.last_hidden_state));
    if (!o.pooled.empty()) out.set("pooled", TypedArray("Float32Array", o.pooled));
    if (output_attentions) out.set("attentions", TypedArray("Float32Array", o.attentions));
    return out;
  }

 private:
  bert::Status Encode(const std::string& text, const val& pair, bool truncation, bert::Encoding* enc) const {
    std::optional<std::string> second;
    if (pair.isString()) second = pair.as<std::string>();
    return model_->tokenizer().Encode(text, second ? std::optional<std::string_view>(*second) : std::nullopt,
                                      static_cast<size_t>(model_->config().max_positions), truncation, enc);
  }

  // Each input is a string (tokenized here) or {inputIds, tokenTypeIds?} (checked by the encoder).
  bert::Status EncodeAll(const val& inputs, bool truncation, std::vector<bert::Encoding>* batch) const {
    const unsigned n = inputs["length"].as<unsigned>();
    for (unsigned i = 0; i < n; ++i) {
      const val input = inputs[i];
      bert::Encoding& enc = batch->emplace_back();
      if (input.isString()) {
        BERT_RETURN_IF_ERROR(Encode(input.as<std::string>(), val::null(), truncation, &enc));
        continue;
      }
      enc.input_ids = emscripten::vecFromJSArray<int32_t>(input["inputIds"]);
      const val types = input["tokenTypeIds"];
      enc.token_type_ids = types.isUndefined() ? std::vector<int32_t>(enc.input_ids.size(), 0)
                                               : emscripten::vecFromJSArray<int32_t>(types);
    }
    return {};
  }

  std::unique_ptr<bert::ModelLoader> loader_;
  std::unique_ptr<bert::Model> model_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(bert_wasm) {
  emscripten::class_<WasmModel>("WasmModel")
      .constructor<>()
      .function("begin", &WasmModel::begin)
      .function("write", &WasmModel::write)
      .function("finish", &WasmModel::finish)
      .function("config", &WasmModel::config)
      .function("threads", &WasmModel::threads)
      .function("setThreads", &WasmModel::setThreads)
      .function("tokenize", &WasmModel::tokenize)
      .function("decode", &WasmModel::decode)
      .function("fillMask", &WasmModel::fillMask)
      .function("embed", &WasmModel::embed)
      .function("encode", &WasmModel::encode);
}
