// bert-wasm's C++ API: load a Hugging Face BERT checkpoint, encode text, fill masks.
//
//   std::unique_ptr<bert::Model> model;
//   bert::Status st = bert::Model::LoadFromDirectory("models/bert-base-uncased", {.threads = 2}, &model);
//   bert::Encoding enc;
//   st = model->tokenizer().Encode("Paris is the [MASK] of France.", std::nullopt,
//                                  model->config().max_positions, /*truncation=*/true, &enc);
//   std::vector<bert::FillMaskResult> results;
//   st = model->FillMask({&enc, 1}, /*top_k=*/5, &results);
//   // results[0].masks[0][0].token == "capital"
//
// Every call returns a Status; nothing throws or aborts, and a Model stays usable after an error.
// Thread safety: a Model runs one call at a time (it owns its activations and thread pool); use one
// Model per thread, or serialize calls.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nn/config.h"
#include "core/status.h"
#include "text/tokenizer.h"

namespace bert {

// The files of a Hugging Face model folder, already in memory.
struct ModelFiles {
  std::string_view config_json;
  std::string_view vocab_txt;              // may be empty when tokenizer_json holds the vocab
  std::string_view tokenizer_json;         // optional
  std::string_view tokenizer_config_json;  // optional
  std::span<const uint8_t> safetensors;    // model.safetensors (Model::Load; ModelLoader streams it instead)
};

// A model folder read from disk (path convenience on top of ModelFiles).
struct ModelFolder {
  std::string config_json, vocab_txt, tokenizer_json, tokenizer_config_json, safetensors;

  // Reads config.json, vocab.txt (else tokenizer.json), tokenizer_config.json if present and, when
  // `with_weights`, model.safetensors. Missing required files are kIo naming the path.
  static Status Read(const std::string& dir, bool with_weights, ModelFolder* out);
  ModelFiles files() const;
};

struct ModelOptions {
  int threads = 1;  // compute threads including the caller
};

struct Prediction {
  int32_t token_id = 0;
  std::string token;     // the vocab entry
  float score = 0;       // softmax probability over the vocabulary
  std::string sequence;  // the input with this token in place of the [MASK], decoded as Hugging Face does
};

struct FillMaskResult {
  std::vector<std::vector<Prediction>> masks;  // one list per [MASK] in order, best first
};

struct EncoderOutput {
  int tokens = 0;
  std::vector<float> last_hidden_state;  // [tokens x hidden]
  std::vector<float> pooled;             // [hidden] tanh(pooler([CLS])); empty without a pooler
  std::vector<float> attentions;         // [layers][heads][tokens][tokens] when requested
};

enum class Pooling { kNone, kMean, kCls };

// Embeddings as one flat array: dims = [batch, hidden], or [batch, max_tokens, hidden] for kNone
// (shorter sequences zero-padded).
struct Embeddings {
  std::vector<float> data;
  std::vector<size_t> dims;
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
  bool has_mlm_head() const;
  bool has_pooler() const;
  int threads() const;
  void SetThreads(int threads);

  // Runs the encoder over a batch; each sequence gets exactly its unbatched result.
  Status Encode(std::span<const Encoding> batch, bool output_attentions, std::vector<EncoderOutput>* out);

  // Sentence embeddings: mean over all tokens, the [CLS] token, or every token; optionally L2-normalized.
  Status Embed(std::span<const Encoding> batch, Pooling pooling, bool normalize, Embeddings* out);

  // Masked-LM logits [positions x vocab_size] at chosen positions of one sequence (any tokens there):
  // for scoring candidates, or comparing with a reference implementation.
  Status Logits(const Encoding& input, std::span<const int> positions, std::vector<float>* out);

  // Top-k predictions at every [MASK] of every sequence. kNoMask when a sequence has none,
  // kNoMlmHead for checkpoints without the masked-LM head.
  Status FillMask(std::span<const Encoding> batch, int top_k, std::vector<FillMaskResult>* out);

 private:
  friend class ModelLoader;
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  Status FillMaskChunk(std::span<const Encoding> batch, int top_k, std::span<FillMaskResult> out);
  // Runs the encoder, then the MLM head at positions[s] of each sequence s; logits land in Impl::logits.
  Status HeadLogits(std::span<const Encoding> batch, const std::vector<std::vector<int>>& positions);
  std::unique_ptr<Impl> impl_;
};

// Loads a model while its weights arrive (a network response, a file read in chunks): the safetensors
// bytes are converted as they come, so peak memory stays close to the weights' size.
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

}  // namespace bert
