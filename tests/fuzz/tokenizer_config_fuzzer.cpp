// Tokenizer::Load with arbitrary bytes as tokenizer_config.json beside a tiny vocab.txt, then a fixed text
// tokenized: never crashes.
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bert;
  Tokenizer t;
  const Status st = Tokenizer::Load(fuzz::TinyVocab(), "", {reinterpret_cast<const char*>(data), size}, &t);
  if (!st.ok()) {
    CHECK(st.code() == StatusCode::kBadVocab);
    return 0;
  }
  fuzz::CheckTokenize(t, fuzz::FixedText(), "Paris is the capital of France.");
  return 0;
}
