#include "tasks/head_logits.h"

#include "heads/pooled.h"
#include "tasks/common.h"

namespace bert {

Status HeadLogits(Network& net, std::span<const TokenizedText> batch, std::vector<std::vector<float>>* out) {
  const Weights& w = net.weights;
  if (batch.empty()) return Error(StatusCode::kInvalidArgument, "empty batch");
  std::vector<std::vector<float>> results(batch.size());
  if (net.config.head == Head::kSequenceClassification) {
    std::vector<float> cls;
    BERT_RETURN_IF_ERROR(ClsRows(net, batch, &cls));
    const auto labels = static_cast<size_t>(w.classifier->n);
    std::vector<float> scratch(cls.size()), logits(batch.size() * labels);
    SequenceLogits(*net.pool, w, static_cast<int>(batch.size()), cls.data(), scratch.data(), logits.data());
    for (size_t s = 0; s < batch.size(); ++s) results[s].assign(logits.begin() + s * labels, logits.begin() + (s + 1) * labels);
  } else {
    const Linear* head = net.config.head == Head::kTokenClassification ? &*w.classifier
                         : w.qa_outputs                                ? &*w.qa_outputs
                                                                       : nullptr;
    BERT_RETURN_IF_ERROR(RequireHead(head != nullptr, net.config, "classification or question-answering head", "logits"));
    const auto n = static_cast<size_t>(head->n);
    BERT_RETURN_IF_ERROR(ForEachChunk(batch, [&](std::span<const TokenizedText> chunk, size_t first) -> Status {
      std::vector<float> logits;
      BERT_RETURN_IF_ERROR(TokenLogits(net, chunk, *head, &logits));
      const auto segments = net.encoder.segments();
      for (size_t s = 0; s < chunk.size(); ++s) {
        const auto begin = logits.begin() + static_cast<ptrdiff_t>(static_cast<size_t>(segments[s].offset) * n);
        results[first + s].assign(begin, begin + static_cast<ptrdiff_t>(static_cast<size_t>(segments[s].length) * n));
      }
      return {};
    }));
  }
  *out = std::move(results);
  return {};
}

}  // namespace bert
