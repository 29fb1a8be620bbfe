// The facade: loading (the one path from files to a Network) and the tasks, each delegated to tasks/.
#include "model.h"

#include <algorithm>
#include <fstream>

#include "io/safetensors.h"
#include "io/tensors.h"
#include "nn/network.h"
#include "tasks/common.h"

namespace bert {

struct Model::Impl {
  WeightDType dtype;
  Tokenizer tokenizer;
  SentenceTransformersConfig sentence;
  std::unique_ptr<Network> net;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

namespace {

// The tensors a q8 load or a q8 checkpoint quantizes, for this config's family.
QuantizePredicate Q8Predicate(const Config& config) {
  return [config](std::string_view name, std::span<const int64_t> shape) { return QuantizedInQ8(config, name, shape); };
}

}  // namespace
Model::~Model() = default;

struct ModelLoader::State {
  Config config;
  Tokenizer tokenizer;
  SentenceTransformersConfig sentence;
  int threads;
  std::optional<WeightDType> dtype;  // as asked; the checkpoint decides when unset
  bool quantized_file = false;       // the checkpoint holds I8 matrices (a q8 checkpoint)
  TensorMap tensors;  // filled by the reader's sink as tensors complete
  std::unique_ptr<SafetensorsReader> reader;
};

ModelLoader::ModelLoader(std::unique_ptr<State> state) : state_(std::move(state)) {}
ModelLoader::~ModelLoader() = default;

Status ModelLoader::Create(const ModelFiles& files, const ModelOptions& options, std::optional<uint64_t> weights_size,
                           std::unique_ptr<ModelLoader>* out) {
  auto state = std::make_unique<State>();
  BERT_RETURN_IF_ERROR(ParseConfig(files.config_json, &state->config));
  BERT_RETURN_IF_ERROR(
      Tokenizer::Load(files.vocab_txt, files.tokenizer_json, files.tokenizer_config_json, &state->tokenizer));
  if (state->tokenizer.vocab_size() > static_cast<size_t>(state->config.vocab_size)) {
    return Error(StatusCode::kBadVocab, "the vocab has " + std::to_string(state->tokenizer.vocab_size()) +
                                            " tokens but config.json's vocab_size is " +
                                            std::to_string(state->config.vocab_size));
  }
  BERT_RETURN_IF_ERROR(ParseSentenceTransformers(files.modules_json, files.pooling_config_json,
                                                 files.sentence_bert_config_json, &state->sentence));
  state->threads = std::max(1, options.threads);
  state->dtype = options.dtype;
  const QuantizePredicate quantize = options.dtype == WeightDType::kQ8 ? Q8Predicate(state->config) : QuantizePredicate{};
  State* s = state.get();
  state->reader = MakeTensorReader(&s->tensors, quantize, weights_size, [s](std::span<const TensorInfo> header) {
    s->quantized_file = std::any_of(header.begin(), header.end(), [](const TensorInfo& t) { return IsQ8Rows(t.dtype, t.shape); });
    if (s->quantized_file && s->dtype == WeightDType::kF32) {
      return Error(StatusCode::kInvalidArgument,
                   "model.safetensors is a q8 checkpoint (int8 weights): load it with dtype 'q8' or without a "
                   "dtype, not 'fp32'");
    }
    return Status();
  });
  out->reset(new ModelLoader(std::move(state)));
  return {};
}

Status ModelLoader::Write(std::span<const uint8_t> bytes) { return state_->reader->Write(bytes); }

Status ModelLoader::Finish(std::unique_ptr<Model>* out) {
  BERT_RETURN_IF_ERROR(state_->reader->Finish());
  Weights weights;
  BERT_RETURN_IF_ERROR(LoadWeights(state_->tensors, state_->config, &weights));
  state_->tensors.clear();  // what the model does not use
  auto impl = std::make_unique<Model::Impl>();
  impl->dtype = state_->quantized_file ? WeightDType::kQ8 : state_->dtype.value_or(WeightDType::kF32);
  impl->tokenizer = std::move(state_->tokenizer);
  impl->sentence = state_->sentence;
  impl->net = std::make_unique<Network>(std::move(state_->config), std::move(weights), state_->threads);
  out->reset(new Model(std::move(impl)));
  return {};
}

Status Model::Load(const ModelFiles& files, const ModelOptions& options, std::unique_ptr<Model>* out) {
  std::unique_ptr<ModelLoader> loader;
  BERT_RETURN_IF_ERROR(ModelLoader::Create(files, options, files.safetensors.size(), &loader));
  BERT_RETURN_IF_ERROR(loader->Write(files.safetensors));
  return loader->Finish(out);
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

const Config& Model::config() const { return impl_->net->config; }
const Tokenizer& Model::tokenizer() const { return impl_->tokenizer; }
const SentenceTransformersConfig& Model::sentence_config() const { return impl_->sentence; }
size_t Model::max_length() const { return MaxInputLength(config(), impl_->tokenizer); }
int Model::threads() const { return impl_->net->pool->threads(); }
WeightDType Model::dtype() const { return impl_->dtype; }

Capabilities Model::capabilities() const {
  const Weights& w = impl_->net->weights;
  const Head head = impl_->net->config.head;
  return {w.mlm.has_value(), head == Head::kSequenceClassification, head == Head::kTokenClassification,
          w.qa_outputs.has_value(), w.next_sentence.has_value(), w.pooler.has_value()};
}

void Model::SetThreads(int threads) {
  threads = std::max(1, threads);
  if (threads != impl_->net->pool->threads()) impl_->net->pool = std::make_unique<ThreadPool>(threads);
}

Status Model::RunEncoder(std::span<const TokenizedText> batch, bool output_attentions, std::vector<EncoderOutput>* out) {
  return bert::RunEncoder(*impl_->net, batch, output_attentions, out);
}
Status Model::Embed(std::span<const TokenizedText> batch, const EmbeddingOptions& options, Embeddings* out) {
  return bert::Embed(*impl_->net, batch, options, out);
}
Status Model::FillMask(std::span<const TokenizedText> batch, int top_k, std::vector<FillMaskResult>* out,
                       bool output_attentions) {
  return bert::FillMask(*impl_->net, impl_->tokenizer, batch, top_k, output_attentions, out);
}
Status Model::MaskedLmLogits(const TokenizedText& input, std::span<const int> positions, std::vector<float>* out) {
  return bert::MaskedLmLogits(*impl_->net, input, positions, out);
}
Status Model::HeadLogits(std::span<const TokenizedText> batch, std::vector<std::vector<float>>* out) {
  return bert::HeadLogits(*impl_->net, batch, out);
}
Status Model::Classify(std::span<const TokenizedText> batch, std::vector<std::vector<LabelScore>>* out) {
  return bert::Classify(*impl_->net, batch, out);
}
Status Model::NextSentence(std::span<const TokenizedText> batch, std::vector<NextSentenceResult>* out) {
  return bert::NextSentence(*impl_->net, batch, out);
}
Status Model::ClassifyTokens(std::span<const std::string_view> texts, const TokenClassificationOptions& options,
                             std::vector<std::vector<Entity>>* out) {
  return bert::ClassifyTokens(*impl_->net, impl_->tokenizer, texts, options, out);
}
Status Model::AnswerQuestion(std::string_view question, std::string_view context,
                             const QuestionAnsweringOptions& options, std::vector<Answer>* out) {
  return bert::AnswerQuestion(*impl_->net, impl_->tokenizer, question, context, options, out);
}

struct Quantizer::State {
  Config config;
  TensorMap tensors;
  std::unique_ptr<SafetensorsReader> reader;
};

Quantizer::Quantizer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Quantizer::~Quantizer() = default;

Status Quantizer::Create(std::string_view config_json, std::optional<uint64_t> weights_size, std::unique_ptr<Quantizer>* out) {
  auto state = std::make_unique<State>();
  BERT_RETURN_IF_ERROR(ParseConfig(config_json, &state->config));
  state->reader = MakeTensorReader(&state->tensors, Q8Predicate(state->config), weights_size);
  out->reset(new Quantizer(std::move(state)));
  return {};
}

Status Quantizer::Write(std::span<const uint8_t> bytes) { return state_->reader->Write(bytes); }

Status Quantizer::Finish(std::vector<uint8_t>* file) {
  BERT_RETURN_IF_ERROR(state_->reader->Finish());
  BERT_RETURN_IF_ERROR(WriteQ8Checkpoint(state_->tensors, file));
  // The model must load from what the file holds (the same tensors, packed as a model packs them).
  Weights weights;
  return LoadWeights(state_->tensors, state_->config, &weights);
}

}  // namespace bert
