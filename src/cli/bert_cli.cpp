// bert-cli: the native command line of bert-wasm.
//   bert-cli fill-mask --model DIR [--top-k N] [--threads N] [--json] TEXT...
//   bert-cli tokenize  --model DIR [--pair TEXT] [--json] TEXT
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model.h"

namespace {

using json = nlohmann::ordered_json;

constexpr const char* kUsage =
    "usage:\n"
    "  bert-cli fill-mask --model DIR [--top-k N] [--threads N] [--json] TEXT...\n"
    "  bert-cli tokenize  --model DIR [--pair TEXT] [--json] TEXT\n";

struct Args {
  std::string command, model_dir;
  std::optional<std::string> pair;
  int top_k = 5;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool json = false;
  std::vector<std::string> texts;
};

int Fail(const std::string& message) {
  std::cerr << "bert-cli: " << message << "\n";
  return 1;
}

int Fail(const bert::Status& status) {
  return Fail(std::string(bert::StatusCodeName(status.code())) + ": " + status.message());
}

bool ParseInt(const std::string& s, int min, int* out) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < min || v > 1000000) return false;
  *out = static_cast<int>(v);
  return true;
}

std::optional<std::string> ParseArgs(int argc, char** argv, Args* args) {
  if (argc < 2) return "missing command";
  args->command = argv[1];
  if (args->command != "fill-mask" && args->command != "tokenize") return "unknown command \"" + args->command + "\"";
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (arg == "--json") {
      args->json = true;
    } else if (arg == "--model" || arg == "--pair" || arg == "--top-k" || arg == "--threads") {
      const auto v = value();
      if (!v) return arg + " needs a value";
      if (arg == "--model") args->model_dir = *v;
      if (arg == "--pair") args->pair = *v;
      if (arg == "--top-k" && !ParseInt(*v, 1, &args->top_k)) return "--top-k must be a positive integer";
      if (arg == "--threads" && !ParseInt(*v, 1, &args->threads)) return "--threads must be a positive integer";
    } else if (arg.starts_with("--")) {
      return "unknown option " + arg;
    } else {
      args->texts.push_back(arg);
    }
  }
  if (args->model_dir.empty()) return "--model DIR is required";
  if (args->texts.empty()) return "no TEXT given";
  if (args->command == "tokenize" && args->texts.size() != 1) return "tokenize takes exactly one TEXT";
  if (args->command == "fill-mask" && args->pair) return "--pair is only for tokenize";
  return std::nullopt;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

int Tokenize(const Args& args) {
  // Tokenizing needs the tokenizer files and config.json only, not the weights.
  bert::ModelFolder folder;
  bert::Config config;
  bert::Tokenizer tokenizer;
  bert::Status st = bert::ModelFolder::Read(args.model_dir, /*with_weights=*/false, &folder);
  if (st.ok()) st = bert::ParseConfig(folder.config_json, &config);
  if (st.ok()) st = bert::Tokenizer::Load(folder.vocab_txt, folder.tokenizer_json, folder.tokenizer_config_json, &tokenizer);
  bert::TokenizedText enc;
  const std::optional<std::string_view> pair = args.pair ? std::optional<std::string_view>(*args.pair) : std::nullopt;
  if (st.ok()) st = tokenizer.Tokenize(args.texts[0], pair, static_cast<size_t>(config.max_positions), /*truncation=*/true, &enc);
  if (!st.ok()) return Fail(st);
  if (args.json) {
    std::cout << Dump({{"inputIds", enc.input_ids}, {"tokenTypeIds", enc.token_type_ids}, {"tokens", enc.tokens}})
              << "\n";
  } else {
    for (size_t i = 0; i < enc.tokens.size(); ++i) {
      std::printf("%4zu  %-20s %6d  type %d\n", i, enc.tokens[i].c_str(), enc.input_ids[i], enc.token_type_ids[i]);
    }
  }
  return 0;
}

int FillMask(const Args& args) {
  std::unique_ptr<bert::Model> model;
  if (bert::Status st = bert::Model::LoadFromDirectory(args.model_dir, {.threads = args.threads}, &model); !st.ok()) {
    return Fail(st);
  }
  for (const std::string& text : args.texts) {
    bert::TokenizedText enc;
    std::vector<bert::FillMaskResult> results;
    bert::Status st = model->tokenizer().Tokenize(text, std::nullopt, static_cast<size_t>(model->config().max_positions),
                                                /*truncation=*/true, &enc);
    if (st.ok()) st = model->FillMask({&enc, 1}, args.top_k, &results);
    if (!st.ok()) return Fail(st);

    if (args.json) {
      json masks = json::array();
      for (const auto& predictions : results[0].masks) {
        json list = json::array();
        for (const bert::Prediction& p : predictions) {
          list.push_back({{"token", p.token_id}, {"tokenStr", p.token}, {"score", p.score}, {"sequence", p.sequence}});
        }
        masks.push_back(std::move(list));
      }
      std::cout << Dump({{"text", text}, {"masks", std::move(masks)}}) << "\n";
      continue;
    }
    std::printf("%s\n", text.c_str());
    for (size_t mi = 0; mi < results[0].masks.size(); ++mi) {
      std::printf("  [MASK] #%zu\n", mi + 1);
      for (const bert::Prediction& p : results[0].masks[mi]) {
        std::printf("    %-16s %8.4f  %s\n", p.token.c_str(), p.score, p.sequence.c_str());
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (auto error = ParseArgs(argc, argv, &args)) {
    std::cerr << "bert-cli: " << *error << "\n" << kUsage;
    return 2;
  }
  return args.command == "tokenize" ? Tokenize(args) : FillMask(args);
}
