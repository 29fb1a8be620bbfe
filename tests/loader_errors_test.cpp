// Every malformed input gives a status naming the file, tensor or field, and nothing breaks after it:
// the loader loads a good model again and a model keeps answering after a failed call.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "model.h"
#include "io/safetensors.h"
#include "io/tensors.h"
#include "test_util.h"

namespace bert {
namespace {

using nlohmann::json;
using testing::ModelDir;
using testing::SafetensorsWriter;

struct Files {
  std::string config, vocab, tokenizer_config, weights;
  ModelFiles view() const {
    ModelFiles files;
    files.config_json = config;
    files.vocab_txt = vocab;
    files.tokenizer_config_json = tokenizer_config;
    files.safetensors = {reinterpret_cast<const uint8_t*>(weights.data()), weights.size()};
    return files;
  }
};

const Files& TinyFiles() {
  static const Files files = [] {
    ModelFolder folder;
    EXPECT_TRUE(ModelFolder::Read(ModelDir("tiny-random"), true, &folder).ok());
    return Files{folder.config_json, folder.vocab_txt, folder.tokenizer_config_json, folder.safetensors};
  }();
  return files;
}

// Rewrites the tiny model's weights as F32; `edit` may rename (return a new name), drop (return "") or
// relabel the dtype of a tensor.
std::string RewriteWeights(const std::function<std::string(const std::string& name, std::string* dtype)>& edit) {
  const std::string& bytes = TinyFiles().weights;
  TensorMap tensors;
  auto reader = MakeTensorReader(&tensors, {}, std::nullopt);
  EXPECT_TRUE(reader->Write({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}).ok());
  EXPECT_TRUE(reader->Finish().ok());
  SafetensorsWriter w;
  for (const auto& [original, t] : tensors) {
    if (!IsFloat(t.dtype)) continue;
    std::string dtype = "F32";
    const std::string name = edit(original, &dtype);
    if (!name.empty()) w.Add(name, dtype, t.shape, t.values.data(), t.values.size() * sizeof(float));
  }
  return w.Bytes();
}

std::string EditConfig(const std::function<void(json&)>& edit) {
  json j = json::parse(TinyFiles().config);
  edit(j);
  return j.dump();
}

void ExpectModelWorks() {
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::Load(TinyFiles().view(), {}, &model).ok());
  TokenizedText enc;
  ASSERT_TRUE(model->tokenizer().Tokenize("the [MASK] works", std::nullopt, 512, true, &enc).ok());
  std::vector<FillMaskResult> results;
  ASSERT_TRUE(model->FillMask({&enc, 1}, 3, &results).ok());
  EXPECT_EQ(results[0].masks[0].size(), 3u);
}

struct LoadCase {
  std::string name;
  Files files;
  StatusCode code;
  std::string fragment;
};

std::vector<LoadCase> LoadCases() {
  const Files good = TinyFiles();
  std::vector<LoadCase> cases;
  auto add = [&](std::string name, const std::function<void(Files&)>& mutate, StatusCode code, std::string fragment) {
    Files f = good;
    mutate(f);
    cases.push_back({std::move(name), std::move(f), code, std::move(fragment)});
  };
  add("config not JSON", [](Files& f) { f.config = "{\"hidden_size\": "; }, StatusCode::kBadConfig, "config.json: not valid JSON");
  add("config missing field", [](Files& f) { f.config = EditConfig([](json& j) { j.erase("hidden_size"); }); },
      StatusCode::kBadConfig, "\"hidden_size\"");
  add("config wrong type", [](Files& f) { f.config = EditConfig([](json& j) { j["num_hidden_layers"] = "two"; }); },
      StatusCode::kBadConfig, "\"num_hidden_layers\" must be an integer");
  add("config heads do not divide", [](Files& f) { f.config = EditConfig([](json& j) { j["num_attention_heads"] = 3; }); },
      StatusCode::kBadConfig, "not a multiple");
  add("config unknown activation", [](Files& f) { f.config = EditConfig([](json& j) { j["hidden_act"] = "swish"; }); },
      StatusCode::kBadConfig, "hidden_act");
  add("config negative size", [](Files& f) { f.config = EditConfig([](json& j) { j["intermediate_size"] = -1; }); },
      StatusCode::kBadConfig, "\"intermediate_size\"");
  // Found by tests/fuzz (config): positive as a double, 0 as the float it was stored in (LayerNorm then
  // divides by zero on a constant row).
  add("config layer_norm_eps underflows a float",
      [](Files& f) { f.config = EditConfig([](json& j) { j["layer_norm_eps"] = 1e-92; }); }, StatusCode::kBadConfig,
      "\"layer_norm_eps\" must be a number in (0, 1]");
  add("shape mismatch", [](Files& f) { f.config = EditConfig([](json& j) { j["intermediate_size"] = 128; }); },
      StatusCode::kBadWeights, "\"bert.encoder.layer.0.intermediate.dense.weight\" has shape [256, 64]");
  add("more layers than stored", [](Files& f) { f.config = EditConfig([](json& j) { j["num_hidden_layers"] = 3; }); },
      StatusCode::kBadWeights, "missing tensor \"bert.encoder.layer.2.");
  add("vocab without [MASK]",
      [](Files& f) {
        const size_t at = f.vocab.find("[MASK]\n");
        f.vocab.replace(at, 6, "[MASQ]");
      },
      StatusCode::kBadVocab, "[MASK]");
  add("no vocab at all", [](Files& f) { f.vocab.clear(); }, StatusCode::kBadVocab, "");
  add("vocab larger than config", [](Files& f) { f.config = EditConfig([](json& j) { j["vocab_size"] = 100; }); },
      StatusCode::kBadVocab, "vocab_size");
  add("missing tensor",
      [](Files& f) {
        f.weights = RewriteWeights([](const std::string& name, std::string*) {
          return name == "bert.encoder.layer.1.attention.self.key.bias" ? "" : name;
        });
      },
      StatusCode::kBadWeights, "missing tensor \"bert.encoder.layer.1.attention.self.key.bias\"");
  add("MLM head without its bias",
      [](Files& f) {
        f.weights = RewriteWeights([](const std::string& name, std::string*) { return name == "cls.predictions.bias" ? "" : name; });
      },
      StatusCode::kBadWeights, "cls.predictions.bias");
  add("integer dtype for a weight",
      [](Files& f) {
        f.weights = RewriteWeights([](const std::string& name, std::string* dtype) {
          if (name == "bert.embeddings.LayerNorm.weight") *dtype = "I32";
          return name;
        });
      },
      StatusCode::kBadWeights, "\"bert.embeddings.LayerNorm.weight\": dtype I32 is not supported");
  add("truncated weights", [](Files& f) { f.weights.resize(f.weights.size() / 2); }, StatusCode::kBadWeights,
      "outside");
  add("empty weights", [](Files& f) { f.weights.clear(); }, StatusCode::kBadWeights, "too short");
  return cases;
}

TEST(LoaderErrors, EachMalformedInputIsNamedAndTheLoaderRecovers) {
  for (const LoadCase& c : LoadCases()) {
    std::unique_ptr<Model> model;
    const Status s = Model::Load(c.files.view(), {}, &model);
    EXPECT_EQ(s.code(), c.code) << c.name << ": " << s.message();
    EXPECT_NE(s.message().find(c.fragment), std::string::npos) << c.name << ": " << s.message();
    EXPECT_EQ(model, nullptr) << c.name;
    ExpectModelWorks();
  }
}

TEST(LoaderErrors, MissingFolderIsIoError) {
  std::unique_ptr<Model> model;
  const Status s = Model::LoadFromDirectory("/nonexistent/bert", {}, &model);
  EXPECT_EQ(s.code(), StatusCode::kIo);
  EXPECT_NE(s.message().find("/nonexistent/bert/config.json"), std::string::npos);
}

TEST(LoaderErrors, BareNamesAndLegacyLayerNormNamesLoad) {
  // Strip the "bert." prefix and rename LayerNorm weight/bias to gamma/beta: still the same model.
  Files f = TinyFiles();
  f.weights = RewriteWeights([](const std::string& original, std::string*) {
    std::string name = original.rfind("bert.", 0) == 0 ? original.substr(5) : original;
    if (name.ends_with("LayerNorm.weight")) name.replace(name.size() - 6, 6, "gamma");
    if (name.ends_with("LayerNorm.bias")) name.replace(name.size() - 4, 4, "beta");
    return name;
  });
  std::unique_ptr<Model> renamed, original;
  ASSERT_TRUE(Model::Load(f.view(), {}, &renamed).ok());
  ASSERT_TRUE(Model::Load(TinyFiles().view(), {}, &original).ok());
  TokenizedText enc;
  ASSERT_TRUE(original->tokenizer().Tokenize("same [MASK] here", std::nullopt, 512, true, &enc).ok());
  std::vector<FillMaskResult> a, b;
  ASSERT_TRUE(renamed->FillMask({&enc, 1}, 5, &a).ok());
  ASSERT_TRUE(original->FillMask({&enc, 1}, 5, &b).ok());
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(a[0].masks[0][i].token_id, b[0].masks[0][i].token_id);
    EXPECT_EQ(a[0].masks[0][i].score, b[0].masks[0][i].score);
  }
}

// Weights written in odd-sized chunks give exactly the model loaded from the whole file.
TEST(ModelLoader, StreamingInChunksEqualsWholeFile) {
  const Files& f = TinyFiles();
  std::unique_ptr<ModelLoader> loader;
  ASSERT_TRUE(ModelLoader::Create(f.view(), {}, std::nullopt, &loader).ok());
  const auto* bytes = reinterpret_cast<const uint8_t*>(f.weights.data());
  for (size_t at = 0, chunk = 1; at < f.weights.size(); at += chunk, chunk = chunk * 3 % 65537 + 1) {
    ASSERT_TRUE(loader->Write({bytes + at, std::min(chunk, f.weights.size() - at)}).ok());
  }
  std::unique_ptr<Model> streamed, whole;
  ASSERT_TRUE(loader->Finish(&streamed).ok());
  ASSERT_TRUE(Model::Load(f.view(), {}, &whole).ok());
  TokenizedText enc;
  ASSERT_TRUE(whole->tokenizer().Tokenize("streamed [MASK] weights", std::nullopt, 512, true, &enc).ok());
  std::vector<EncoderOutput> a, b;
  ASSERT_TRUE(streamed->RunEncoder({&enc, 1}, false, &a).ok());
  ASSERT_TRUE(whole->RunEncoder({&enc, 1}, false, &b).ok());
  EXPECT_EQ(a[0].last_hidden_state, b[0].last_hidden_state);
}

TEST(ModelLoader, BadConfigFailsBeforeAnyWeightsAndBadWeightsDuringTheStream) {
  Files f = TinyFiles();
  f.config = "{}";
  std::unique_ptr<ModelLoader> loader;
  EXPECT_EQ(ModelLoader::Create(f.view(), {}, std::nullopt, &loader).code(), StatusCode::kBadConfig);
  // Announce a file that ends 10 bytes after the header: the tensors' offsets are refused at once.
  const std::string& w = TinyFiles().weights;
  uint64_t header_length;
  std::memcpy(&header_length, w.data(), 8);
  ASSERT_TRUE(ModelLoader::Create(TinyFiles().view(), {}, 8 + header_length + 10, &loader).ok());
  const Status s = loader->Write({reinterpret_cast<const uint8_t*>(w.data()), static_cast<size_t>(8 + header_length)});
  EXPECT_EQ(s.code(), StatusCode::kBadWeights);
  EXPECT_NE(s.message().find("outside the"), std::string::npos) << s.message();
}

// Tensors of a checkpoint as the loader keeps them (I8 matrices as rows, scales as their own tensors).
TensorMap ReadTensors(std::span<const uint8_t> file) {
  TensorMap tensors;
  auto reader = MakeTensorReader(&tensors, {}, std::nullopt);
  EXPECT_TRUE(reader->Write(file).ok());
  EXPECT_TRUE(reader->Finish().ok());
  return tensors;
}

// Loads the tiny model's files with `weights` as its model.safetensors.
Status LoadTinyWith(std::string weights, std::unique_ptr<Model>* model) {
  Files files = TinyFiles();
  files.weights = std::move(weights);
  return Model::Load(files.view(), {}, model);
}

// The tiny checkpoint as `bert-wasm quantize` writes it.
std::vector<uint8_t> TinyQ8File() {
  const std::string& weights = TinyFiles().weights;
  std::unique_ptr<Quantizer> quantizer;
  std::vector<uint8_t> file;
  EXPECT_TRUE(Quantizer::Create(TinyFiles().config, std::nullopt, &quantizer).ok());
  EXPECT_TRUE(quantizer->Write({reinterpret_cast<const uint8_t*>(weights.data()), weights.size()}).ok());
  EXPECT_TRUE(quantizer->Finish(&file).ok());
  return file;
}

// A q8 checkpoint whose layer 0 key is F32 beside I8 query and value: refused by name, never packed as
// if all three were int8 (which would read past the key's rows).
TEST(ModelLoader, QueryKeyValueOfMixedDtypesAreRefused) {
  const std::string& weights = TinyFiles().weights;
  const std::span<const uint8_t> f32_file(reinterpret_cast<const uint8_t*>(weights.data()), weights.size());
  const std::vector<uint8_t> q8_file = TinyQ8File();
  const TensorMap f32 = ReadTensors(f32_file), q8 = ReadTensors(q8_file);
  const std::string key = "bert.encoder.layer.0.attention.self.key.weight";
  SafetensorsWriter w;
  for (const auto& [name, t] : q8) {
    if (name == key) {
      const Tensor& original = f32.at(key);
      w.Add(name, "F32", t.shape, original.values.data(), original.values.size() * sizeof(float));
    } else if (name != ScaleName(key) && !t.q8.values.empty()) {
      w.Add(name, "I8", t.shape, t.q8.values.data(), t.q8.values.size());
    } else if (name != ScaleName(key)) {
      w.Add(name, "F32", t.shape, t.values.data(), t.values.size() * sizeof(float));
    }
  }
  std::unique_ptr<Model> model;
  const Status s = LoadTinyWith(w.Bytes(), &model);
  EXPECT_EQ(s.code(), StatusCode::kBadWeights);
  EXPECT_NE(s.message().find("layer 0's query, key and value are not all of one dtype"), std::string::npos) << s.message();
  // The unedited q8 file loads, as q8.
  ASSERT_TRUE(LoadTinyWith({q8_file.begin(), q8_file.end()}, &model).ok());
  EXPECT_EQ(model->dtype(), WeightDType::kQ8);
}

// A q8 checkpoint with -128 in a matrix (another tool's int8, not symmetric): refused by name. The
// relaxed-SIMD kernel negates weights, and -128 has no int8 negation.
TEST(ModelLoader, Q8WeightsOfMinus128AreRefused) {
  const std::vector<uint8_t> q8_file = TinyQ8File();
  const std::string value = "bert.encoder.layer.1.attention.self.value.weight";
  SafetensorsWriter w;
  for (auto& [name, t] : ReadTensors(q8_file)) {
    if (!t.q8.values.empty()) {
      if (name == value) t.q8.values[5] = INT8_MIN;
      w.Add(name, "I8", t.shape, t.q8.values.data(), t.q8.values.size());
    } else {
      w.Add(name, "F32", t.shape, t.values.data(), t.values.size() * sizeof(float));
    }
  }
  std::unique_ptr<Model> model;
  const Status s = LoadTinyWith(w.Bytes(), &model);
  EXPECT_EQ(s.code(), StatusCode::kBadWeights);
  EXPECT_NE(s.message().find("\"" + value + "\" holds -128"), std::string::npos) << s.message();
}

// A header whose tensors cannot fit is refused when it is complete, before any tensor is allocated (in
// wasm32, more than the heap can still grow by; natively, more than the address space: here 7 tensors of
// 2^61 bytes).
TEST(ModelLoader, WeightsTooLargeToHoldAreRefusedBeforeAnyData) {
  json header = json::object();
  const uint64_t bytes = uint64_t{1} << 61;
  for (uint64_t i = 0; i < 7; ++i) {
    header[std::string(1, static_cast<char>('a' + i))] = {{"dtype", "F32"}, {"shape", {bytes / 4}}, {"data_offsets", {i * bytes, (i + 1) * bytes}}};
  }
  const std::string file = SafetensorsWriter::Assemble(header.dump(), "");
  std::unique_ptr<ModelLoader> loader;
  ASSERT_TRUE(ModelLoader::Create(TinyFiles().view(), {}, std::nullopt, &loader).ok());
  const Status s = loader->Write({reinterpret_cast<const uint8_t*>(file.data()), file.size()});
  EXPECT_EQ(s.code(), StatusCode::kOutOfMemory);
  EXPECT_NE(s.message().find("model.safetensors (7 tensors"), std::string::npos) << s.message();
  EXPECT_EQ(loader->Write({reinterpret_cast<const uint8_t*>(file.data()), 1}).code(), StatusCode::kOutOfMemory);
  // Without the header sink the same header is read on; its tensors then wait for data that never came.
  int delivered = 0;
  SafetensorsReader reader([&](const TensorPiece&) { return ++delivered, Status(); });
  EXPECT_TRUE(reader.Write({reinterpret_cast<const uint8_t*>(file.data()), file.size()}).ok());
  EXPECT_EQ(reader.Finish().code(), StatusCode::kBadWeights);
  EXPECT_EQ(delivered, 0);
}

// Found by tests/fuzz (config, tokenizer_json, sentence_transformers and safetensors targets, on inputs
// past their default size): JSON nested a million deep parses fine, but dumping it into an error message
// or copying it recursed once per level and overflowed the stack. Each file is now an error (or ignored).
TEST(LoaderErrors, DeeplyNestedJsonIsAnErrorNotAStackOverflow) {
  const size_t depth = 1'000'000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  Config config;
  const Status c = ParseConfig(R"({"model_type": )" + deep + "}", &config);
  EXPECT_EQ(c.code(), StatusCode::kBadConfig);
  EXPECT_NE(c.message().find("\"model_type\" (a JSON array)"), std::string::npos) << c.message();

  Tokenizer tokenizer;
  const Status t = Tokenizer::Load("", R"({"model": {"vocab": {"a": 0}}, "added_tokens": [)" + deep + "]}", "", &tokenizer);
  EXPECT_EQ(t.code(), StatusCode::kBadVocab);
  EXPECT_NE(t.message().find("added_tokens[0]"), std::string::npos) << t.message();

  const std::string modules = R"([{"type": "sentence_transformers.models.Pooling", "path": "1_Pooling", "x": )" + deep + "}]";
  SentenceTransformersConfig st;
  EXPECT_TRUE(ParseSentenceTransformers(modules, R"({"pooling_mode_cls_token": true})", "", &st).ok());
  EXPECT_EQ(st.embedding.pooling, Pooling::kCls);
  EXPECT_EQ(PoolingFolder(modules), "1_Pooling");

  const std::string header = R"({"x": {"dtype": "F32", "data_offsets": [0, 0], "shape": [4611686018427387904, 4611686018427387904, )" + deep + "]}}";
  SafetensorsReader reader([](const TensorPiece&) { return Status(); });
  const std::string file = SafetensorsWriter::Assemble(header, "");
  const Status w = reader.Write({reinterpret_cast<const uint8_t*>(file.data()), file.size()});
  EXPECT_EQ(w.code(), StatusCode::kBadWeights);
  EXPECT_NE(w.message().find("non-negative integers"), std::string::npos) << w.message();
}

// Bad calls on a loaded model return errors and leave it answering exactly as before.
TEST(CallErrors, BadCallsLeaveTheModelUsable) {
  std::unique_ptr<Model> model;
  ASSERT_TRUE(Model::Load(TinyFiles().view(), {}, &model).ok());
  TokenizedText good;
  ASSERT_TRUE(model->tokenizer().Tokenize("a [MASK] b", std::nullopt, 512, true, &good).ok());
  std::vector<FillMaskResult> before, after;
  ASSERT_TRUE(model->FillMask({&good, 1}, 5, &before).ok());

  TokenizedText enc;
  EXPECT_EQ(model->tokenizer().Tokenize("bad \xff\xfe utf8", std::nullopt, 512, true, &enc).code(), StatusCode::kBadText);
  const std::string long_text(3000, 'a');
  std::string spaced;
  for (char c : long_text) (spaced += c) += ' ';
  EXPECT_EQ(model->tokenizer().Tokenize(spaced, std::nullopt, 512, false, &enc).code(), StatusCode::kTooLong);

  TokenizedText no_mask;
  ASSERT_TRUE(model->tokenizer().Tokenize("no mask", std::nullopt, 512, true, &no_mask).ok());
  std::vector<FillMaskResult> results;
  const Status s = model->FillMask({&no_mask, 1}, 5, &results);
  EXPECT_EQ(s.code(), StatusCode::kNoMask);
  EXPECT_NE(s.message().find("[MASK]"), std::string::npos);
  EXPECT_EQ(model->FillMask({&good, 1}, 0, &results).code(), StatusCode::kInvalidArgument);
  const int vocab = model->config().vocab_size;
  EXPECT_EQ(model->FillMask({&good, 1}, vocab + 1, &results).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(model->FillMask({&good, 1}, vocab, &results).ok());  // every token, ranked
  EXPECT_EQ(results[0].masks[0].size(), static_cast<size_t>(vocab));

  TokenizedText bad_ids = good;
  bad_ids.input_ids[1] = 1 << 20;
  std::vector<EncoderOutput> out;
  EXPECT_EQ(model->RunEncoder({&bad_ids, 1}, false, &out).code(), StatusCode::kInvalidArgument);
  TokenizedText bad_types = good;
  bad_types.token_type_ids[1] = 7;
  EXPECT_EQ(model->RunEncoder({&bad_types, 1}, false, &out).code(), StatusCode::kInvalidArgument);
  TokenizedText too_long = good;
  too_long.input_ids.assign(513, 1000);
  too_long.token_type_ids.assign(513, 0);
  EXPECT_EQ(model->RunEncoder({&too_long, 1}, false, &out).code(), StatusCode::kTooLong);
  EXPECT_EQ(model->RunEncoder({}, false, &out).code(), StatusCode::kInvalidArgument);

  ASSERT_TRUE(model->FillMask({&good, 1}, 5, &after).ok());
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(after[0].masks[0][i].token_id, before[0].masks[0][i].token_id);
    EXPECT_EQ(after[0].masks[0][i].score, before[0].masks[0][i].score);
  }
}

}  // namespace
}  // namespace bert
