// BERT hyper-parameters, read from a Hugging Face config.json.
#pragma once

#include <string_view>

#include "core/status.h"

namespace bert {

enum class Activation { kGelu, kGeluTanh, kRelu };

struct Config {
  int vocab_size = 0;
  int hidden_size = 0;         // H
  int num_layers = 0;
  int num_heads = 0;           // NH
  int intermediate_size = 0;   // I
  int max_positions = 0;       // longest sequence, in tokens
  int type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;
  Activation hidden_act = Activation::kGelu;

  int head_size() const { return hidden_size / num_heads; }  // HS
};

// Parses and validates config.json; errors name the field.
Status ParseConfig(std::string_view json, Config* out);

const char* ActivationName(Activation act);

}  // namespace bert
