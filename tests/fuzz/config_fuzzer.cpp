// ParseConfig on arbitrary bytes as config.json: never crashes; a config it accepts is consistent.
#include "fuzz_util.h"
#include "nn/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bert;
  Config c;
  const Status st = ParseConfig({reinterpret_cast<const char*>(data), size}, &c);
  if (!st.ok()) {
    CHECK(st.code() == StatusCode::kBadConfig);
    return 0;
  }
  CHECK(c.vocab_size >= 1 && c.hidden_size >= 1 && c.num_layers >= 1 && c.num_heads >= 1);
  CHECK(c.intermediate_size >= 1 && c.max_positions >= 1 && c.type_vocab_size >= 0);
  CHECK(c.hidden_size % c.num_heads == 0 && c.head_size() >= 1);
  CHECK(c.layer_norm_eps > 0 && !c.labels.empty() && !c.architecture.empty());
  CHECK(c.family == Family::kBert || c.type_vocab_size == 0);
  CHECK(ActivationName(c.hidden_act)[0] != '?');
  return 0;
}
