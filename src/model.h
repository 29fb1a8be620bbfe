// bert-wasm's C++ API: load a Hugging Face BERT or DistilBERT checkpoint and run its tasks.
//
//   std::unique_ptr<bert::Model> model;
//   bert::Status st = bert::Model::LoadFromDirectory("models/bert-base-uncased", {.threads = 2}, &model);
//   bert::TokenizedText input;
//   st = model->tokenizer().Tokenize("Paris is the [MASK] of France.", std::nullopt,
//                                    model->config().max_positions, /*truncation=*/true, &input);
//   std::vector<bert::FillMaskResult> results;
//   st = model->FillMask({&input, 1}, /*top_k=*/5, &results);
//   // results[0].masks[0][0].token == "capital"
//
// Every call returns a Status; nothing throws or aborts, and a Model stays usable after an error. A task
// the checkpoint has no head for is kNoHead. Thread safety: a Model runs one call at a time (it owns its
// activations and thread pool); use one Model per thread, or serialize calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "io/model_files.h"
#include "io/tensors.h"
#include "nn/config.h"
#include "tasks/classification.h"
#include "tasks/embeddings.h"
#include "tasks/fill_mask.h"
#include "tasks/head_logits.h"
#include "tasks/question_answering.h"
#include "tasks/token_classification.h"
#include "text/tokenizer.h"

namespace bert {

struct ModelOptions {
  int threads = 1;  // compute threads including the caller
  // kQ8: matrices quantized to int8 rows as they stream in; kF32 refuses a q8 checkpoint (its I8 weights
  // cannot be made exact again); unset: as the checkpoint is (q8 when it holds I8 matrices, else f32).
  std::optional<WeightDType> dtype = std::nullopt;
};

// What a checkpoint can do, from its heads.
struct Capabilities {
  bool fill_mask, classification, token_classification, question_answering, next_sentence, pooler;
};

class Model {
 public:
  // The whole checkpoint in memory; ModelLoader streams the weights instead.
  static Status Load(const ModelFiles& files, const ModelOptions& options, std::unique_ptr<Model>* out);
  // Streams model.safetensors from disk, never holding the whole file.
  static Status LoadFromDirectory(const std::string& dir, const ModelOptions& options, std::unique_ptr<Model>* out);
  ~Model();

  const Config& config() const;
  const Tokenizer& tokenizer() const;
  Capabilities capabilities() const;
  // Embedding defaults and max_seq_length of a sentence-transformers folder (defaults otherwise).
  const SentenceTransformersConfig& sentence_config() const;
  // The longest input in tokens: the model's positions, or the tokenizer's model_max_length when smaller.
  size_t max_length() const;
  int threads() const;
  void SetThreads(int threads);
  WeightDType dtype() const;  // the form its weights are computed in

  // The tasks (see tasks/*.h for their results).
  Status RunEncoder(std::span<const TokenizedText> batch, bool output_attentions, std::vector<EncoderOutput>* out);
  Status Embed(std::span<const TokenizedText> batch, const EmbeddingOptions& options, Embeddings* out);
  Status FillMask(std::span<const TokenizedText> batch, int top_k, std::vector<FillMaskResult>* out,
                  bool output_attentions = false);
  Status MaskedLmLogits(const TokenizedText& input, std::span<const int> positions, std::vector<float>* out);
  Status HeadLogits(std::span<const TokenizedText> batch, std::vector<std::vector<float>>* out);
  Status Classify(std::span<const TokenizedText> batch, std::vector<std::vector<LabelScore>>* out);
  Status NextSentence(std::span<const TokenizedText> batch, std::vector<NextSentenceResult>* out);
  Status ClassifyTokens(std::span<const std::string_view> texts, const TokenClassificationOptions& options,
                        std::vector<std::vector<Entity>>* out);
  Status AnswerQuestion(std::string_view question, std::string_view context, const QuestionAnsweringOptions& options,
                        std::vector<Answer>* out);

 private:
  friend class ModelLoader;
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Loads a model while its weights arrive (a network response, a file read in chunks): each tensor is
// converted as soon as its bytes are in, so peak memory stays close to the weights' size.
//   ModelLoader::Create(files, options, size, &loader);  // config and tokenizer checked here
//   loader->Write(chunk) ...                              // model.safetensors, in order
//   loader->Finish(&model);
class ModelLoader {
 public:
  // `files.safetensors` is ignored; `weights_size` (bytes), when known, lets errors show up early.
  static Status Create(const ModelFiles& files, const ModelOptions& options, std::optional<uint64_t> weights_size,
                       std::unique_ptr<ModelLoader>* out);
  ~ModelLoader();
  Status Write(std::span<const uint8_t> bytes);
  Status Finish(std::unique_ptr<Model>* out);

 private:
  struct State;
  explicit ModelLoader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Rewrites a checkpoint's model.safetensors as a q8 checkpoint (io/tensors.h's WriteQ8Checkpoint: a
// quarter of the size), streamed in like ModelLoader's; config.json says which tensors are matrices.
class Quantizer {
 public:
  static Status Create(std::string_view config_json, std::optional<uint64_t> weights_size, std::unique_ptr<Quantizer>* out);
  ~Quantizer();
  Status Write(std::span<const uint8_t> bytes);
  // The q8 model.safetensors; checks first that a model loads from the tensors read.
  Status Finish(std::vector<uint8_t>* file);

 private:
  struct State;
  explicit Quantizer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace bert
