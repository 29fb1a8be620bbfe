// What several tasks share: the head check, and running the encoder up to a head's input.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "nn/network.h"
#include "text/tokenizer.h"

namespace bert {

// The longest input in tokens: the model's positions, or the tokenizer's model_max_length when smaller.
size_t MaxInputLength(const Config& config, const Tokenizer& tokenizer);

// Softmax of one row of logits, in double precision as the reference pipelines compute it.
std::vector<double> Softmax(std::span<const float> logits);

// kNoHead naming the architecture and what the task needs, unless `present`.
Status RequireHead(bool present, const Config& config, const std::string& head, const std::string& task);

// The [CLS] rows of a batch after the encoder, one after another: [batch x H]. The last layer runs for
// those rows alone.
Status ClsRows(Network& net, std::span<const TokenizedText> batch, std::vector<float>* rows);

// After a forward with attentions (per layer, every sequence's [heads][T][T] one after another): sequence
// s's probabilities as [layers][heads][T][T].
std::vector<float> SequenceAttentions(const std::vector<std::vector<float>>& per_layer, std::span<const Segment> segments,
                                      size_t s, int num_heads);

// One forward of `chunk` (a ForEachChunk piece), then `head` on every row: logits [rows x head.n], the
// sequences' rows where net.encoder.segments() says.
Status TokenLogits(Network& net, std::span<const TokenizedText> chunk, const Linear& head, std::vector<float>* logits);

}  // namespace bert
