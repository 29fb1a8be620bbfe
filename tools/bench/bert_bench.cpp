// bert-bench: the engine's benchmarks, built natively and as wasm (run by Node), printing JSON lines.
//   bert-bench gemm  [--threads N]           f32 and q8 GEMM (Linear) at BERT-base's layer shapes, GFLOP/s;
//                                            and the q8 activations' quantization into row tiles, ns per value
//   bert-bench pool  [--threads N]           thread pool hand-off: microseconds per Run of tiny tasks
//   bert-bench peak                          the ceiling for the GEMM: f32x4 multiply + add, no memory
//   bert-bench model DIR [--threads N] [--dtype fp32|q8] [--reference DIR]   (no --dtype: as the folder is)
//       load time and peak memory, logits vs the torch reference (reference_logits_b1_t{16,128}.bin: max
//       |difference|, KL divergence and top-1 / top-5 agreement over every position), fill-mask time at
//       16/128/512 tokens (the peerbench token pattern, one [MASK] in the middle)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/microkernels.h"
#include "kernels/qgemm.h"
#include "kernels/simd.h"
#include "nn/linear.h"
#include "model.h"
#include "core/thread_pool.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten/heap.h>
#else
#include <sys/resource.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

struct Timing {
  double median_ms, min_ms;
  int runs;
};

// Warm-up, then repeats until `budget_ms` is spent (at least `min_runs`): median and min.
Timing Measure(const std::function<void()>& fn, int warmup, int min_runs, double budget_ms) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> times;
  const auto start = Clock::now();
  while (static_cast<int>(times.size()) < min_runs || Ms(start, Clock::now()) < budget_ms) {
    const auto t0 = Clock::now();
    fn();
    times.push_back(Ms(t0, Clock::now()));
    if (times.size() >= 200) break;
  }
  std::sort(times.begin(), times.end());
  return {times[times.size() / 2], times.front(), static_cast<int>(times.size())};
}

double PeakMemoryMb() {
#if defined(__EMSCRIPTEN__)
  return static_cast<double>(emscripten_get_heap_size()) / 1e6;  // wasm memory only grows
#else
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1e3;
#endif
}

const char* Where() {
#if defined(__EMSCRIPTEN__) && defined(__EMSCRIPTEN_PTHREADS__)
  return "wasm simd-threads (Node)";
#elif defined(__EMSCRIPTEN__)
  return "wasm simd (Node)";
#else
  return "native (SIMDe)";
#endif
}

int Gemm(int threads) {
  struct Shape {
    const char* name;
    int k, n;
  };
  const Shape shapes[] = {{"qkv", 768, 2304}, {"attention.output", 768, 768}, {"intermediate", 768, 3072},
                          {"output", 3072, 768}};
  bert::ThreadPool pool(threads);
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int m : {16, 128, 512}) {
    for (const Shape& s : shapes) {
      std::vector<float> a(static_cast<size_t>(m) * s.k), w(static_cast<size_t>(s.n) * s.k), bias(s.n),
          c(static_cast<size_t>(m) * s.n);
      for (float& x : a) x = dist(rng);
      for (float& x : w) x = dist(rng);
      std::vector<int8_t> q(w.size());
      std::vector<float> scales(s.n);
      for (int j = 0; j < s.n; ++j) scales[j] = bert::QuantizeRowQ8(s.k, &w[static_cast<size_t>(j) * s.k], &q[static_cast<size_t>(j) * s.k]);
      const bert::Linear f32 = bert::PackLinear(s.n, s.k, w.data(), bias.data());
      const bert::Linear q8 = bert::PackLinearQ8(s.n, s.k, q.data(), scales.data(), bias.data());
      for (const bert::Linear* linear : {&f32, &q8}) {
        const Timing t = Measure([&] { bert::LinearForward(pool, m, a.data(), s.k, *linear, c.data(), s.n); }, 2, 10, 300);
        const double gflop = 2.0 * m * s.k * s.n / 1e9;  // GOP/s for q8
        std::printf(
            "{\"bench\":\"gemm\",\"where\":\"%s\",\"dtype\":\"%s\",\"threads\":%d,\"shape\":\"%s\",\"m\":%d,"
            "\"k\":%d,\"n\":%d,\"median_ms\":%.4f,\"min_ms\":%.4f,\"runs\":%d,\"gflops_median\":%.2f,"
            "\"gflops_best\":%.2f}\n",
            Where(), linear->quantized() ? "q8" : "fp32", pool.threads(), s.name, m, s.k, s.n, t.median_ms, t.min_ms,
            t.runs, gflop / t.median_ms * 1e3, gflop / t.min_ms * 1e3);
        std::fflush(stdout);
      }
    }
    // The q8 GEMM's first step on its own: its activations quantized into packed row tiles, per layer input width.
    const bert::GemmQ8& gemm = *bert::ActiveMicrokernels().gemm_q8;
    for (int k : {768, 3072}) {
      std::vector<float> a(static_cast<size_t>(m) * k), row_scales(static_cast<size_t>(m + bert::kGemmMR));
      for (float& x : a) x = dist(rng);
      std::vector<uint8_t> tiles(gemm.packed_rows_size(m, k));
      const Timing t = Measure([&] { gemm.quantize_rows(m, k, a.data(), k, tiles.data(), row_scales.data()); }, 2, 10, 100);
      const double values = static_cast<double>(m) * k;
      std::printf(
          "{\"bench\":\"quantize_rows\",\"where\":\"%s\",\"kernel\":\"%s\",\"m\":%d,\"k\":%d,"
          "\"ns_per_value_median\":%.3f,\"ns_per_value_best\":%.3f}\n",
          Where(), gemm.name, m, k, t.median_ms * 1e6 / values, t.min_ms * 1e6 / values);
    }
  }
  return 0;
}

// The arithmetic ceiling of one thread for what the microkernel computes: 8 SIMD128 multiplies and 8
// adds (baseline wasm SIMD has no FMA) into independent accumulators, operands in registers, no loads.
int Peak() {
  constexpr int kSteps = 1 << 22;
  volatile float seed = 1e-7f;
  float sink = 0;
  const Timing t = Measure([&] {
    const v128_t x = wasm_f32x4_splat(seed);
    v128_t m[4], acc[8];
    for (int j = 0; j < 4; ++j) m[j] = wasm_f32x4_splat(seed * static_cast<float>(j + 1));
    for (v128_t& a : acc) a = x;
    for (int i = 0; i < kSteps; ++i) {
      for (int j = 0; j < 8; ++j) acc[j] = wasm_f32x4_add(acc[j], wasm_f32x4_mul(m[j & 3], x));
    }
    for (const v128_t& a : acc) sink += wasm_f32x4_extract_lane(a, 0);
  }, 2, 10, 300);
  const double gflop = 64.0 * kSteps / 1e9;
  std::printf("{\"bench\":\"peak\",\"where\":\"%s\",\"gflops_median\":%.2f,\"gflops_best\":%.2f,\"sink\":%g}\n", Where(),
              gflop / t.median_ms * 1e3, gflop / t.min_ms * 1e3, static_cast<double>(sink));
  return 0;
}

// What a Run costs beyond its tasks: a forward pass makes ~90 of them.
int Pool(int threads) {
  bert::ThreadPool pool(threads);
  std::atomic<size_t> sink{0};
  constexpr int kRuns = 1000;
  const Timing t = Measure([&] {
    for (int i = 0; i < kRuns; ++i) pool.Run(8, [&](size_t task, int) { sink.fetch_add(task, std::memory_order_relaxed); });
  }, 1, 10, 300);
  std::printf("{\"bench\":\"pool\",\"where\":\"%s\",\"threads\":%d,\"us_per_run_median\":%.2f,\"us_per_run_best\":%.2f}\n",
              Where(), pool.threads(), t.median_ms * 1e3 / kRuns, t.min_ms * 1e3 / kRuns);
  return 0;
}

// The peerbench token pattern: ids[i] = (1000 + 7919 i) mod 29000 + 1000, [CLS] first, [SEP] last.
bert::TokenizedText Pattern(int t, bool mask) {
  bert::TokenizedText e;
  for (int i = 0; i < t; ++i) e.input_ids.push_back((1000 + 7919 * i) % 29000 + 1000);
  e.input_ids.front() = 101;
  e.input_ids.back() = 102;
  if (mask) e.input_ids[t / 2] = 103;
  e.token_type_ids.assign(static_cast<size_t>(t), 0);
  return e;
}

// Ours against torch over every position of the pattern at t tokens: max |logit difference|, mean
// KL(torch || ours) of the softmax, and the share of positions whose top-1 token (top-5 set) agrees.
struct Agreement {
  double max_abs_diff = -1, kl = 0, top1 = 0, top5 = 0;
};

std::vector<int> TopK(const float* logits, size_t v, int k) {
  std::vector<int> ids(v);
  for (size_t i = 0; i < v; ++i) ids[i] = static_cast<int>(i);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int a, int b) { return logits[a] > logits[b]; });
  ids.resize(static_cast<size_t>(k));
  std::sort(ids.begin(), ids.end());
  return ids;
}

double LogSumExp(const float* x, size_t n) {
  const double max = *std::max_element(x, x + n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::exp(x[i] - max);
  return max + std::log(sum);
}

Agreement CompareWithReference(bert::Model& model, const std::string& dir, int t) {
  std::ifstream in(dir + "/reference_logits_b1_t" + std::to_string(t) + ".bin", std::ios::binary);
  if (!in) return {};
  const size_t v = static_cast<size_t>(model.config().vocab_size);
  std::vector<float> reference(static_cast<size_t>(t) * v);
  in.read(reinterpret_cast<char*>(reference.data()), static_cast<std::streamsize>(reference.size() * sizeof(float)));
  if (!in) return {};
  std::vector<int> positions(static_cast<size_t>(t));
  for (int i = 0; i < t; ++i) positions[i] = i;
  std::vector<float> logits;
  if (!model.MaskedLmLogits(Pattern(t, false), positions, &logits).ok()) return {};
  Agreement a{0, 0, 0, 0};
  for (int pos = 0; pos < t; ++pos) {
    const float* ours = logits.data() + pos * v;
    const float* theirs = reference.data() + pos * v;
    const double z_ours = LogSumExp(ours, v), z_theirs = LogSumExp(theirs, v);
    double kl = 0;
    for (size_t i = 0; i < v; ++i) {
      a.max_abs_diff = std::max(a.max_abs_diff, static_cast<double>(std::abs(ours[i] - theirs[i])));
      const double log_p = theirs[i] - z_theirs, log_q = ours[i] - z_ours;
      kl += std::exp(log_p) * (log_p - log_q);
    }
    a.kl += kl / t;
    a.top1 += (TopK(ours, v, 1) == TopK(theirs, v, 1)) ? 1.0 / t : 0.0;
    a.top5 += (TopK(ours, v, 5) == TopK(theirs, v, 5)) ? 1.0 / t : 0.0;
  }
  return a;
}

int Model(const std::string& dir, int threads, std::optional<bert::WeightDType> dtype, const std::string& reference) {
  const auto t0 = Clock::now();
  std::unique_ptr<bert::Model> model;
  if (bert::Status st = bert::Model::LoadFromDirectory(dir, {.threads = threads, .dtype = dtype}, &model); !st.ok()) {
    std::fprintf(stderr, "bert-bench: %s\n", st.message().c_str());
    return 1;
  }
  const double load_ms = Ms(t0, Clock::now());
  const char* dtype_name = model->dtype() == bert::WeightDType::kQ8 ? "q8" : "fp32";
  // First answer after load (cold start), then the steady state.
  const bert::TokenizedText first = Pattern(16, true);
  std::vector<bert::FillMaskResult> results;
  const auto t1 = Clock::now();
  (void)model->FillMask({&first, 1}, 5, &results);
  const double first_answer_ms = load_ms + Ms(t1, Clock::now());
  std::printf(
      "{\"bench\":\"load\",\"where\":\"%s\",\"dtype\":\"%s\",\"threads\":%d,\"load_ms\":%.1f,"
      "\"first_answer_ms\":%.1f,\"peak_memory_mb\":%.1f}\n",
      Where(), dtype_name, model->threads(), load_ms, first_answer_ms, PeakMemoryMb());
  for (int t : {16, 128, 512}) {
    const bert::TokenizedText enc = Pattern(t, true);
    const Timing timing = Measure([&] { (void)model->FillMask({&enc, 1}, 5, &results); }, t == 512 ? 1 : 2,
                                  t == 512 ? 5 : 10, t == 512 ? 0 : 2000);
    std::printf(
        "{\"bench\":\"fill-mask\",\"where\":\"%s\",\"dtype\":\"%s\",\"threads\":%d,\"tokens\":%d,"
        "\"median_ms\":%.2f,\"min_ms\":%.2f,\"runs\":%d}\n",
        Where(), dtype_name, model->threads(), t, timing.median_ms, timing.min_ms, timing.runs);
    std::fflush(stdout);
  }
  std::printf("{\"bench\":\"memory\",\"where\":\"%s\",\"dtype\":\"%s\",\"peak_memory_mb\":%.1f}\n", Where(),
              dtype_name, PeakMemoryMb());
  // Last, so that the logits of every position and the reference file do not count in the peak above.
  if (!reference.empty()) {
    for (int t : {16, 128}) {
      const Agreement a = CompareWithReference(*model, reference, t);
      std::printf(
          "{\"bench\":\"reference\",\"where\":\"%s\",\"dtype\":\"%s\",\"tokens\":%d,\"max_abs_diff_vs_torch\":%.3g,"
          "\"kl_vs_torch\":%.3g,\"top1_agreement\":%.4f,\"top5_agreement\":%.4f}\n",
          Where(), dtype_name, t, a.max_abs_diff, a.kl, a.top1, a.top5);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int threads = 1;
  std::string reference, dir;
  std::optional<bert::WeightDType> dtype;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--threads" && i + 1 < args.size()) {
      threads = std::atoi(args[++i].c_str());
    } else if (args[i] == "--dtype" && i + 1 < args.size()) {
      dtype = args[++i] == "q8" ? bert::WeightDType::kQ8 : bert::WeightDType::kF32;
    } else if (args[i] == "--reference" && i + 1 < args.size()) {
      reference = args[++i];
    } else {
      dir = args[i];
    }
  }
  if (!args.empty() && args[0] == "gemm") return Gemm(threads);
  if (!args.empty() && args[0] == "pool") return Pool(threads);
  if (!args.empty() && args[0] == "peak") return Peak();
  if (!args.empty() && args[0] == "model" && !dir.empty()) return Model(dir, threads, dtype, reference);
  std::fprintf(stderr,
               "usage: bert-bench gemm|pool [--threads N] | bert-bench peak | "
               "bert-bench model DIR [--threads N] [--dtype fp32|q8] [--reference DIR]\n");
  return 2;
}
