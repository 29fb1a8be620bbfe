// The streaming safetensors reader: valid files in any chunking, dtype conversion, and every
// malformed-file case, with and without the file size known up front.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "io/safetensors.h"
#include "io/tensors.h"
#include "test_util.h"

namespace bert {
namespace {

using nlohmann::json;
using testing::SafetensorsWriter;

std::span<const uint8_t> Bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Streams `bytes` in chunks of `chunk` bytes (0: all at once).
Status Read(const std::string& bytes, TensorMap* out, size_t chunk = 0, bool size_known = true) {
  auto reader = MakeTensorReader(out, {}, size_known ? std::optional<uint64_t>(bytes.size()) : std::nullopt);
  const std::span<const uint8_t> all = Bytes(bytes);
  for (size_t at = 0; at < all.size(); at += chunk ? chunk : all.size()) {
    BERT_RETURN_IF_ERROR(reader->Write(all.subspan(at, std::min(chunk ? chunk : all.size(), all.size() - at))));
  }
  return reader->Finish();
}

SafetensorsWriter TwoTensors() {
  SafetensorsWriter w;
  w.AddF32("a", {2, 3}, {1, 2, 3, 4, 5, 6});
  w.AddF32("b", {2}, {-1, 0.5f});
  return w;
}

TEST(SafeTensors, ReadsValidFileInAnyChunking) {
  const std::string bytes = TwoTensors().Bytes();
  for (size_t chunk : {0, 1, 3, 7, 64}) {
    for (bool size_known : {true, false}) {
      TensorMap tensors;
      ASSERT_TRUE(Read(bytes, &tensors, chunk, size_known).ok()) << chunk;
      ASSERT_EQ(tensors.size(), 2u);
      EXPECT_EQ(tensors["a"].shape, (std::vector<int64_t>{2, 3}));
      EXPECT_EQ(tensors["a"].values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
      EXPECT_EQ(tensors["b"].values, (std::vector<float>{-1, 0.5f}));
    }
  }
}

TEST(SafeTensors, ConvertsF16AndBF16AcrossChunkBoundaries) {
  // 1.0, -2.0, 65504 (max half), 2^-24 (smallest subnormal), -0.0, inf
  const uint16_t f16[] = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00};
  // 1.0, -2.5, 3.140625
  const uint16_t bf16[] = {0x3F80, 0xC020, 0x4049};
  SafetensorsWriter w;
  w.Add("h", "F16", {6}, f16, sizeof(f16));
  w.Add("b", "BF16", {3}, bf16, sizeof(bf16));
  w.Add("ids", "I64", {1}, "\0\0\0\0\0\0\0\0", 8);
  const std::string bytes = w.Bytes();
  for (size_t chunk : {0, 1, 3, 5}) {
    TensorMap t;
    ASSERT_TRUE(Read(bytes, &t, chunk).ok());
    EXPECT_EQ(t["h"].values, (std::vector<float>{1.0f, -2.0f, 65504.0f, std::ldexp(1.0f, -24), -0.0f, INFINITY}));
    EXPECT_TRUE(std::signbit(t["h"].values[4]));
    EXPECT_EQ(t["b"].values, (std::vector<float>{1.0f, -2.5f, 3.140625f}));
    EXPECT_FALSE(IsFloat(t["ids"].dtype));  // kept by name and shape: the model decides whether it needs it
    EXPECT_TRUE(t["ids"].values.empty());
  }
}

// Found by tests/fuzz (safetensors): a tensor with no elements (shape [0, 4]) handed memcpy a null
// destination, undefined behaviour that UBSan reports. And empty tensors at the offset where another
// tensor starts (as the reference writer lays them out) were "overlapping" depending on sort order.
TEST(SafeTensors, ZeroElementTensorsLoad) {
  SafetensorsWriter w;
  w.Add("empty", "F32", {0, 4}, "", 0);
  w.Add("empty_half", "F16", {0}, "", 0);
  w.AddF32("b", {2}, {-1, 0.5f});
  for (size_t chunk : {0, 1}) {
    TensorMap t;
    ASSERT_TRUE(Read(w.Bytes(), &t, chunk).ok());
    EXPECT_EQ(t["empty"].shape, (std::vector<int64_t>{0, 4}));
    EXPECT_TRUE(t["empty"].values.empty());
    EXPECT_TRUE(t["empty_half"].values.empty());
    EXPECT_EQ(t["b"].values, (std::vector<float>{-1, 0.5f}));
  }
}

// Pieces are converted as they arrive: matrices quantized on arrival (whole rows, F16 here) and the I8
// rows of a q8 checkpoint come out the same whatever the chunking, which splits rows and elements, with
// storage allocated up front (file size known) or grown as bytes arrive.
TEST(SafeTensors, QuantizesRowsOnArrivalInAnyChunking) {
  const uint16_t f16[] = {0x3C00, 0xC000, 0x3800, 0x0000, 0x4400, 0xB400};  // [[1, -2, 0.5], [0, 4, -0.25]]
  const int8_t rows[] = {1, -127, 5, 127};
  SafetensorsWriter w;
  w.Add("m", "F16", {2, 3}, f16, sizeof(f16));
  w.Add("q", "I8", {2, 2}, rows, sizeof(rows));
  w.AddF32("v", {2}, {3, 4});
  const auto quantize = [](std::string_view name, std::span<const int64_t>) { return name == "m"; };
  const std::string bytes = w.Bytes();
  for (auto [chunk, size_known] : {std::pair{0, true}, {1, true}, {3, false}, {5, true}, {7, false}}) {
    TensorMap t;
    auto reader = MakeTensorReader(&t, quantize, size_known ? std::optional<uint64_t>(bytes.size()) : std::nullopt);
    for (size_t at = 0; at < bytes.size(); at += chunk ? chunk : bytes.size()) {
      ASSERT_TRUE(reader->Write(Bytes(bytes).subspan(at, std::min(chunk ? chunk : bytes.size(), bytes.size() - at))).ok());
    }
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_EQ(t["m"].q8.values, (std::vector<int8_t>{64, -127, 32, 0, 127, -8})) << chunk;
    EXPECT_EQ(t["m"].q8.scales, (std::vector<float>{2.0f / 127, 4.0f / 127})) << chunk;
    EXPECT_TRUE(t["m"].values.empty());
    EXPECT_EQ(t["q"].q8.values, (std::vector<int8_t>{1, -127, 5, 127}));
    EXPECT_EQ(t["v"].values, (std::vector<float>{3, 4}));
  }
}

// Found by tests/fuzz (safetensors): without a file size, a header claiming a 1 TB tensor made the first
// data bytes reserve all of it (out of memory, an abort in wasm). It is now a truncated file.
// Tensors are converted as their bytes arrive, so F32 and I8 claims (stored in compute form) are not
// allocated ahead of their bytes either when the file size is unknown.
TEST(SafeTensors, HugeClaimWithoutFileSizeIsTruncatedNotAllocated) {
  const uint64_t bytes = uint64_t{1} << 40;
  for (const json& h : {json{{"x", {{"dtype", "U8"}, {"shape", {bytes}}, {"data_offsets", {0, bytes}}}}},
                        json{{"x", {{"dtype", "F32"}, {"shape", {bytes / 4}}, {"data_offsets", {0, bytes}}}}},
                        json{{"x", {{"dtype", "I8"}, {"shape", {bytes >> 20, uint64_t{1} << 20}}, {"data_offsets", {0, bytes}}}}}}) {
    for (size_t chunk : {0, 3}) {
      TensorMap t;
      const Status s = Read(SafetensorsWriter::Assemble(h.dump(), "8 bytes."), &t, chunk, /*size_known=*/false);
      EXPECT_EQ(s.code(), StatusCode::kBadWeights);
      EXPECT_NE(s.message().find("truncated file"), std::string::npos) << s.message();
    }
  }
}

// Found by tests/fuzz (safetensors): after "header length runs past the end" of an announced size that
// was too small, writing on completed the header and Finish accepted the file. The first error now stays.
TEST(SafeTensors, ErrorsAreSticky) {
  const std::string bytes = TwoTensors().Bytes();
  SafetensorsReader reader([](const TensorPiece&) { return Status(); }, bytes.size() - 40);
  const Status first = reader.Write(Bytes(bytes).first(8));
  EXPECT_EQ(first.code(), StatusCode::kBadWeights);
  EXPECT_NE(first.message().find("past the end"), std::string::npos) << first.message();
  EXPECT_EQ(reader.Write(Bytes(bytes).subspan(8)).message(), first.message());
  EXPECT_EQ(reader.Finish().message(), first.message());
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
  h["b"]["shape"] = {994};  // consistent with the range: only the bounds are wrong
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
    for (bool size_known : {true, false}) {
      for (size_t chunk : {0, 5}) {
        TensorMap t;
        const Status s = Read(c.bytes, &t, chunk, size_known);
        EXPECT_EQ(s.code(), StatusCode::kBadWeights) << c.name;
        EXPECT_NE(s.message().find(c.expected), std::string::npos) << c.name << ": " << s.message();
        EXPECT_EQ(s.message().rfind("model.safetensors: ", 0), 0u) << c.name;
      }
    }
  }
}

TEST(SafeTensors, MetadataIsIgnored) {
  json h = TwoTensors().Header();
  h["__metadata__"] = {{"format", "pt"}};
  TensorMap t;
  ASSERT_TRUE(Read(SafetensorsWriter::Assemble(h.dump(), TwoTensors().payload()), &t).ok());
  EXPECT_EQ(t.size(), 2u);
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
    TensorMap t;
    const Status s = Read(bytes, &t, 1 + rng() % 16, rng() % 2 == 0);
    if (!s.ok()) {
      ++rejected;
      EXPECT_EQ(s.code(), StatusCode::kBadWeights);
    }
  }
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace bert
