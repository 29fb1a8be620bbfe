// End to end against ../shared/models/*/golden.json (a float64 PyTorch reference): token ids, hidden
// states, pooled output and fill-mask top-10, alone and batched, with 1 and several threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>
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

// The golden case with this id; GoogleTest reports the exception as a failure if it is missing.
const json& CaseById(const GoldenModel& g, const std::string& id) {
  for (const json& c : g.golden["cases"]) {
    if (c["id"] == id) return c;
  }
  throw std::runtime_error("no golden case " + id);
}

TokenizedText EncodeCase(const Model& model, const json& c) {
  TokenizedText enc;
  std::optional<std::string> pair;
  if (c.contains("pair")) pair = c["pair"].get<std::string>();
  const Status st = model.tokenizer().Tokenize(c["text"].get<std::string>(),
                                             pair ? std::optional<std::string_view>(*pair) : std::nullopt,
                                             static_cast<size_t>(model.config().max_positions), true, &enc);
  EXPECT_TRUE(st.ok()) << st.message();
  return enc;
}

// Largest absolute difference between our values and a golden nested array, flattened.
double MaxAbsDiff(std::span<const float> ours, const json& golden) {
  std::vector<double> flat;
  auto walk = [&](auto&& self, const json& j) -> void {
    if (j.is_array()) {
      for (const json& x : j) self(self, x);
    } else {
      flat.push_back(j.get<double>());
    }
  };
  walk(walk, golden);
  EXPECT_EQ(flat.size(), ours.size());
  double max = 0;
  for (size_t i = 0; i < std::min(flat.size(), ours.size()); ++i) max = std::max(max, std::abs(ours[i] - flat[i]));
  return max;
}

void CheckEncoding(const GoldenModel& g, const json& c, const EncoderOutput& out) {
  const json& tol = g.golden["tolerance"];
  const double hidden_diff = MaxAbsDiff(out.last_hidden_state, c["last_hidden_state"]);
  EXPECT_LE(hidden_diff, tol["last_hidden_state_abs"].get<double>()) << c["id"];
  double pooled_diff = 0;
  if (g.model->capabilities().pooler) {
    pooled_diff = MaxAbsDiff(out.pooled, c["pooled"]);
    EXPECT_LE(pooled_diff, tol["pooled_abs"].get<double>()) << c["id"];
  }
  std::printf("  %-14s %-18s max|d hidden| %.2e  max|d pooled| %.2e\n", g.golden["model"].get<std::string>().c_str(),
              c["id"].get<std::string>().c_str(), hidden_diff, pooled_diff);
}

// Top-10 ids in order (a swap is allowed only between probabilities within 1e-6), each probability
// within the relative tolerance.
void CheckMasks(const GoldenModel& g, const json& c, const FillMaskResult& result) {
  const double rel = g.golden["tolerance"]["probability_rel"].get<double>();
  ASSERT_EQ(result.masks.size(), c["masks"].size()) << c["id"];
  for (size_t m = 0; m < result.masks.size(); ++m) {
    const json& top = c["masks"][m]["top"];
    const auto& ours = result.masks[m];
    ASSERT_EQ(ours.size(), top.size()) << c["id"];
    for (size_t i = 0; i < ours.size(); ++i) {
      const int32_t want_id = top[i][0].get<int32_t>();
      const double want_p = top[i][2].get<double>();
      if (ours[i].token_id != want_id) {
        auto it = std::find_if(top.begin(), top.end(), [&](const json& t) { return t[0] == ours[i].token_id; });
        ASSERT_NE(it, top.end()) << c["id"] << " rank " << i << ": " << ours[i].token << " not in the golden top";
        EXPECT_LE(std::abs((*it)[2].get<double>() - want_p), 1e-6) << c["id"] << " rank " << i << " order";
        continue;
      }
      EXPECT_EQ(ours[i].token, top[i][1].get<std::string>());
      EXPECT_LE(std::abs(ours[i].score - want_p), rel * want_p) << c["id"] << " rank " << i;
    }
  }
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, TokenIdsMatch) {
  GoldenModel& g = Load(GetParam());
  ASSERT_TRUE(g.model);
  for (const json& c : g.golden["cases"]) {
    const TokenizedText enc = EncodeCase(*g.model, c);
    EXPECT_EQ(enc.input_ids, c["input_ids"].get<std::vector<int32_t>>()) << c["id"];
    EXPECT_EQ(enc.token_type_ids, c["token_type_ids"].get<std::vector<int32_t>>()) << c["id"];
    EXPECT_EQ(enc.tokens, c["tokens"].get<std::vector<std::string>>()) << c["id"];
  }
}

TEST_P(GoldenTest, EachCaseAlone) {
  GoldenModel& g = Load(GetParam());
  ASSERT_TRUE(g.model);
  for (const json& c : g.golden["cases"]) {
    const TokenizedText enc = EncodeCase(*g.model, c);
    std::vector<EncoderOutput> out;
    ASSERT_TRUE(g.model->RunEncoder({&enc, 1}, false, &out).ok());
    CheckEncoding(g, c, out[0]);
    if (!c["masks"].empty() && g.model->capabilities().fill_mask) {
      std::vector<FillMaskResult> results;
      const Status st = g.model->FillMask({&enc, 1}, 10, &results);
      ASSERT_TRUE(st.ok()) << st.message();
      CheckMasks(g, c, results[0]);
      // The raw logits at each mask: the first 16 and the log-partition function.
      for (const json& mask : c["masks"]) {
        const int position = mask["position"].get<int>();
        std::vector<float> logits;
        ASSERT_TRUE(g.model->MaskedLmLogits(enc, {&position, 1}, &logits).ok());
        EXPECT_LE(MaxAbsDiff(std::span(logits).first(16), mask["logits_first16"]), 1e-3) << c["id"];
        const float max = *std::max_element(logits.begin(), logits.end());
        double sum = 0;
        for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
        EXPECT_NEAR(max + std::log(sum), mask["logsumexp"].get<double>(), 1e-3) << c["id"];
      }
    }
  }
}

// All cases in one batch of different lengths, on several threads: each still matches its golden.
TEST_P(GoldenTest, AllCasesBatchedOnThreads) {
  GoldenModel& g = Load(GetParam());
  ASSERT_TRUE(g.model);
  std::vector<TokenizedText> batch, masked;
  std::vector<json> masked_cases;
  for (const json& c : g.golden["cases"]) {
    batch.push_back(EncodeCase(*g.model, c));
    if (!c["masks"].empty()) {
      masked.push_back(batch.back());
      masked_cases.push_back(c);
    }
  }
  g.model->SetThreads(3);
  std::vector<EncoderOutput> out;
  ASSERT_TRUE(g.model->RunEncoder(batch, false, &out).ok());
  for (size_t i = 0; i < batch.size(); ++i) CheckEncoding(g, g.golden["cases"][i], out[i]);
  if (g.model->capabilities().fill_mask) {
    std::vector<FillMaskResult> results;
    ASSERT_TRUE(g.model->FillMask(masked, 10, &results).ok());
    for (size_t i = 0; i < masked.size(); ++i) CheckMasks(g, masked_cases[i], results[i]);
  }
  g.model->SetThreads(1);
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenTest, ::testing::Values("tiny-random", "small-random", "bare-random"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string n = param.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// Batching and thread count change nothing: bit-identical hidden states.
TEST(Determinism, BatchAndThreadsGiveIdenticalBits) {
  GoldenModel& g = Load("small-random");
  ASSERT_TRUE(g.model);
  const json& cases = g.golden["cases"];
  std::vector<TokenizedText> batch;
  for (const json& c : cases) batch.push_back(EncodeCase(*g.model, c));
  std::vector<EncoderOutput> alone, batched;
  g.model->SetThreads(1);
  ASSERT_TRUE(g.model->RunEncoder({&batch[2], 1}, false, &alone).ok());
  g.model->SetThreads(2);
  ASSERT_TRUE(g.model->RunEncoder(batch, false, &batched).ok());
  g.model->SetThreads(1);
  EXPECT_EQ(alone[0].last_hidden_state, batched[2].last_hidden_state);
  EXPECT_EQ(alone[0].pooled, batched[2].pooled);
}

TEST(FillMask, MultipleMasksAndSequences) {
  GoldenModel& g = Load("tiny-random");
  ASSERT_TRUE(g.model);
  const json& two = CaseById(g, "two_masks");
  const TokenizedText enc = EncodeCase(*g.model, two);
  std::vector<FillMaskResult> results;
  ASSERT_TRUE(g.model->FillMask({&enc, 1}, 3, &results).ok());
  ASSERT_EQ(results[0].masks.size(), 2u);
  for (const auto& mask : results[0].masks) {
    ASSERT_EQ(mask.size(), 3u);
    EXPECT_GE(mask[0].score, mask[1].score);
    EXPECT_GE(mask[1].score, mask[2].score);
  }
  // With two masks Hugging Face keeps special tokens in the sequence; the other mask stays.
  const Prediction& first = results[0].masks[0][0];
  EXPECT_EQ(first.sequence.find("[CLS] " + first.token), 0u) << first.sequence;
  EXPECT_NE(first.sequence.find("[MASK]"), std::string::npos) << first.sequence;
}

TEST(FillMask, SingleMaskSequenceIsDecodedText) {
  GoldenModel& g = Load("tiny-random");
  ASSERT_TRUE(g.model);
  TokenizedText enc;
  ASSERT_TRUE(g.model->tokenizer().Tokenize("Hello I'm a [MASK] model.", std::nullopt, 512, true, &enc).ok());
  std::vector<FillMaskResult> results;
  ASSERT_TRUE(g.model->FillMask({&enc, 1}, 1, &results).ok());
  const Prediction& p = results[0].masks[0][0];
  EXPECT_EQ(p.sequence, g.model->tokenizer().Decode(std::vector<int32_t>{7592, 1045, 1005, 1049, 1037, p.token_id,
                                                                         2944, 1012}, true));
  EXPECT_EQ(p.sequence.rfind("hello i'm a ", 0), 0u) << p.sequence;
}

TEST(FillMask, BareModelHasNoMlmHead) {
  GoldenModel& g = Load("bare-random");
  ASSERT_TRUE(g.model);
  EXPECT_FALSE(g.model->capabilities().fill_mask);
  TokenizedText enc;
  ASSERT_TRUE(g.model->tokenizer().Tokenize("a [MASK] b", std::nullopt, 512, true, &enc).ok());
  std::vector<FillMaskResult> results;
  const Status st = g.model->FillMask({&enc, 1}, 5, &results);
  EXPECT_EQ(st.code(), StatusCode::kNoHead);
  EXPECT_NE(st.message().find("masked-LM head"), std::string::npos);
  std::vector<EncoderOutput> out;
  EXPECT_TRUE(g.model->RunEncoder({&enc, 1}, false, &out).ok());  // still usable
}

// One forward for the demo: fill-mask with attentions gives the predictions of the partial last layer bit
// for bit, and the attentions of a plain encoder run.
TEST(FillMask, WithAttentionsEqualsBothSeparateRuns) {
  GoldenModel& g = Load("small-random");
  ASSERT_TRUE(g.model);
  std::vector<TokenizedText> batch(2);
  ASSERT_TRUE(g.model->tokenizer().Tokenize("the [MASK] sat on the [MASK].", std::nullopt, 512, true, &batch[0]).ok());
  ASSERT_TRUE(g.model->tokenizer().Tokenize("a longer second [MASK] text here", std::nullopt, 512, true, &batch[1]).ok());
  std::vector<FillMaskResult> plain, with;
  ASSERT_TRUE(g.model->FillMask(batch, 5, &plain).ok());
  ASSERT_TRUE(g.model->FillMask(batch, 5, &with, /*output_attentions=*/true).ok());
  std::vector<EncoderOutput> encoded;
  ASSERT_TRUE(g.model->RunEncoder(batch, true, &encoded).ok());
  for (size_t s = 0; s < batch.size(); ++s) {
    EXPECT_TRUE(plain[s].attentions.empty());
    EXPECT_EQ(with[s].attentions, encoded[s].attentions);
    ASSERT_EQ(with[s].masks.size(), plain[s].masks.size());
    for (size_t m = 0; m < plain[s].masks.size(); ++m) {
      for (size_t k = 0; k < 5; ++k) {
        EXPECT_EQ(with[s].masks[m][k].token_id, plain[s].masks[m][k].token_id);
        EXPECT_EQ(with[s].masks[m][k].score, plain[s].masks[m][k].score);
      }
    }
  }
}

TEST(Encode, AttentionsAreProbabilities) {
  GoldenModel& g = Load("tiny-random");
  ASSERT_TRUE(g.model);
  TokenizedText enc;
  ASSERT_TRUE(g.model->tokenizer().Tokenize("attention please [MASK]", std::nullopt, 512, true, &enc).ok());
  std::vector<EncoderOutput> with, without;
  ASSERT_TRUE(g.model->RunEncoder({&enc, 1}, true, &with).ok());
  ASSERT_TRUE(g.model->RunEncoder({&enc, 1}, false, &without).ok());
  const size_t t = enc.input_ids.size();
  const Config& c = g.model->config();
  ASSERT_EQ(with[0].attentions.size(), static_cast<size_t>(c.num_layers * c.num_heads) * t * t);
  for (size_t row = 0; row < with[0].attentions.size() / t; ++row) {
    double sum = 0;
    for (size_t j = 0; j < t; ++j) sum += with[0].attentions[row * t + j];
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  EXPECT_EQ(with[0].last_hidden_state, without[0].last_hidden_state);
  EXPECT_TRUE(without[0].attentions.empty());
}

TEST(Embed, PoolingsAndNormalization) {
  GoldenModel& g = Load("tiny-random");
  ASSERT_TRUE(g.model);
  std::vector<TokenizedText> batch(2);
  ASSERT_TRUE(g.model->tokenizer().Tokenize("short one", std::nullopt, 512, true, &batch[0]).ok());
  ASSERT_TRUE(g.model->tokenizer().Tokenize("a somewhat longer second text", std::nullopt, 512, true, &batch[1]).ok());
  std::vector<EncoderOutput> enc;
  ASSERT_TRUE(g.model->RunEncoder(batch, false, &enc).ok());
  const size_t h = static_cast<size_t>(g.model->config().hidden_size);
  const size_t t1 = batch[1].input_ids.size();

  Embeddings mean, cls, none, unit;
  ASSERT_TRUE(g.model->Embed(batch, {Pooling::kMean, false}, &mean).ok());
  ASSERT_TRUE(g.model->Embed(batch, {Pooling::kCls, false}, &cls).ok());
  ASSERT_TRUE(g.model->Embed(batch, {Pooling::kNone, false}, &none).ok());
  ASSERT_TRUE(g.model->Embed(batch, {Pooling::kMean, true}, &unit).ok());
  EXPECT_EQ(mean.dims, (std::vector<size_t>{2, h}));
  EXPECT_EQ(none.dims, (std::vector<size_t>{2, t1, h}));
  for (size_t i = 0; i < h; ++i) {
    double sum = 0;
    for (size_t t = 0; t < t1; ++t) sum += enc[1].last_hidden_state[t * h + i];
    EXPECT_NEAR(mean.data[h + i], sum / static_cast<double>(t1), 1e-5);
    EXPECT_EQ(cls.data[i], enc[0].last_hidden_state[i]);
  }
  // Token rows as encoded, the shorter text zero-padded.
  EXPECT_TRUE(std::equal(enc[1].last_hidden_state.begin(), enc[1].last_hidden_state.end(), none.data.begin() + t1 * h));
  const size_t t0 = batch[0].input_ids.size();
  EXPECT_TRUE(std::all_of(none.data.begin() + t0 * h, none.data.begin() + t1 * h, [](float x) { return x == 0; }));
  for (size_t b = 0; b < 2; ++b) {
    double unit_sq = 0, mean_sq = 0;
    for (size_t i = 0; i < h; ++i) {
      unit_sq += unit.data[b * h + i] * unit.data[b * h + i];
      mean_sq += mean.data[b * h + i] * mean.data[b * h + i];
    }
    EXPECT_NEAR(unit_sq, 1.0, 1e-5);
    for (size_t i = 0; i < h; ++i) EXPECT_NEAR(unit.data[b * h + i] * std::sqrt(mean_sq), mean.data[b * h + i], 1e-5);
  }
}

// Logits at some positions run the last layer for those rows only: each must equal, bit for bit, its
// row of a pass where every position is wanted.
TEST(Logits, SomePositionsEqualTheFullPass) {
  GoldenModel& g = Load("tiny-random");
  ASSERT_TRUE(g.model);
  const json& long_case = CaseById(g, "long");
  const TokenizedText enc = EncodeCase(*g.model, long_case);
  const int t = static_cast<int>(enc.input_ids.size());
  std::vector<int> every(static_cast<size_t>(t));
  std::iota(every.begin(), every.end(), 0);
  std::vector<float> all, some;
  ASSERT_TRUE(g.model->MaskedLmLogits(enc, every, &all).ok());
  const std::vector<int> positions = {t - 1, 0, t / 2};
  ASSERT_TRUE(g.model->MaskedLmLogits(enc, positions, &some).ok());
  const size_t v = some.size() / positions.size();
  ASSERT_EQ(all.size(), v * t);
  for (size_t i = 0; i < positions.size(); ++i) {
    EXPECT_TRUE(std::equal(some.begin() + i * v, some.begin() + (i + 1) * v, all.begin() + positions[i] * v))
        << "position " << positions[i];
  }
}

// A batch larger than one forward's token budget is split and still matches item by item.
TEST(Batching, LargeBatchesAreSplitTransparently) {
  GoldenModel& g = Load("tiny-random");
  ASSERT_TRUE(g.model);
  const json& long_case = CaseById(g, "long");
  const TokenizedText enc = EncodeCase(*g.model, long_case);  // 214 tokens, one [MASK]
  std::vector<TokenizedText> batch(45, enc);                   // 9630 tokens: more than one forward
  batch[44].input_ids[1] = 2000;                          // the last one differs
  std::vector<FillMaskResult> all, last;
  ASSERT_TRUE(g.model->FillMask(batch, 10, &all).ok());
  ASSERT_TRUE(g.model->FillMask({&batch[44], 1}, 10, &last).ok());
  ASSERT_EQ(all.size(), 45u);
  CheckMasks(g, long_case, all[43]);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(all[44].masks[0][i].token_id, last[0].masks[0][i].token_id);
    EXPECT_EQ(all[44].masks[0][i].score, last[0].masks[0][i].score);
  }
}

}  // namespace
}  // namespace bert
