// ModelLoader on a tiny fixed config and vocab with arbitrary bytes as model.safetensors, written in chunks
// of sizes taken from the input, then Finish and, when a model loads, one task: never crashes.
#include "fuzz_util.h"
#include "model.h"

namespace {

// Hidden size 4, one layer, 16 positions, 128 tokens: a whole valid checkpoint is a few KB.
constexpr const char* kConfigs[] = {
    R"({"architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": 128, "hidden_size": 4,
        "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8, "max_position_embeddings": 16,
        "type_vocab_size": 2})",
    R"({"architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert", "vocab_size": 128,
        "dim": 4, "n_layers": 1, "n_heads": 2, "hidden_dim": 8, "max_position_embeddings": 16,
        "id2label": {"0": "NEG", "1": "POS"}})",
};

}  // namespace

// Byte 0 bit 5 picks the config (BERT masked LM, DistilBERT classifier), bit 6 loads as q8 (matrices
// quantized on arrival; without it a file of I8 matrices and scales is a q8 checkpoint); see fuzz::Stream
// for the rest.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bert;
  const fuzz::Stream s = fuzz::Stream::Parse(data, size);
  const bool distilbert = size > 0 && (data[0] & 32);
  ModelFiles files;
  files.config_json = kConfigs[distilbert ? 1 : 0];
  files.vocab_txt = fuzz::TinyVocab();
  std::unique_ptr<ModelLoader> loader;
  ModelOptions options{.threads = 1};
  if (size > 0 && (data[0] & 64)) options.dtype = WeightDType::kQ8;
  CHECK(ModelLoader::Create(files, options, s.size, &loader).ok());
  size_t at = 0;
  for (size_t chunk : s.chunks) {
    const Status st = loader->Write(s.file.subspan(at, chunk));
    at += chunk;
    fuzz::Trace("write", st);
    if (!st.ok()) {
      CHECK(st.code() == StatusCode::kBadWeights);
      return 0;
    }
  }
  std::unique_ptr<Model> model;
  const Status st = loader->Finish(&model);
  fuzz::Trace("finish", st);
  if (!st.ok()) {
    CHECK(st.code() == StatusCode::kBadWeights && !model);
    return 0;
  }
  CHECK(model != nullptr);
  TokenizedText input;
  CHECK(model->tokenizer().Tokenize(fuzz::FixedText(), std::nullopt, model->max_length(), true, &input).ok());
  if (distilbert) {
    std::vector<std::vector<LabelScore>> out;
    CHECK(model->Classify({&input, 1}, &out).ok() && out.size() == 1 && out[0].size() == 2);
  } else {
    std::vector<FillMaskResult> out;
    const Status fm = model->FillMask({&input, 1}, 3, &out);
    CHECK(fm.ok() || fm.code() == StatusCode::kNoHead);
    if (fm.ok()) CHECK(out.size() == 1 && out[0].masks.size() == 1 && out[0].masks[0].size() == 3);
  }
  return 0;
}
