#include "tasks/classification.h"

#include <algorithm>
#include <cmath>

#include "heads/pooled.h"
#include "tasks/common.h"
#include "tasks/head_logits.h"

namespace bert {

Status Classify(Network& net, std::span<const TokenizedText> batch, std::vector<std::vector<LabelScore>>* out) {
  BERT_RETURN_IF_ERROR(
      RequireHead(net.config.head == Head::kSequenceClassification, net.config, "sequence-classification head",
                  "text classification"));
  std::vector<std::vector<float>> logits;
  BERT_RETURN_IF_ERROR(HeadLogits(net, batch, &logits));

  // Hugging Face's text-classification: sigmoid for multi-label (or one label), else softmax.
  const bool sigmoid = net.config.multi_label || net.config.labels.size() == 1;
  std::vector<std::vector<LabelScore>> results(batch.size());
  for (size_t s = 0; s < batch.size(); ++s) {
    const std::vector<double> softmax = sigmoid ? std::vector<double>() : Softmax(logits[s]);
    for (size_t i = 0; i < logits[s].size(); ++i) {
      const double p = sigmoid ? 1 / (1 + std::exp(-static_cast<double>(logits[s][i]))) : softmax[i];
      results[s].push_back({static_cast<int>(i), net.config.labels[i], static_cast<float>(p)});
    }
    std::stable_sort(results[s].begin(), results[s].end(),
                     [](const LabelScore& a, const LabelScore& b) { return a.score > b.score; });
  }
  *out = std::move(results);
  return {};
}

Status NextSentence(Network& net, std::span<const TokenizedText> batch, std::vector<NextSentenceResult>* out) {
  BERT_RETURN_IF_ERROR(RequireHead(net.weights.next_sentence.has_value(), net.config,
                                   "next-sentence head (cls.seq_relationship)", "next-sentence prediction"));
  std::vector<float> cls;
  BERT_RETURN_IF_ERROR(ClsRows(net, batch, &cls));
  std::vector<float> scratch(cls.size()), logits(batch.size() * 2);
  NextSentenceLogits(*net.pool, net.weights, static_cast<int>(batch.size()), cls.data(), scratch.data(), logits.data());
  out->clear();
  for (size_t s = 0; s < batch.size(); ++s) {
    const float is_next = logits[2 * s], not_next = logits[2 * s + 1];
    const double p = 1 / (1 + std::exp(static_cast<double>(not_next) - is_next));
    out->push_back({is_next >= not_next, static_cast<float>(p), {is_next, not_next}});
  }
  return {};
}

}  // namespace bert
