// Status values: every fallible call in bert-wasm returns one instead of throwing or aborting.
#pragma once

#include <string>
#include <utility>

namespace bert {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad call arguments (e.g. top_k < 1, empty batch)
  kBadConfig,        // config.json missing, malformed or inconsistent
  kBadVocab,         // vocab.txt / tokenizer.json unusable
  kBadWeights,       // safetensors malformed, tensor missing, wrong shape or dtype
  kBadText,          // text is not valid UTF-8
  kNoMask,           // fill-mask on a text without [MASK]
  kNoHead,           // a task the checkpoint has no head for (fill-mask without a masked-LM head, ...)
  kTooLong,          // input longer than the model's positions with truncation off
  kIo,               // a file could not be read
  kOutOfMemory,      // the weights do not fit in memory (wasm32 holds at most 4 GB)
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status Error(StatusCode code, std::string message) { return Status(code, std::move(message)); }

// Stable short names, used by the CLI and as JS error codes (E_ + name).
inline const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kBadConfig: return "BAD_CONFIG";
    case StatusCode::kBadVocab: return "BAD_VOCAB";
    case StatusCode::kBadWeights: return "BAD_WEIGHTS";
    case StatusCode::kBadText: return "BAD_TEXT";
    case StatusCode::kNoMask: return "NO_MASK";
    case StatusCode::kNoHead: return "NO_HEAD";
    case StatusCode::kTooLong: return "TOO_LONG";
    case StatusCode::kIo: return "IO";
    case StatusCode::kOutOfMemory: return "OUT_OF_MEMORY";
  }
  return "UNKNOWN";
}

}  // namespace bert

// Propagates a non-OK status to the caller (a unique variable name per use, so uses may nest).
#define BERT_STATUS_CONCAT_(a, b) a##b
#define BERT_STATUS_NAME_(n) BERT_STATUS_CONCAT_(bert_status_, n)
#define BERT_RETURN_IF_ERROR(expr) BERT_RETURN_IF_ERROR_(BERT_STATUS_NAME_(__COUNTER__), expr)
#define BERT_RETURN_IF_ERROR_(var, expr) \
  do {                                   \
    ::bert::Status var = (expr);         \
    if (!var.ok()) return var;           \
  } while (0)
