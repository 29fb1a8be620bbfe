// ParseSentenceTransformers and PoolingFolder on arbitrary bytes split at the first two NUL bytes into
// modules.json, the Pooling config.json and sentence_bert_config.json: never crashes.
#include "fuzz_util.h"
#include "tasks/embeddings.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bert;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::string_view files[3];
  for (int i = 0; i < 3; ++i) {
    const size_t end = i < 2 ? std::min(rest.find('\0'), rest.size()) : rest.size();
    files[i] = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  SentenceTransformersConfig c;
  c.max_seq_length = 7;
  const Status st = ParseSentenceTransformers(files[0], files[1], files[2], &c);
  if (!st.ok()) {
    CHECK(st.code() == StatusCode::kBadConfig);
    CHECK(c.max_seq_length == 7);  // untouched on error
  } else if (files[0].empty()) {
    CHECK(c.max_seq_length == 7);  // not a sentence-transformers folder: untouched
  } else {
    CHECK(c.max_seq_length <= (1u << 20));
    CHECK(c.embedding.pooling != Pooling::kNone);
  }
  (void)PoolingFolder(files[0]);
  return 0;
}
