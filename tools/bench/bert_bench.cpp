// bert-bench: the engine's benchmarks, built natively and as wasm (run by Node), printing JSON lines.
//   bert-bench gemm  [--threads N]           f32 GEMM (Linear) at BERT-base's layer shapes, GFLOP/s
//   bert-bench pool  [--threads N]           thread pool hand-off: microseconds per Run of tiny tasks
//   bert-bench peak                          the ceiling for the GEMM: f32x4 multiply + add, no memory
//   bert-bench model DIR [--threads N] [--reference DIR]
//       load time and peak memory, logits vs the torch reference (reference_logits_b1_t{16,128}.bin),
//       fill-mask time at 16/128/512 tokens (the peerbench token pattern, one [MASK] in the middle)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/gemm.h"
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
      const bert::Linear linear = bert::PackLinear(s.n, s.k, w.data(), bias.data());
      const Timing t = Measure([&] { bert::LinearForward(pool, m, a.data(), s.k, linear, c.data(), s.n); }, 2, 10, 300);
      const double gflop = 2.0 * m * s.k * s.n / 1e9;
      std::printf(
          "{\"bench\":\"gemm\",\"where\":\"%s\",\"threads\":%d,\"shape\":\"%s\",\"m\":%d,\"k\":%d,\"n\":%d,"
          "\"median_ms\":%.4f,\"min_ms\":%.4f,\"runs\":%d,\"gflops_median\":%.2f,\"gflops_best\":%.2f}\n",
          Where(), pool.threads(), s.name, m, s.k, s.n, t.median_ms, t.min_ms, t.runs, gflop / t.median_ms * 1e3,
          gflop / t.min_ms * 1e3);
      std::fflush(stdout);
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

// Max |ours - torch| over all logits of the pattern at t tokens, or -1 without a reference file.
double ReferenceDiff(bert::Model& model, const std::string& dir, int t) {
  std::ifstream in(dir + "/reference_logits_b1_t" + std::to_string(t) + ".bin", std::ios::binary);
  if (!in) return -1;
  const size_t v = static_cast<size_t>(model.config().vocab_size);
  std::vector<float> reference(static_cast<size_t>(t) * v);
  in.read(reinterpret_cast<char*>(reference.data()), static_cast<std::streamsize>(reference.size() * sizeof(float)));
  if (!in) return -1;
  std::vector<int> positions(static_cast<size_t>(t));
  for (int i = 0; i < t; ++i) positions[i] = i;
  std::vector<float> logits;
  if (!model.MaskedLmLogits(Pattern(t, false), positions, &logits).ok()) return -1;
  double max = 0;
  for (size_t i = 0; i < logits.size(); ++i) max = std::max(max, static_cast<double>(std::abs(logits[i] - reference[i])));
  return max;
}

int Model(const std::string& dir, int threads, const std::string& reference) {
  const auto t0 = Clock::now();
  std::unique_ptr<bert::Model> model;
  if (bert::Status st = bert::Model::LoadFromDirectory(dir, {.threads = threads}, &model); !st.ok()) {
    std::fprintf(stderr, "bert-bench: %s\n", st.message().c_str());
    return 1;
  }
  const double load_ms = Ms(t0, Clock::now());
  // First answer after load (cold start), then the steady state.
  const bert::TokenizedText first = Pattern(16, true);
  std::vector<bert::FillMaskResult> results;
  const auto t1 = Clock::now();
  (void)model->FillMask({&first, 1}, 5, &results);
  const double first_answer_ms = load_ms + Ms(t1, Clock::now());
  std::printf(
      "{\"bench\":\"load\",\"where\":\"%s\",\"threads\":%d,\"load_ms\":%.1f,\"first_answer_ms\":%.1f,"
      "\"peak_memory_mb\":%.1f}\n",
      Where(), model->threads(), load_ms, first_answer_ms, PeakMemoryMb());
  for (int t : {16, 128, 512}) {
    const bert::TokenizedText enc = Pattern(t, true);
    const Timing timing = Measure([&] { (void)model->FillMask({&enc, 1}, 5, &results); }, t == 512 ? 1 : 2,
                                  t == 512 ? 5 : 10, t == 512 ? 0 : 2000);
    std::printf(
        "{\"bench\":\"fill-mask\",\"where\":\"%s\",\"threads\":%d,\"tokens\":%d,\"median_ms\":%.2f,\"min_ms\":%.2f,"
        "\"runs\":%d}\n",
        Where(), model->threads(), t, timing.median_ms, timing.min_ms, timing.runs);
    std::fflush(stdout);
  }
  std::printf("{\"bench\":\"memory\",\"where\":\"%s\",\"peak_memory_mb\":%.1f}\n", Where(), PeakMemoryMb());
  // Last, so that the logits of every position and the reference file do not count in the peak above.
  if (!reference.empty()) {
    for (int t : {16, 128}) {
      std::printf("{\"bench\":\"reference\",\"where\":\"%s\",\"tokens\":%d,\"max_abs_diff_vs_torch\":%.3g}\n", Where(), t,
                  ReferenceDiff(*model, reference, t));
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int threads = 1;
  std::string reference, dir;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--threads" && i + 1 < args.size()) {
      threads = std::atoi(args[++i].c_str());
    } else if (args[i] == "--reference" && i + 1 < args.size()) {
      reference = args[++i];
    } else {
      dir = args[i];
    }
  }
  if (!args.empty() && args[0] == "gemm") return Gemm(threads);
  if (!args.empty() && args[0] == "pool") return Pool(threads);
  if (!args.empty() && args[0] == "peak") return Peak();
  if (!args.empty() && args[0] == "model" && !dir.empty()) return Model(dir, threads, reference);
  std::fprintf(stderr, "usage: bert-bench gemm|pool [--threads N] | bert-bench peak | bert-bench model DIR [--threads N] [--reference DIR]\n");
  return 2;
}
