// The task folders of ../shared/models against their goldens (a float64 reference; ids and offsets from
// Hugging Face's Rust tokenizer; answers and entities with the pipelines' documented semantics):
// tokenization with offsets, head logits, classification, NER entities, QA answers (windows included),
// DistilBERT fill-mask, sentence-transformers embeddings and NSP; alone, batched and on 3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "model.h"
#include "test_util.h"

namespace bert {
namespace {

using nlohmann::json;
using testing::ModelDir;
using testing::ReadGolden;

using testing::GoldenModel;
GoldenModel& Load(const std::string& name) { return testing::LoadGoldenModel(name); }

double Tol(const GoldenModel& f, const char* key) { return f.golden["tolerance"][key].get<double>(); }

// Code-point index of a byte offset (the goldens count characters, as Python does).
uint32_t CharIndex(std::string_view text, uint32_t byte) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < byte; ++i) n += (static_cast<uint8_t>(text[i]) & 0xC0) != 0x80;
  return n;
}

TokenizedText Tokenize(const Model& model, const std::string& text, const json& pair) {
  TokenizedText t;
  const std::optional<std::string> second = pair.is_string() ? std::optional(pair.get<std::string>()) : std::nullopt;
  const Status st = model.tokenizer().Tokenize(text, second, static_cast<size_t>(model.config().max_positions), true, &t);
  EXPECT_TRUE(st.ok()) << st.message();
  return t;
}

// The case's model input: text (+ pair), or question + context.
TokenizedText CaseInput(const Model& model, const json& c) {
  if (c.contains("question")) return Tokenize(model, c["question"], c["context"]);
  return Tokenize(model, c["text"], c.value("pair", json()));
}

double MaxAbsDiff(std::span<const float> ours, const std::vector<double>& want) {
  EXPECT_EQ(ours.size(), want.size());
  double max = 0;
  for (size_t i = 0; i < std::min(ours.size(), want.size()); ++i) max = std::max(max, std::abs(ours[i] - want[i]));
  return max;
}

std::vector<double> Flatten(const json& j) {
  std::vector<double> flat;
  auto walk = [&](auto&& self, const json& x) -> void {
    if (x.is_array()) {
      for (const json& y : x) self(self, y);
    } else {
      flat.push_back(x.get<double>());
    }
  };
  walk(walk, j);
  return flat;
}

const char* kTaskFolders[] = {"tiny-seqcls", "tiny-ner", "tiny-qa", "tiny-distilbert", "tiny-distilbert-sst2",
                              "tiny-sentence-transformer"};

TEST(TaskGoldens, TokensOffsetsAndWordsEqualTheRustTokenizer) {
  for (const char* name : kTaskFolders) {
    GoldenModel& f = Load(name);
    ASSERT_TRUE(f.model) << name;
    for (const json& c : f.golden["cases"]) {
      if (!c.contains("input_ids")) continue;  // long_context: windows only
      const TokenizedText t = CaseInput(*f.model, c);
      const std::string id = std::string(name) + "/" + c["id"].get<std::string>();
      EXPECT_EQ(t.input_ids, c["input_ids"].get<std::vector<int32_t>>()) << id;
      EXPECT_EQ(t.token_type_ids, c["token_type_ids"].get<std::vector<int32_t>>()) << id;
      EXPECT_EQ(t.tokens, c["tokens"].get<std::vector<std::string>>()) << id;
      ASSERT_EQ(t.offsets.size(), c["offsets"].size()) << id;
      for (size_t i = 0; i < t.offsets.size(); ++i) {
        const int seq = t.sequence_ids[i];
        EXPECT_EQ(seq < 0 ? json() : json(seq), c["sequence_ids"][i]) << id << " token " << i;
        const std::string& text = c.contains("question") ? c[seq == 1 ? "context" : "question"].get_ref<const std::string&>()
                                  : c[seq == 1 ? "pair" : "text"].get_ref<const std::string&>();
        const std::vector<uint32_t> span = {CharIndex(text, t.offsets[i].begin), CharIndex(text, t.offsets[i].end)};
        EXPECT_EQ(span, c["offsets"][i].get<std::vector<uint32_t>>()) << id << " token " << i;
        if (c.contains("word_ids")) {
          EXPECT_EQ(seq < 0 ? json() : json(t.word_ids[i]), c["word_ids"][i]) << id << " token " << i;
        }
      }
    }
  }
}

// Head logits alone, batched, and on 3 threads.
TEST(TaskGoldens, HeadLogitsAloneBatchedAndThreaded) {
  for (const char* name : {"tiny-seqcls", "tiny-ner", "tiny-qa", "tiny-distilbert-sst2"}) {
    GoldenModel& f = Load(name);
    ASSERT_TRUE(f.model) << name;
    std::vector<TokenizedText> batch;
    std::vector<std::vector<double>> want;
    for (const json& c : f.golden["cases"]) {
      if (!c.contains("input_ids")) continue;
      batch.push_back(CaseInput(*f.model, c));
      want.push_back(c.contains("logits") ? Flatten(c["logits"]) : [&] {
        std::vector<double> both;  // QA: start and end interleaved per token
        for (size_t i = 0; i < c["start_logits"].size(); ++i) {
          both.push_back(c["start_logits"][i].get<double>());
          both.push_back(c["end_logits"][i].get<double>());
        }
        return both;
      }());
    }
    for (int threads : {1, 3}) {
      f.model->SetThreads(threads);
      std::vector<std::vector<float>> batched;
      ASSERT_TRUE(f.model->HeadLogits(batch, &batched).ok()) << name;
      for (size_t i = 0; i < batch.size(); ++i) {
        std::vector<std::vector<float>> alone;
        ASSERT_TRUE(f.model->HeadLogits({&batch[i], 1}, &alone).ok());
        EXPECT_EQ(alone[0], batched[i]) << name << " case " << i << ": batching changed the result";
        const double d = MaxAbsDiff(batched[i], want[i]);
        EXPECT_LE(d, Tol(f, "logits_abs")) << name << " case " << i;
        if (threads == 1) std::printf("  %-22s case %zu  max|d logits| %.2e\n", name, i, d);
      }
    }
    f.model->SetThreads(1);
  }
}

TEST(TaskGoldens, SequenceClassificationScores) {
  for (const char* name : {"tiny-seqcls", "tiny-distilbert-sst2"}) {
    GoldenModel& f = Load(name);
    ASSERT_TRUE(f.model);
    std::vector<TokenizedText> batch;
    for (const json& c : f.golden["cases"]) batch.push_back(CaseInput(*f.model, c));
    std::vector<std::vector<LabelScore>> results;
    ASSERT_TRUE(f.model->Classify(batch, &results).ok());
    for (size_t i = 0; i < batch.size(); ++i) {
      const json& want = f.golden["cases"][i]["scores"];
      ASSERT_EQ(results[i].size(), want.size());
      for (size_t k = 0; k < want.size(); ++k) {
        EXPECT_EQ(results[i][k].label, want[k]["label"]) << name << " case " << i << " rank " << k;
        const double p = want[k]["score"];
        EXPECT_LE(std::abs(results[i][k].score - p), Tol(f, "score_rel") * p) << name << " case " << i;
      }
    }
  }
}

TEST(TaskGoldens, NerEntitiesSimpleAggregation) {
  GoldenModel& f = Load("tiny-ner");
  ASSERT_TRUE(f.model);
  std::vector<std::string> texts;
  for (const json& c : f.golden["cases"]) texts.push_back(c["text"]);
  const std::vector<std::string_view> views(texts.begin(), texts.end());
  std::vector<std::vector<Entity>> results;
  ASSERT_TRUE(f.model->ClassifyTokens(views, {}, &results).ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    const json& want = f.golden["cases"][i]["entities_simple"];
    const std::string id = f.golden["cases"][i]["id"];
    ASSERT_EQ(results[i].size(), want.size()) << id;
    for (size_t k = 0; k < want.size(); ++k) {
      const Entity& e = results[i][k];
      EXPECT_EQ(e.entity, want[k]["entity_group"]) << id << " entity " << k;
      // The golden keeps "[UNK]" as the word of an unknown token; Hugging Face's pipeline replaces it with
      // the text it covers (gather_pre_entities: `if input_ids[idx] == unk_token_id: word = word_ref`).
      const std::string covered = texts[i].substr(e.span.begin, e.span.end - e.span.begin);
      EXPECT_EQ(e.word, want[k]["word"] == "[UNK]" ? json(covered) : want[k]["word"]) << id << " entity " << k;
      EXPECT_EQ(CharIndex(texts[i], e.span.begin), want[k]["start"].get<uint32_t>()) << id << " entity " << k;
      EXPECT_EQ(CharIndex(texts[i], e.span.end), want[k]["end"].get<uint32_t>()) << id << " entity " << k;
      const double p = want[k]["score"];
      EXPECT_LE(std::abs(e.score - p), Tol(f, "score_rel") * p) << id << " entity " << k;
    }
  }
}

TEST(TaskGoldens, QuestionAnsweringTopThreeWithWindows) {
  GoldenModel& f = Load("tiny-qa");
  ASSERT_TRUE(f.model);
  for (int threads : {1, 3}) {
    f.model->SetThreads(threads);
    for (const json& c : f.golden["cases"]) {
      const std::string context = c["context"];
      std::vector<Answer> answers;
      ASSERT_TRUE(f.model->AnswerQuestion(c["question"].get<std::string>(), context, {.top_k = 3}, &answers).ok());
      const json& want = c["answers"];
      ASSERT_EQ(answers.size(), want.size()) << c["id"];
      for (size_t k = 0; k < want.size(); ++k) {
        EXPECT_EQ(answers[k].text, want[k]["answer"]) << c["id"] << " answer " << k;
        EXPECT_EQ(CharIndex(context, answers[k].span.begin), want[k]["start"].get<uint32_t>()) << c["id"];
        EXPECT_EQ(CharIndex(context, answers[k].span.end), want[k]["end"].get<uint32_t>()) << c["id"];
        const double p = want[k]["score"];
        EXPECT_LE(std::abs(answers[k].score - p), Tol(f, "score_rel") * p) << c["id"] << " answer " << k;
      }
    }
  }
  f.model->SetThreads(1);
}

TEST(TaskGoldens, DistilBertFillMaskAndHiddenStates) {
  GoldenModel& f = Load("tiny-distilbert");
  ASSERT_TRUE(f.model);
  for (const json& c : f.golden["cases"]) {
    const TokenizedText t = CaseInput(*f.model, c);
    std::vector<EncoderOutput> out;
    ASSERT_TRUE(f.model->RunEncoder({&t, 1}, false, &out).ok());
    EXPECT_LE(MaxAbsDiff(out[0].last_hidden_state, Flatten(c["last_hidden_state"])), Tol(f, "embedding_abs")) << c["id"];
    if (c["masks"].empty()) continue;
    std::vector<FillMaskResult> results;
    ASSERT_TRUE(f.model->FillMask({&t, 1}, 10, &results).ok());
    ASSERT_EQ(results[0].masks.size(), c["masks"].size());
    for (size_t m = 0; m < c["masks"].size(); ++m) {
      const json& top = c["masks"][m]["top"];
      for (size_t k = 0; k < top.size(); ++k) {
        const Prediction& p = results[0].masks[m][k];
        const double want = top[k][2];
        if (p.token_id != top[k][0].get<int32_t>()) {  // a swap only between near-equal probabilities
          EXPECT_LE(std::abs(p.score - want), 1e-6) << c["id"] << " rank " << k;
          continue;
        }
        EXPECT_LE(std::abs(p.score - want), Tol(f, "score_rel") * want) << c["id"] << " rank " << k;
      }
    }
  }
}

TEST(TaskGoldens, SentenceTransformersEmbeddingsFollowTheFolder) {
  GoldenModel& f = Load("tiny-sentence-transformer");
  ASSERT_TRUE(f.model);
  const SentenceTransformersConfig& st = f.model->sentence_config();
  EXPECT_EQ(st.embedding.pooling, Pooling::kMean);
  EXPECT_TRUE(st.embedding.normalize);
  EXPECT_EQ(st.max_seq_length, 256u);
  std::vector<TokenizedText> batch;
  for (const json& c : f.golden["cases"]) batch.push_back(CaseInput(*f.model, c));
  Embeddings e;
  ASSERT_TRUE(f.model->Embed(batch, st.embedding, &e).ok());
  const size_t h = static_cast<size_t>(f.model->config().hidden_size);
  ASSERT_EQ(e.dims, (std::vector<size_t>{batch.size(), h}));
  for (size_t i = 0; i < batch.size(); ++i) {
    const std::span<const float> row(e.data.data() + i * h, h);
    EXPECT_LE(MaxAbsDiff(row, Flatten(f.golden["cases"][i]["sentence_embedding"])), Tol(f, "embedding_abs")) << i;
  }
}

TEST(TaskGoldens, NextSentencePredictionOnThePretrainingHead) {
  GoldenModel& f = Load("small-random");
  ASSERT_TRUE(f.model);
  std::vector<TokenizedText> batch;
  for (const json& c : f.golden["cases"]) batch.push_back(CaseInput(*f.model, c));
  std::vector<NextSentenceResult> results;
  ASSERT_TRUE(f.model->NextSentence(batch, &results).ok());
  for (size_t i = 0; i < batch.size(); ++i) {
    const json& c = f.golden["cases"][i];
    EXPECT_LE(MaxAbsDiff(results[i].logits, Flatten(c["nsp_logits"])), 2e-4) << c["id"];
    const double p = c["nsp_is_next"];
    EXPECT_LE(std::abs(results[i].score - p), 1e-3 * p) << c["id"];
    EXPECT_EQ(results[i].is_next, p >= 0.5) << c["id"];
  }
}

TEST(TaskGoldens, TasksWithoutTheirHeadAreNoHeadNamingTheArchitecture) {
  GoldenModel& seqcls = Load("tiny-seqcls");
  GoldenModel& ner = Load("tiny-ner");
  ASSERT_TRUE(seqcls.model && ner.model);
  const TokenizedText t = Tokenize(*seqcls.model, "a [MASK] b", json());
  std::vector<FillMaskResult> fill;
  const Status st = seqcls.model->FillMask({&t, 1}, 5, &fill);
  EXPECT_EQ(st.code(), StatusCode::kNoHead);
  EXPECT_NE(st.message().find("BertForSequenceClassification"), std::string::npos) << st.message();
  std::vector<Answer> answers;
  EXPECT_EQ(seqcls.model->AnswerQuestion("q", "c", {}, &answers).code(), StatusCode::kNoHead);
  std::vector<std::vector<LabelScore>> labels;
  EXPECT_EQ(ner.model->Classify({&t, 1}, &labels).code(), StatusCode::kNoHead);
  std::vector<NextSentenceResult> nsp;
  EXPECT_EQ(ner.model->NextSentence({&t, 1}, &nsp).code(), StatusCode::kNoHead);
  EXPECT_TRUE(seqcls.model->Classify({&t, 1}, &labels).ok());  // still usable
}

}  // namespace
}  // namespace bert
