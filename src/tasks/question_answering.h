// Extractive question answering: the most likely answer spans of a context, as Hugging Face's
// question-answering pipeline finds them (contexts longer than the model's positions in overlapping windows).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nn/network.h"
#include "text/tokenizer.h"

namespace bert {

struct QuestionAnsweringOptions {
  int top_k = 1;
  int max_answer_length = 15;  // tokens
  int max_seq_length = 0;      // window length in tokens; 0: min(model max length, 384)
  int doc_stride = 0;          // tokens of overlap between windows; 0: min(max_seq_length / 2, 128)
  bool handle_impossible_answer = false;  // may answer "" (the [CLS] span) when that scores best
};

struct Answer {
  std::string text;  // the context's words from the start token's word to the end token's word
  float score;       // p(start) * p(end), each a softmax over the window's context tokens and [CLS]
  Span span;         // bytes of the context; empty for the impossible answer
};

// The best answers, best first. kNoHead without a question-answering head; kTooLong when the question
// leaves no room for the context in a window.
Status AnswerQuestion(Network& net, const Tokenizer& tokenizer, std::string_view question, std::string_view context,
                      const QuestionAnsweringOptions& options, std::vector<Answer>* out);

}  // namespace bert
