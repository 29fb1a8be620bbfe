// The Embind layer: converts between JS values and the C++ API, nothing more. Every method returns a
// plain object: {ok: true, ...} or {ok: false, code, message}; js/ turns failures into BertError.
// Text offsets cross as UTF-16 indices (what JS strings use), converted here from UTF-8 bytes.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernels/microkernels.h"
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

// A byte count from JS, where -1 means unknown.
std::optional<uint64_t> SizeOrNone(double bytes) {
  return bytes >= 0 ? std::optional<uint64_t>(static_cast<uint64_t>(bytes)) : std::nullopt;
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

template <typename T>
val Array(const std::vector<T>& values) {
  val out = val::array();
  for (size_t i = 0; i < values.size(); ++i) out.set(i, values[i]);
  return out;
}

std::string StringField(const val& object, const char* key) {
  const val v = object[key];
  return v.isString() ? v.as<std::string>() : std::string();
}

// UTF-16 index of every byte offset of a UTF-8 text (entries inside a code point are unused).
std::vector<uint32_t> Utf16Index(const std::string& text) {
  std::vector<uint32_t> index(text.size() + 1);
  uint32_t units = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    index[i] = units;
    const auto byte = static_cast<uint8_t>(text[i]);
    if ((byte & 0xC0) != 0x80) units += byte >= 0xF0 ? 2 : 1;  // a 4-byte sequence is a surrogate pair
  }
  index[text.size()] = units;
  return index;
}

val Offsets(const std::vector<bert::Span>& spans, const std::vector<int8_t>& sequences, const std::string& text,
            const std::string& pair) {
  const std::vector<uint32_t> first = Utf16Index(text), second = Utf16Index(pair);
  val out = val::array();
  for (size_t i = 0; i < spans.size(); ++i) {
    const std::vector<uint32_t>& index = sequences[i] == 1 ? second : first;
    out.set(i, Array(std::vector<uint32_t>{index[spans[i].begin], index[spans[i].end]}));
  }
  return out;
}

class WasmModel {
 public:
  // Loading, with the weights streamed: begin() with the small files ({config, vocab, tokenizer,
  // tokenizerConfig, modules, poolingConfig, sentenceBertConfig} as strings, optional ones empty), write()
  // each chunk of model.safetensors (from a staging buffer in wasm memory), then finish().
  // dtype: "fp32", "q8", or "" for what the checkpoint is (see bert::ModelOptions).
  val begin(const val& texts, int threads, double weights_size, const std::string& dtype) {
    if (dtype != "fp32" && dtype != "q8" && !dtype.empty()) {
      return Failure(bert::Error(bert::StatusCode::kInvalidArgument, "dtype must be 'fp32' or 'q8', got '" + dtype + "'"));
    }
    const std::string config = StringField(texts, "config"), vocab = StringField(texts, "vocab"),
                      tokenizer = StringField(texts, "tokenizer"), tokenizer_config = StringField(texts, "tokenizerConfig"),
                      modules = StringField(texts, "modules"), pooling = StringField(texts, "poolingConfig"),
                      sentence_bert = StringField(texts, "sentenceBertConfig");
    bert::ModelFiles files;  // read during Create only
    files.config_json = config;
    files.vocab_txt = vocab;
    files.tokenizer_json = tokenizer;
    files.tokenizer_config_json = tokenizer_config;
    files.modules_json = modules;
    files.pooling_config_json = pooling;
    files.sentence_bert_config_json = sentence_bert;
    bert::ModelOptions options{.threads = threads};
    if (!dtype.empty()) options.dtype = dtype == "q8" ? bert::WeightDType::kQ8 : bert::WeightDType::kF32;
    const bert::Status status = bert::ModelLoader::Create(files, options, SizeOrNone(weights_size), &loader_);
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

  // What the model is and can do.
  val info() const {
    const bert::Config& c = model_->config();
    const bert::Capabilities can = model_->capabilities();
    val config = val::object();
    config.set("family", std::string(c.family == bert::Family::kBert ? "bert" : "distilbert"));
    config.set("vocabSize", c.vocab_size);
    config.set("hiddenSize", c.hidden_size);
    config.set("numLayers", c.num_layers);
    config.set("numHeads", c.num_heads);
    config.set("intermediateSize", c.intermediate_size);
    config.set("maxPositions", c.max_positions);
    config.set("maxLength", static_cast<double>(model_->max_length()));
    config.set("typeVocabSize", c.type_vocab_size);
    config.set("hiddenAct", std::string(bert::ActivationName(c.hidden_act)));
    val heads = val::object();
    heads.set("fillMask", can.fill_mask);
    heads.set("classification", can.classification);
    heads.set("tokenClassification", can.token_classification);
    heads.set("questionAnswering", can.question_answering);
    heads.set("nextSentence", can.next_sentence);
    heads.set("pooler", can.pooler);
    const bert::SentenceTransformersConfig& st = model_->sentence_config();
    val embedding = val::object();
    embedding.set("pooling", std::string(PoolingName(st.embedding.pooling)));
    embedding.set("normalize", st.embedding.normalize);
    embedding.set("maxLength", static_cast<double>(st.max_seq_length ? std::min(st.max_seq_length, model_->max_length())
                                                                      : model_->max_length()));
    val out = val::object();
    out.set("architecture", c.architecture);
    out.set("dtype", std::string(model_->dtype() == bert::WeightDType::kQ8 ? "q8" : "fp32"));
    const bert::Microkernels& kernels = bert::ActiveMicrokernels();
    out.set("gemm", std::string(model_->dtype() == bert::WeightDType::kQ8 ? kernels.gemm_q8->name : kernels.gemm_f32_name));
    out.set("config", config);
    out.set("heads", heads);
    out.set("labels", Array(c.labels));
    out.set("multiLabel", c.multi_label);
    out.set("embedding", embedding);
    return out;
  }

  int threads() const { return model_->threads(); }
  void setThreads(int threads) { model_->SetThreads(threads); }

  // text: a string; pair: a string or null.
  val tokenize(const std::string& text, const val& pair, bool truncation) const {
    bert::TokenizedText t;
    const std::string second = pair.isString() ? pair.as<std::string>() : "";
    if (bert::Status st = Tokenize(text, pair, truncation, model_->max_length(), &t); !st.ok()) return Failure(st);
    val out = Success();
    out.set("inputIds", TypedArray("Int32Array", t.input_ids));
    out.set("tokenTypeIds", TypedArray("Int32Array", t.token_type_ids));
    out.set("tokens", Array(t.tokens));
    out.set("offsets", Offsets(t.offsets, t.sequence_ids, text, second));
    out.set("sequenceIds", Array(std::vector<int>(t.sequence_ids.begin(), t.sequence_ids.end())));
    out.set("wordIds", Array(t.word_ids));
    return out;
  }

  std::string decode(const val& ids, bool skip_special_tokens) const {
    return model_->tokenizer().Decode(emscripten::vecFromJSArray<int32_t>(ids), skip_special_tokens);
  }

  // With attentions each result is {predictions, tokens, attentions}, else the predictions alone.
  val fillMask(const val& inputs, int top_k, bool truncation, bool output_attentions) {
    std::vector<bert::TokenizedText> batch;
    if (bert::Status st = TokenizeAll(inputs, truncation, model_->max_length(), &batch); !st.ok()) return Failure(st);
    std::vector<bert::FillMaskResult> results;
    if (bert::Status st = model_->FillMask(batch, top_k, &results, output_attentions); !st.ok()) return Failure(st);
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
      if (!output_attentions) {
        all.set(t, masks);
        continue;
      }
      val item = val::object();
      item.set("predictions", masks);
      item.set("tokens", Array(batch[t].tokens));
      item.set("attentions", TypedArray("Float32Array", results[t].attentions));
      all.set(t, item);
    }
    return Result(all);
  }

  val embed(const val& inputs, const std::string& pooling, bool normalize, bool truncation, double max_length) {
    bert::EmbeddingOptions options{bert::Pooling::kMean, normalize};
    for (bert::Pooling p : {bert::Pooling::kNone, bert::Pooling::kCls, bert::Pooling::kMean, bert::Pooling::kMax,
                            bert::Pooling::kMeanSqrtLen}) {
      if (pooling == PoolingName(p)) options.pooling = p;
    }
    std::vector<bert::TokenizedText> batch;
    if (bert::Status st = TokenizeAll(inputs, truncation, static_cast<size_t>(max_length), &batch); !st.ok()) {
      return Failure(st);
    }
    bert::Embeddings embeddings;
    if (bert::Status st = model_->Embed(batch, options, &embeddings); !st.ok()) return Failure(st);
    val out = Success();
    out.set("data", TypedArray("Float32Array", embeddings.data));
    out.set("dims", Array(std::vector<double>(embeddings.dims.begin(), embeddings.dims.end())));
    return out;
  }

  // One text (and optional pair) through the encoder: hidden states, pooled output, attentions.
  val encode(const std::string& text, const val& pair, bool truncation, bool output_attentions) {
    bert::TokenizedText t;
    if (bert::Status st = Tokenize(text, pair, truncation, model_->max_length(), &t); !st.ok()) return Failure(st);
    std::vector<bert::EncoderOutput> outputs;
    if (bert::Status st = model_->RunEncoder({&t, 1}, output_attentions, &outputs); !st.ok()) return Failure(st);
    const bert::EncoderOutput& o = outputs[0];
    val out = Success();
    out.set("tokens", Array(t.tokens));
    out.set("inputIds", TypedArray("Int32Array", t.input_ids));
    out.set("lastHiddenState", TypedArray("Float32Array", o.last_hidden_state));
    if (!o.pooled.empty()) out.set("pooled", TypedArray("Float32Array", o.pooled));
    if (output_attentions) out.set("attentions", TypedArray("Float32Array", o.attentions));
    return out;
  }

  // The task head's raw logits per input.
  val logits(const val& inputs, bool truncation) {
    std::vector<bert::TokenizedText> batch;
    if (bert::Status st = TokenizeAll(inputs, truncation, model_->max_length(), &batch); !st.ok()) return Failure(st);
    std::vector<std::vector<float>> logits;
    if (bert::Status st = model_->HeadLogits(batch, &logits); !st.ok()) return Failure(st);
    val all = val::array();
    for (size_t i = 0; i < logits.size(); ++i) all.set(i, TypedArray("Float32Array", logits[i]));
    return Result(all);
  }

  // Every label, best first, per input.
  val classify(const val& inputs, bool truncation) {
    std::vector<bert::TokenizedText> batch;
    if (bert::Status st = TokenizeAll(inputs, truncation, model_->max_length(), &batch); !st.ok()) return Failure(st);
    std::vector<std::vector<bert::LabelScore>> results;
    if (bert::Status st = model_->Classify(batch, &results); !st.ok()) return Failure(st);
    val all = val::array();
    for (size_t i = 0; i < results.size(); ++i) {
      val list = val::array();
      for (size_t k = 0; k < results[i].size(); ++k) {
        val item = val::object();
        item.set("label", results[i][k].label);
        item.set("score", results[i][k].score);
        list.set(k, item);
      }
      all.set(i, list);
    }
    return Result(all);
  }

  val nextSentence(const val& inputs, bool truncation) {
    std::vector<bert::TokenizedText> batch;
    if (bert::Status st = TokenizeAll(inputs, truncation, model_->max_length(), &batch); !st.ok()) return Failure(st);
    std::vector<bert::NextSentenceResult> results;
    if (bert::Status st = model_->NextSentence(batch, &results); !st.ok()) return Failure(st);
    val all = val::array();
    for (size_t i = 0; i < results.size(); ++i) {
      val item = val::object();
      item.set("isNext", results[i].is_next);
      item.set("score", results[i].score);
      all.set(i, item);
    }
    return Result(all);
  }

  // texts: strings; aggregation: none | simple | first | average | max.
  val classifyTokens(const val& texts, const std::string& aggregation, const val& ignore_labels) {
    static constexpr std::pair<const char*, bert::Aggregation> kAggregations[] = {
        {"none", bert::Aggregation::kNone},
        {"simple", bert::Aggregation::kSimple},
        {"first", bert::Aggregation::kFirst},
        {"average", bert::Aggregation::kAverage},
        {"max", bert::Aggregation::kMax}};
    bert::TokenClassificationOptions options;
    for (const auto& [name, value] : kAggregations) {
      if (aggregation == name) options.aggregation = value;
    }
    options.ignore_labels = emscripten::vecFromJSArray<std::string>(ignore_labels);
    const std::vector<std::string> owned = emscripten::vecFromJSArray<std::string>(texts);
    const std::vector<std::string_view> views(owned.begin(), owned.end());
    std::vector<std::vector<bert::Entity>> results;
    if (bert::Status st = model_->ClassifyTokens(views, options, &results); !st.ok()) return Failure(st);
    val all = val::array();
    for (size_t i = 0; i < results.size(); ++i) {
      const std::vector<uint32_t> index = Utf16Index(owned[i]);
      val list = val::array();
      for (size_t k = 0; k < results[i].size(); ++k) {
        const bert::Entity& e = results[i][k];
        val item = val::object();
        item.set("entity", e.entity);
        item.set("score", e.score);
        if (e.index >= 0) item.set("index", e.index);
        item.set("word", e.word);
        item.set("start", index[e.span.begin]);
        item.set("end", index[e.span.end]);
        list.set(k, item);
      }
      all.set(i, list);
    }
    return Result(all);
  }

  // options: {topK, maxAnswerLength, maxSeqLength, docStride, handleImpossibleAnswer}, all given.
  val answer(const std::string& question, const std::string& context, const val& o) {
    const bert::QuestionAnsweringOptions options{o["topK"].as<int>(), o["maxAnswerLength"].as<int>(),
                                                 o["maxSeqLength"].as<int>(), o["docStride"].as<int>(),
                                                 o["handleImpossibleAnswer"].as<bool>()};
    std::vector<bert::Answer> answers;
    if (bert::Status st = model_->AnswerQuestion(question, context, options, &answers); !st.ok()) return Failure(st);
    const std::vector<uint32_t> index = Utf16Index(context);
    val all = val::array();
    for (size_t i = 0; i < answers.size(); ++i) {
      val item = val::object();
      item.set("answer", answers[i].text);
      item.set("score", answers[i].score);
      item.set("start", index[answers[i].span.begin]);
      item.set("end", index[answers[i].span.end]);
      all.set(i, item);
    }
    return Result(all);
  }

 private:
  static const char* PoolingName(bert::Pooling pooling) {
    switch (pooling) {
      case bert::Pooling::kNone: return "none";
      case bert::Pooling::kCls: return "cls";
      case bert::Pooling::kMean: return "mean";
      case bert::Pooling::kMax: return "max";
      case bert::Pooling::kMeanSqrtLen: return "mean_sqrt_len";
    }
    return "mean";
  }

  static val Result(const val& results) {
    val out = Success();
    out.set("results", results);
    return out;
  }

  bert::Status Tokenize(const std::string& text, const val& pair, bool truncation, size_t max_length,
                        bert::TokenizedText* t) const {
    std::optional<std::string> second;
    if (pair.isString()) second = pair.as<std::string>();
    return model_->tokenizer().Tokenize(text, second ? std::optional<std::string_view>(*second) : std::nullopt,
                                        max_length, truncation, t);
  }

  // Each input is a string, {text, pair} (tokenized here), or {inputIds, tokenTypeIds?} (checked by the
  // encoder).
  bert::Status TokenizeAll(const val& inputs, bool truncation, size_t max_length,
                           std::vector<bert::TokenizedText>* batch) const {
    const unsigned n = inputs["length"].as<unsigned>();
    for (unsigned i = 0; i < n; ++i) {
      const val input = inputs[i];
      bert::TokenizedText& t = batch->emplace_back();
      if (input.isString()) {
        BERT_RETURN_IF_ERROR(Tokenize(input.as<std::string>(), val::null(), truncation, max_length, &t));
      } else if (input["text"].isString()) {
        BERT_RETURN_IF_ERROR(Tokenize(input["text"].as<std::string>(), input["pair"], truncation, max_length, &t));
      } else {
        t.input_ids = emscripten::vecFromJSArray<int32_t>(input["inputIds"]);
        const val types = input["tokenTypeIds"];
        t.token_type_ids = types.isUndefined() || types.isNull() ? std::vector<int32_t>(t.input_ids.size(), 0)
                                                                : emscripten::vecFromJSArray<int32_t>(types);
      }
    }
    return {};
  }

  std::unique_ptr<bert::ModelLoader> loader_;
  std::unique_ptr<bert::Model> model_;
};

// A checkpoint rewritten as q8: begin(config.json's text, size or -1), write() each chunk of
// model.safetensors, finish(), then bytes() views the new file in wasm memory (valid until delete()).
class WasmQuantizer {
 public:
  val begin(const std::string& config, double weights_size) {
    const bert::Status status = bert::Quantizer::Create(config, SizeOrNone(weights_size), &quantizer_);
    return status.ok() ? Success() : Failure(status);
  }

  val write(uintptr_t bytes, size_t length) {
    const bert::Status status = quantizer_->Write({reinterpret_cast<const uint8_t*>(bytes), length});
    return status.ok() ? Success() : Failure(status);
  }

  val finish() {
    const bert::Status status = quantizer_->Finish(&file_);
    quantizer_.reset();
    return status.ok() ? Success() : Failure(status);
  }

  val bytes() const { return val(emscripten::typed_memory_view(file_.size(), file_.data())); }

 private:
  std::unique_ptr<bert::Quantizer> quantizer_;
  std::vector<uint8_t> file_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(bert_wasm) {
  emscripten::function("microkernelsWork", &bert::MicrokernelsSelfTest);
  emscripten::class_<WasmQuantizer>("WasmQuantizer")
      .constructor<>()
      .function("begin", &WasmQuantizer::begin)
      .function("write", &WasmQuantizer::write)
      .function("finish", &WasmQuantizer::finish)
      .function("bytes", &WasmQuantizer::bytes);
  emscripten::class_<WasmModel>("WasmModel")
      .constructor<>()
      .function("begin", &WasmModel::begin)
      .function("write", &WasmModel::write)
      .function("finish", &WasmModel::finish)
      .function("info", &WasmModel::info)
      .function("threads", &WasmModel::threads)
      .function("setThreads", &WasmModel::setThreads)
      .function("tokenize", &WasmModel::tokenize)
      .function("decode", &WasmModel::decode)
      .function("fillMask", &WasmModel::fillMask)
      .function("embed", &WasmModel::embed)
      .function("encode", &WasmModel::encode)
      .function("logits", &WasmModel::logits)
      .function("classify", &WasmModel::classify)
      .function("nextSentence", &WasmModel::nextSentence)
      .function("classifyTokens", &WasmModel::classifyTokens)
      .function("answer", &WasmModel::answer);
}
