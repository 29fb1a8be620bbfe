// SafetensorsReader on arbitrary bytes in chunks of sizes taken from the input, with and without the file size:
// never crashes, and the outcome (status, tensors delivered) is the same as for the file written at once.
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "io/safetensors.h"
#include "io/tensors.h"

namespace {

using namespace bert;

struct Outcome {
  Status status;
  std::vector<std::string> tensors;  // name, dtype, shape and bytes of each tensor delivered
  bool operator==(const Outcome& o) const {
    return status.code() == o.status.code() && status.message() == o.status.message() && tensors == o.tensors;
  }
};

Outcome Read(const fuzz::Stream& s, bool chunked) {
  Outcome out;
  TensorMap map;
  TensorCollector collector(&map, {}, s.size.has_value());  // as MakeTensorReader makes it
  std::string record;     // of the tensor arriving
  uint64_t received = 0;  // its bytes so far
  SafetensorsReader reader(
      [&](const TensorPiece& p) {
        const TensorInfo& t = p.tensor;
        if (p.offset == 0) {
          uint64_t expected = static_cast<uint64_t>(InfoOf(t.dtype).bytes);
          for (int64_t d : t.shape) {
            CHECK(d >= 0);
            expected *= static_cast<uint64_t>(d);
          }
          CHECK(t.bytes == expected);
          record = std::string(t.name) + '\0' + std::string(InfoOf(t.dtype).name) + '\0';
          for (int64_t d : t.shape) record += std::to_string(d) + ',';
          received = 0;
        }
        // Pieces are contiguous, in order, never empty but for an empty tensor, and end at the tensor's end.
        CHECK(p.offset == received && p.offset + p.bytes.size() <= t.bytes);
        CHECK(!p.bytes.empty() || t.bytes == 0);
        received += p.bytes.size();
        record.append(reinterpret_cast<const char*>(p.bytes.data()), p.bytes.size());
        const Status status = collector.Add(p);
        // A tensor counts once whole and accepted: where an error stops the reading depends on the chunking.
        if (status.ok() && p.last()) out.tensors.push_back(std::move(record));
        return status;
      },
      s.size);
  size_t at = 0;
  const std::vector<size_t> whole = {s.file.size()};
  for (size_t chunk : chunked ? s.chunks : whole) {
    out.status = reader.Write(s.file.subspan(at, chunk));
    at += chunk;
    if (!out.status.ok()) break;
  }
  if (out.status.ok()) out.status = reader.Finish();
  fuzz::Trace(chunked ? "chunked" : "whole", out.status);
  if (!out.status.ok()) {
    CHECK(out.status.code() == StatusCode::kBadWeights);
    // Writing on after an error is harmless (no crash or hang) and never makes the file good.
    (void)reader.Write(s.file.subspan(at));
    CHECK(!reader.Finish().ok());
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Stream s = fuzz::Stream::Parse(data, size);
  const Outcome chunked = Read(s, true);
  CHECK(chunked == Read(s, false));
  return 0;
}
