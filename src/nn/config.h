// The hyper-parameters and architecture of a checkpoint, read from a Hugging Face config.json. Each model
// family spells its keys differently (BERT's hidden_size is DistilBERT's dim); all become one Config.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace bert {

enum class Family { kBert, kDistilBert };

// The task head an architecture adds on top of the encoder. Masked-LM, NSP and pooler weights are
// loaded whenever a checkpoint stores them; classifier and QA weights only for their architectures.
enum class Head { kNone, kMaskedLm, kPreTraining, kNextSentence, kSequenceClassification, kTokenClassification,
                  kQuestionAnswering };

enum class Activation { kGelu, kGeluTanh, kRelu };

struct Config {
  Family family = Family::kBert;
  std::string architecture;  // e.g. "BertForSequenceClassification"; derived from model_type when absent
  Head head = Head::kNone;
  int vocab_size = 0;
  int hidden_size = 0;         // H
  int num_layers = 0;
  int num_heads = 0;           // NH
  int intermediate_size = 0;   // I
  int max_positions = 0;       // longest sequence, in tokens
  int type_vocab_size = 0;     // 0: the family has no token types (DistilBERT)
  float layer_norm_eps = 1e-12f;
  Activation hidden_act = Activation::kGelu;
  std::vector<std::string> labels;  // classifier outputs by index, from id2label (LABEL_i when absent)
  bool multi_label = false;         // problem_type multi_label_classification: sigmoid, not softmax

  int head_size() const { return hidden_size / num_heads; }  // HS
};

// Parses and validates config.json; errors name the field.
Status ParseConfig(std::string_view json, Config* out);

const char* ActivationName(Activation act);

}  // namespace bert
