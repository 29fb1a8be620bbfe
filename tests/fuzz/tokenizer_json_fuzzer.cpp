// Tokenizer::Load with arbitrary bytes as tokenizer.json (alone, and beside a vocab.txt), then a fixed text
// tokenized: never crashes.
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bert;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  for (const std::string_view vocab : {std::string_view(), std::string_view(fuzz::TinyVocab())}) {
    Tokenizer t;
    const Status st = Tokenizer::Load(vocab, json, "", &t);
    if (!st.ok()) {
      CHECK(st.code() == StatusCode::kBadVocab);
      continue;
    }
    fuzz::CheckTokenize(t, fuzz::FixedText(), "Paris is the capital of France.");
  }
  return 0;
}
