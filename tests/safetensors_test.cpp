// The safetensors reader: valid files, dtype conversion, and every malformed-header case.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "safetensors.h"
#include "test_util.h"

namespace bert {
namespace {

using nlohmann::json;
using testing::SafetensorsWriter;

std::span<const uint8_t> Span(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

Status Parse(const std::string& bytes) {
  SafeTensors st;
  return SafeTensors::Parse(Span(bytes), &st);
}

SafetensorsWriter TwoTensors() {
  SafetensorsWriter w;
  w.AddF32("a", {2, 3}, {1, 2, 3, 4, 5, 6});
  w.AddF32("b", {2}, {-1, 0.5f});
  return w;
}

TEST(SafeTensors, ReadsValidFile) {
  const std::string bytes = TwoTensors().Bytes();
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::Parse(Span(bytes), &st).ok());
  const TensorView* a = st.Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  std::vector<float> out(6);
  ASSERT_TRUE(ToFloat32(*a, out).ok());
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(st.Find("missing"), nullptr);
}

TEST(SafeTensors, ConvertsF16AndBF16) {
  // 1.0, -2.0, 65504 (max half), 2^-24 (smallest subnormal), -0.0, inf
  const uint16_t f16[] = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00};
  // 1.0, -2.5, 3.140625
  const uint16_t bf16[] = {0x3F80, 0xC020, 0x4049};
  SafetensorsWriter w;
  w.Add("h", "F16", {6}, f16, sizeof(f16));
  w.Add("b", "BF16", {3}, bf16, sizeof(bf16));
  w.Add("ids", "I64", {1}, "\0\0\0\0\0\0\0\0", 8);
  const std::string bytes = w.Bytes();
  SafeTensors st;
  ASSERT_TRUE(SafeTensors::Parse(Span(bytes), &st).ok());
  std::vector<float> h(6), b(3), ids(1);
  ASSERT_TRUE(ToFloat32(*st.Find("h"), h).ok());
  EXPECT_EQ(h, (std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24), -0.0f, INFINITY}));
  EXPECT_TRUE(std::signbit(h[4]));
  ASSERT_TRUE(ToFloat32(*st.Find("b"), b).ok());
  EXPECT_EQ(b, (std::vector<float>{1.0f, -2.5f, 3.140625f}));
  const Status s = ToFloat32(*st.Find("ids"), ids);  // valid in the file, but not a weight dtype
  EXPECT_EQ(s.code(), StatusCode::kBadWeights);
  EXPECT_NE(s.message().find("\"ids\""), std::string::npos) << s.message();
}

struct BadCase {
  const char* name;
  std::string bytes;
  const char* expected;  // a fragment the error message must contain
};

std::vector<BadCase> BadCases() {
  const SafetensorsWriter good = TwoTensors();
  const std::string payload = good.payload();
  auto with_header = [&](json header) { return SafetensorsWriter::Assemble(header.dump(), payload); };
  json h;
  std::vector<BadCase> cases;
  cases.push_back({"empty file", "", "too short"});
  cases.push_back({"seven bytes", std::string(7, '\0'), "too short"});
  std::string past_end = good.Bytes();
  past_end[0] = '\xff';
  past_end[1] = '\x0f';
  cases.push_back({"header length past the end", past_end, "past the end"});
  std::string huge = good.Bytes();
  std::memset(huge.data(), 0xff, 8);
  cases.push_back({"huge header length", huge, "implausibly large"});
  const std::string full = good.Bytes();
  cases.push_back({"truncated data", full.substr(0, full.size() - 3), "\"b\""});
  cases.push_back({"not JSON", SafetensorsWriter::Assemble("{not json", payload), "not valid JSON"});
  cases.push_back({"JSON array", SafetensorsWriter::Assemble("[1,2]", payload), "not a JSON object"});
  h = good.Header();
  h["a"]["dtype"] = "Q4";
  cases.push_back({"unknown dtype", with_header(h), "unknown dtype \"Q4\""});
  h = good.Header();
  h["a"].erase("dtype");
  cases.push_back({"missing dtype", with_header(h), "\"a\""});
  h = good.Header();
  h["a"]["shape"] = {2, -3};
  cases.push_back({"negative dim", with_header(h), "non-negative"});
  h = good.Header();
  h["a"]["shape"] = {3, 3};
  cases.push_back({"shape and size disagree", with_header(h), "needs 36"});
  h = good.Header();
  h["b"]["data_offsets"] = {24, 4000};
  cases.push_back({"offset out of bounds", with_header(h), "outside"});
  h = good.Header();
  h["b"]["data_offsets"] = {16, 8};
  cases.push_back({"reversed offsets", with_header(h), "outside"});
  h = good.Header();
  h["b"]["data_offsets"] = {20, 28};
  cases.push_back({"overlapping tensors", with_header(h), "overlap"});
  h = good.Header();
  h["a"]["data_offsets"] = {0};
  cases.push_back({"one offset", with_header(h), "data_offsets"});
  h = good.Header();
  h["a"]["shape"] = {uint64_t{1} << 62, uint64_t{1} << 62};
  cases.push_back({"overflowing shape", with_header(h), "overflows"});
  h = good.Header();
  h["a"] = 5;
  cases.push_back({"entry not an object", with_header(h), "not an object"});
  return cases;
}

TEST(SafeTensors, MalformedFilesGiveNamedErrors) {
  for (const BadCase& c : BadCases()) {
    const Status s = Parse(c.bytes);
    EXPECT_EQ(s.code(), StatusCode::kBadWeights) << c.name;
    EXPECT_NE(s.message().find(c.expected), std::string::npos) << c.name << ": " << s.message();
    EXPECT_EQ(s.message().rfind("model.safetensors: ", 0), 0u) << c.name;
  }
}

TEST(SafeTensors, MetadataIsIgnored) {
  json h = TwoTensors().Header();
  h["__metadata__"] = {{"format", "pt"}};
  SafeTensors st;
  const std::string bytes = SafetensorsWriter::Assemble(h.dump(), TwoTensors().payload());
  ASSERT_TRUE(SafeTensors::Parse(Span(bytes), &st).ok());
  EXPECT_EQ(st.tensors().size(), 2u);
}

// Random corruption of a valid file never crashes (run under ASan/UBSan in the test command).
TEST(SafeTensors, RandomCorruptionNeverCrashes) {
  const std::string good = TwoTensors().Bytes();
  std::mt19937 rng(42);
  int rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
    SafeTensors st;
    const Status s = SafeTensors::Parse(Span(bytes), &st);
    if (!s.ok()) {
      ++rejected;
      EXPECT_EQ(s.code(), StatusCode::kBadWeights);
      continue;
    }
    for (const TensorView& t : st.tensors()) {
      std::vector<float> out(static_cast<size_t>(t.num_elements()));
      (void)ToFloat32(t, out);
    }
  }
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace bert
