#include "tasks/token_classification.h"

#include <algorithm>

#include "tasks/common.h"

namespace bert {
namespace {

// A token with its softmax scores over the labels (the pipeline's "pre-entity").
struct ScoredToken {
  std::string word;  // the token ("##kel"), or the text it covers for [UNK]
  std::vector<double> scores;
  Span span;
  int index;
  bool is_subword;
};

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

size_t Argmax(const std::vector<double>& v) { return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin()); }

// B-PER -> (B, PER); I-PER -> (I, PER); a label without a prefix counts as I- of itself.
std::pair<char, std::string> Tag(const std::string& label) {
  if (label.starts_with("B-") || label.starts_with("I-")) return {label[0], label.substr(2)};
  return {'I', label};
}

// A group of tokens (or words) of one entity: the first's group name, their mean score, their words joined.
Entity GroupEntity(std::span<const Entity> members) {
  std::vector<std::string> words;
  double sum = 0;
  for (const Entity& e : members) {
    words.push_back(e.word);
    sum += e.score;
  }
  const std::string& label = members.front().entity;
  const size_t dash = label.find('-');
  return {dash == std::string::npos ? label : label.substr(dash + 1), static_cast<float>(sum / static_cast<double>(members.size())),
          Tokenizer::JoinTokens(words), {members.front().span.begin, members.back().span.end}};
}

// Consecutive entities of one type merge unless the next begins with B-.
std::vector<Entity> GroupEntities(const std::vector<Entity>& entities) {
  std::vector<Entity> groups;
  size_t start = 0;
  for (size_t i = 1; i <= entities.size(); ++i) {
    if (i < entities.size()) {
      const auto [bi, tag] = Tag(entities[i].entity);
      if (tag == Tag(entities[i - 1].entity).second && bi != 'B') continue;
    }
    if (i > start) groups.push_back(GroupEntity(std::span(entities).subspan(start, i - start)));
    start = i;
  }
  return groups;
}

// One word (a token and its subword continuations) as one entity.
Entity WordEntity(std::span<const ScoredToken> tokens, Aggregation aggregation, const std::vector<std::string>& labels) {
  std::vector<std::string> words;
  for (const ScoredToken& t : tokens) words.push_back(t.word);
  std::vector<double> scores = tokens.front().scores;
  if (aggregation == Aggregation::kMax) {
    const auto best = std::max_element(tokens.begin(), tokens.end(), [](const ScoredToken& a, const ScoredToken& b) {
      return *std::max_element(a.scores.begin(), a.scores.end()) < *std::max_element(b.scores.begin(), b.scores.end());
    });
    scores = best->scores;
  } else if (aggregation == Aggregation::kAverage) {
    for (size_t t = 1; t < tokens.size(); ++t) {
      for (size_t i = 0; i < scores.size(); ++i) scores[i] += tokens[t].scores[i];
    }
    for (double& s : scores) s /= static_cast<double>(tokens.size());
  }
  const size_t best = Argmax(scores);
  return {labels[best], static_cast<float>(scores[best]), Tokenizer::JoinTokens(words),
          {tokens.front().span.begin, tokens.back().span.end}};
}

std::vector<Entity> Aggregate(const std::vector<ScoredToken>& tokens, Aggregation aggregation,
                              const std::vector<std::string>& labels) {
  std::vector<Entity> entities;
  if (aggregation == Aggregation::kNone || aggregation == Aggregation::kSimple) {
    for (const ScoredToken& t : tokens) {
      const size_t best = Argmax(t.scores);
      entities.push_back({labels[best], static_cast<float>(t.scores[best]), t.word, t.span, t.index});
    }
    return aggregation == Aggregation::kNone ? entities : GroupEntities(entities);
  }
  for (size_t start = 0, end; start < tokens.size(); start = end) {
    for (end = start + 1; end < tokens.size() && tokens[end].is_subword; ++end) {
    }
    entities.push_back(WordEntity(std::span(tokens).subspan(start, end - start), aggregation, labels));
  }
  return GroupEntities(entities);
}

}  // namespace

Status ClassifyTokens(Network& net, const Tokenizer& tokenizer, std::span<const std::string_view> texts,
                      const TokenClassificationOptions& options, std::vector<std::vector<Entity>>* out) {
  BERT_RETURN_IF_ERROR(RequireHead(net.config.head == Head::kTokenClassification, net.config,
                                   "token-classification head", "token classification"));
  if (texts.empty()) return Error(StatusCode::kInvalidArgument, "empty batch");
  std::vector<TokenizedText> batch(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    BERT_RETURN_IF_ERROR(
        tokenizer.Tokenize(texts[i], std::nullopt, MaxInputLength(net.config, tokenizer), /*truncation=*/true, &batch[i]));
  }
  const std::vector<std::string>& labels = net.config.labels;
  const size_t n = labels.size();
  std::vector<std::vector<Entity>> results(texts.size());
  BERT_RETURN_IF_ERROR(ForEachChunk(batch, [&](std::span<const TokenizedText> chunk, size_t first) -> Status {
    std::vector<float> logits;
    BERT_RETURN_IF_ERROR(TokenLogits(net, chunk, *net.weights.classifier, &logits));
    const auto segments = net.encoder.segments();
    for (size_t s = 0; s < chunk.size(); ++s) {
      const TokenizedText& t = chunk[s];
      const std::string_view text = texts[first + s];
      std::vector<ScoredToken> tokens;
      for (size_t i = 0; i < t.input_ids.size(); ++i) {
        if (t.sequence_ids[i] < 0) continue;  // [CLS], [SEP]
        std::vector<double> scores =
            Softmax(std::span(logits).subspan((static_cast<size_t>(segments[s].offset) + i) * n, n));
        const Span span = t.offsets[i];
        const std::string_view covered = text.substr(span.begin, span.end - span.begin);
        const bool unknown = t.input_ids[i] == tokenizer.unk_id();
        // The pipeline's test for WordPiece: a token longer than the text it covers carries "##".
        const bool subword = !unknown && CodePoints(t.tokens[i]) != CodePoints(covered);
        tokens.push_back({unknown ? std::string(covered) : t.tokens[i], std::move(scores), span, static_cast<int>(i), subword});
      }
      for (Entity& e : Aggregate(tokens, options.aggregation, labels)) {
        const auto ignored = std::find(options.ignore_labels.begin(), options.ignore_labels.end(), e.entity);
        if (ignored == options.ignore_labels.end()) results[first + s].push_back(std::move(e));
      }
    }
    return {};
  }));
  *out = std::move(results);
  return {};
}

}  // namespace bert
