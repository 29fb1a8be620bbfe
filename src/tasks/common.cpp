#include "tasks/common.h"

#include <algorithm>
#include <cmath>

namespace bert {

size_t MaxInputLength(const Config& config, const Tokenizer& tokenizer) {
  const auto positions = static_cast<size_t>(config.max_positions);
  const size_t limit = tokenizer.options().model_max_length;
  return limit > 0 ? std::min(positions, limit) : positions;
}

std::vector<double> Softmax(std::span<const float> logits) {
  const double max = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0;
  for (size_t i = 0; i < p.size(); ++i) sum += p[i] = std::exp(logits[i] - max);
  for (double& x : p) x /= sum;
  return p;
}

Status RequireHead(bool present, const Config& config, const std::string& head, const std::string& task) {
  if (present) return {};
  return Error(StatusCode::kNoHead, config.architecture + " has no " + head + ": " + task + " needs a checkpoint with one");
}

Status ClsRows(Network& net, std::span<const TokenizedText> batch, std::vector<float>* rows) {
  if (batch.empty()) return Error(StatusCode::kInvalidArgument, "empty batch");
  const auto h = static_cast<size_t>(net.config.hidden_size);
  rows->resize(batch.size() * h);
  return ForEachChunk(batch, [&](std::span<const TokenizedText> chunk, size_t first) -> Status {
    const std::vector<std::vector<int>> cls(chunk.size(), std::vector<int>{0});
    BERT_RETURN_IF_ERROR(net.encoder.Forward(*net.pool, chunk, nullptr, cls));
    std::copy_n(net.encoder.hidden(), chunk.size() * h, rows->data() + first * h);
    return {};
  });
}

std::vector<float> SequenceAttentions(const std::vector<std::vector<float>>& per_layer, std::span<const Segment> segments,
                                      size_t s, int num_heads) {
  const auto heads = static_cast<size_t>(num_heads);
  size_t offset = 0;
  for (size_t i = 0; i < s; ++i) offset += heads * segments[i].length * segments[i].length;
  const size_t size = heads * segments[s].length * segments[s].length;
  std::vector<float> out(per_layer.size() * size);
  for (size_t l = 0; l < per_layer.size(); ++l) {
    std::copy_n(per_layer[l].begin() + static_cast<ptrdiff_t>(offset), size, out.begin() + static_cast<ptrdiff_t>(l * size));
  }
  return out;
}

Status TokenLogits(Network& net, std::span<const TokenizedText> chunk, const Linear& head, std::vector<float>* logits) {
  BERT_RETURN_IF_ERROR(net.encoder.Forward(*net.pool, chunk, nullptr));
  const Segment last = net.encoder.segments().back();
  const int rows = last.offset + last.length;
  logits->resize(static_cast<size_t>(rows) * static_cast<size_t>(head.n));
  LinearForward(*net.pool, rows, net.encoder.hidden(), static_cast<size_t>(head.k), head, logits->data(),
                static_cast<size_t>(head.n));
  return {};
}

}  // namespace bert
