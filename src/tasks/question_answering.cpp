#include "tasks/question_answering.h"

#include <algorithm>
#include <cmath>

#include "tasks/common.h"

namespace bert {
namespace {

// Softmax over the allowed entries of a column of [positions x 2] logits; the others get probability 0,
// as the pipeline's -10000 logits do.
std::vector<double> MaskedSoftmax(const float* logits, const std::vector<bool>& allowed) {
  std::vector<float> column(allowed.size());
  for (size_t i = 0; i < column.size(); ++i) column[i] = allowed[i] ? logits[i * 2] : -INFINITY;
  return Softmax(column);
}

// The context bytes of a word in one window: from its first token there to its last.
Span WordSpan(const TokenizedText& window, int32_t word) {
  Span span{UINT32_MAX, 0};
  for (size_t i = 0; i < window.word_ids.size(); ++i) {
    if (window.sequence_ids[i] != 1 || window.word_ids[i] != word) continue;
    span.begin = std::min(span.begin, window.offsets[i].begin);
    span.end = std::max(span.end, window.offsets[i].end);
  }
  return span;
}

// The candidate spans of one window, best first: start <= end < start + max_answer_length, both in the
// context, score p(start) * p(end) with [CLS] excluded. Returns the top k.
struct Candidate {
  double score;
  size_t start, end;
};
std::vector<Candidate> TopSpans(const std::vector<double>& p_start, const std::vector<double>& p_end,
                                const std::vector<bool>& in_context, int max_answer_length, int top_k) {
  std::vector<Candidate> all;
  for (size_t s = 0; s < p_start.size(); ++s) {
    if (!in_context[s]) continue;
    for (size_t e = s; e < p_end.size() && e < s + static_cast<size_t>(max_answer_length); ++e) {
      if (in_context[e]) all.push_back({p_start[s] * p_end[e], s, e});
    }
  }
  const size_t k = std::min(all.size(), static_cast<size_t>(top_k));
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(k), all.end(),
                    [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  all.resize(k);
  return all;
}

}  // namespace

Status AnswerQuestion(Network& net, const Tokenizer& tokenizer, std::string_view question, std::string_view context,
                      const QuestionAnsweringOptions& options, std::vector<Answer>* out) {
  BERT_RETURN_IF_ERROR(RequireHead(net.weights.qa_outputs.has_value(), net.config, "question-answering head",
                                   "question answering"));
  const size_t model_max = MaxInputLength(net.config, tokenizer);
  const size_t max_seq = options.max_seq_length > 0 ? static_cast<size_t>(options.max_seq_length) : std::min<size_t>(model_max, 384);
  const size_t stride = options.doc_stride > 0 ? static_cast<size_t>(options.doc_stride) : std::min<size_t>(max_seq / 2, 128);
  if (options.top_k < 1 || options.max_answer_length < 1 || options.max_seq_length < 0 || options.doc_stride < 0) {
    return Error(StatusCode::kInvalidArgument, "top_k and max_answer_length must be positive, max_seq_length and doc_stride not negative");
  }
  if (max_seq > model_max) {
    return Error(StatusCode::kInvalidArgument, "max_seq_length " + std::to_string(max_seq) + " exceeds the model's " +
                                                   std::to_string(model_max) + " positions");
  }
  std::vector<Token> q, c;
  BERT_RETURN_IF_ERROR(tokenizer.WordPieces(question, &q));
  const Status st = tokenizer.WordPieces(context, &c);
  if (!st.ok()) return Error(st.code(), "context " + st.message());
  // Each window is [CLS] question [SEP] piece [SEP]; pieces overlap by `stride` tokens.
  if (q.size() + 3 >= max_seq) {
    return Error(StatusCode::kTooLong, "the question is " + std::to_string(q.size()) + " tokens: it leaves no room for "
                                       "the context in windows of " + std::to_string(max_seq) + " tokens");
  }
  const size_t piece = max_seq - q.size() - 3;
  if (stride >= piece) {
    return Error(StatusCode::kInvalidArgument, "doc_stride " + std::to_string(stride) + " must be smaller than the " +
                                                   std::to_string(piece) + " context tokens a window holds");
  }
  std::vector<TokenizedText> windows;
  for (size_t begin = 0;; begin += piece - stride) {
    const size_t end = std::min(c.size(), begin + piece);
    windows.push_back(tokenizer.Assemble(q, std::span(c).subspan(begin, end - begin)));
    if (end == c.size()) break;
  }

  std::vector<Answer> answers;
  double null_score = INFINITY;
  BERT_RETURN_IF_ERROR(ForEachChunk(windows, [&](std::span<const TokenizedText> chunk, size_t) -> Status {
    std::vector<float> logits;
    BERT_RETURN_IF_ERROR(TokenLogits(net, chunk, *net.weights.qa_outputs, &logits));
    const auto segments = net.encoder.segments();
    for (size_t w = 0; w < chunk.size(); ++w) {
      const TokenizedText& window = chunk[w];
      std::vector<bool> in_context(window.input_ids.size());
      for (size_t i = 0; i < in_context.size(); ++i) in_context[i] = window.sequence_ids[i] == 1;
      std::vector<bool> allowed = in_context;
      allowed[0] = true;  // [CLS] takes part in the softmax (it stands for "no answer")
      const float* z = logits.data() + static_cast<size_t>(segments[w].offset) * 2;
      const std::vector<double> p_start = MaskedSoftmax(z, allowed), p_end = MaskedSoftmax(z + 1, allowed);
      null_score = std::min(null_score, p_start[0] * p_end[0]);
      for (const Candidate& cand : TopSpans(p_start, p_end, in_context, options.max_answer_length, options.top_k)) {
        const Span span{WordSpan(window, window.word_ids[cand.start]).begin, WordSpan(window, window.word_ids[cand.end]).end};
        answers.push_back({std::string(context.substr(span.begin, span.end - span.begin)), static_cast<float>(cand.score), span});
      }
    }
    return {};
  }));
  if (options.handle_impossible_answer) answers.push_back({"", static_cast<float>(null_score), {}});
  std::stable_sort(answers.begin(), answers.end(), [](const Answer& a, const Answer& b) { return a.score > b.score; });
  if (answers.size() > static_cast<size_t>(options.top_k)) answers.resize(static_cast<size_t>(options.top_k));
  *out = std::move(answers);
  return {};
}

}  // namespace bert
