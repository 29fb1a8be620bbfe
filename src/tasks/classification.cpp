#include "tasks/classification.h"

#include <algorithm>
#include <cmath>

#include "heads/pooled.h"
#include "tasks/common.h"

namespace bert {

Status Classify(Network& net, std::span<const TokenizedText> batch, std::vector<std::vector<LabelScore>>* out) {
  BERT_RETURN_IF_ERROR(
      RequireHead(net.config.head == Head::kSequenceClassification, net.config, "sequence-classification head",
                  "text classification"));
  std::vector<float> cls;
  BERT_RETURN_IF_ERROR(ClsRows(net, batch, &cls));
  const int m = static_cast<int>(batch.size());
  const auto labels = net.config.labels.size();
  std::vector<float> scratch(cls.size()), logits(batch.size() * labels);
  SequenceLogits(*net.pool, net.weights, m, cls.data(), scratch.data(), logits.data());

  // Hugging Face's text-classification: sigmoid for multi-label (or one label), else softmax.
  const bool sigmoid = net.config.multi_label || labels == 1;
  std::vector<std::vector<LabelScore>> results(batch.size());
  for (size_t s = 0; s < batch.size(); ++s) {
    const float* z = logits.data() + s * labels;
    const double max = *std::max_element(z, z + labels);
    double sum = 0;
    for (size_t i = 0; i < labels; ++i) sum += std::exp(z[i] - max);
    for (size_t i = 0; i < labels; ++i) {
      const double p = sigmoid ? 1 / (1 + std::exp(-static_cast<double>(z[i]))) : std::exp(z[i] - max) / sum;
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
