// Each SIMD kernel against its scalar reference on shapes equal to, below, above and not a multiple
// of the tile, and the threaded operators against plain loops with 1 and several threads.
#include <gtest/gtest.h>

#include <chrono>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <utility>
#include <random>
#include <span>
#include <thread>
#include <tuple>

#include "nn/attention.h"
#include "kernels/gemm.h"
#include "kernels/microkernels.h"
#include "kernels/qgemm.h"
#include "kernels/vector_ops.h"
#include "nn/linear.h"
#include "core/thread_pool.h"

namespace bert {
namespace {

std::vector<float> Random(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
  return m;
}

// C = A W^T + bias in double precision: the ground truth for every GEMM path.
std::vector<float> ReferenceLinear(int m, int n, int k, const std::vector<float>& a, const std::vector<float>& w,
                                   const std::vector<float>& bias) {
  std::vector<float> c(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double acc = bias[j];
      for (int p = 0; p < k; ++p) acc += static_cast<double>(a[i * k + p]) * w[j * k + p];
      c[i * n + j] = static_cast<float>(acc);
    }
  }
  return c;
}

const int kSizesM[] = {1, 3, 4, 5, 17};
const int kSizesN[] = {1, 7, 8, 9, 33};
const int kSizesK[] = {1, 3, 16, 67};

// SIMD128's kernel equals the scalar one exactly (same order of operations); relaxed SIMD's may fuse its
// multiply-adds (the engine's choice), which moves the sums by rounding only.
TEST(Gemm, MicrokernelsMatchScalarOnOddShapes) {
  const std::pair<GemmMicrokernel, double> kernels[] = {{GemmF32_4x8_WasmSimd, 0.0}, {GemmF32_4x8_WasmRelaxed, 1e-5}};
  for (const auto& [kernel, tolerance] : kernels) {
    for (int m : kSizesM) {
      for (int n : kSizesN) {
        for (int k : kSizesK) {
          const auto a = Random(static_cast<size_t>(m) * k, 1), w = Random(static_cast<size_t>(n) * k, 2),
                     bias = Random(static_cast<size_t>(n), 3);
          std::vector<float> packed(PackedWeightsSize(n, k));
          PackWeightsNK(n, k, w.data(), static_cast<size_t>(k), bias.data(), packed.data());
          // Sentinel-filled outputs catch writes outside the tile.
          std::vector<float> simd(static_cast<size_t>(m) * n, 1e30f), scalar = simd, rows(PackedRowsSize(m, k));
          GemmPacked(m, n, k, a.data(), k, packed.data(), simd.data(), n, rows.data(), kernel);
          GemmPacked(m, n, k, a.data(), k, packed.data(), scalar.data(), n, rows.data(), GemmF32_4x8_Scalar);
          EXPECT_LE(MaxAbsDiff(simd, scalar), tolerance) << m << "x" << n << "x" << k;
          EXPECT_LE(MaxAbsDiff(simd, ReferenceLinear(m, n, k, a, w, bias)), 1e-4) << m << "x" << n << "x" << k;
        }
      }
    }
  }
}

// Natively, as in SIMD128 builds, the active kernels are SIMD128's; they pass the engine's self-test.
TEST(Microkernels, TheBuildsKernelsPassTheirSelfTest) {
  EXPECT_EQ(ActiveMicrokernels().gemm_q8, &kGemmQ8C2);
  EXPECT_TRUE(MicrokernelsSelfTest());
}

// Rows and columns spanning several tasks, on 2 threads: SIMD equals the scalar kernel bit for bit.
TEST(LinearForward, SimdEqualsScalarKernelAcrossTasks) {
  const int m = 70, n = 77, k = 600;
  const auto a = Random(static_cast<size_t>(m) * k, 24), w = Random(static_cast<size_t>(n) * k, 25),
             bias = Random(static_cast<size_t>(n), 26);
  const Linear linear = PackLinear(n, k, w.data(), bias.data());
  std::vector<float> simd(static_cast<size_t>(m) * n), scalar(simd.size());
  ThreadPool pool(2);
  LinearForward(pool, m, a.data(), k, linear, simd.data(), n);
  LinearForward(pool, m, a.data(), k, linear, scalar.data(), n, Epilogue::kNone, nullptr, Kernels::kReference);
  EXPECT_EQ(simd, scalar);
  EXPECT_LE(MaxAbsDiff(simd, ReferenceLinear(m, n, k, a, w, bias)), 1e-3);
}

// Rows packed per 4-row tile: tile t, step p, lane i holds a[4t + min(i, last row)][p]; k not a multiple
// of 4 exercises the SIMD transpose's tail, odd m the repeated last row.
TEST(Gemm, PackRowsMatchesItsDefinition) {
  for (int m : kSizesM) {
    for (int k : {1, 3, 4, 7, 67}) {
      const size_t lda = static_cast<size_t>(k) + 2;  // a row stride wider than k
      const auto a = Random(static_cast<size_t>(m) * lda, 27);
      std::vector<float> rows(PackedRowsSize(m, k));
      PackRowsMR(m, k, a.data(), lda, rows.data());
      for (int t = 0; t * kGemmMR < m; ++t) {
        for (int p = 0; p < k; ++p) {
          for (int i = 0; i < kGemmMR; ++i) {
            const int row = std::min(t * kGemmMR + i, m - 1);
            ASSERT_EQ(rows[(static_cast<size_t>(t) * k + p) * kGemmMR + i], a[row * lda + p]) << m << " " << k;
          }
        }
      }
    }
  }
}

TEST(Gemm, PackKNEqualsPackNKOfTranspose) {
  const int n = 11, k = 9;
  const auto w_kn = Random(static_cast<size_t>(k) * n, 4);
  std::vector<float> w_nk(w_kn.size());
  for (int p = 0; p < k; ++p)
    for (int j = 0; j < n; ++j) w_nk[j * k + p] = w_kn[p * n + j];
  std::vector<float> a(PackedWeightsSize(n, k)), b(PackedWeightsSize(n, k));
  PackWeightsKN(n, k, w_kn.data(), n, a.data());
  PackWeightsNK(n, k, w_nk.data(), k, nullptr, b.data());
  EXPECT_EQ(a, b);
}

TEST(Gemv, WasmSimdMatchesScalar) {
  for (int m : {1, 2, 5}) {
    for (int n : {1, 9, 40}) {
      for (int k : {1, 7, 8, 33, 256}) {
        const auto a = Random(static_cast<size_t>(m) * k, 5), w = Random(static_cast<size_t>(n) * k, 6),
                   bias = Random(static_cast<size_t>(n), 7);
        std::vector<float> simd(static_cast<size_t>(m) * n), scalar(simd.size());
        GemvF32_NK_WasmSimd(m, n, k, a.data(), k, w.data(), bias.data(), simd.data(), n);
        GemvF32_NK_Scalar(m, n, k, a.data(), k, w.data(), bias.data(), scalar.data(), n);
        EXPECT_LE(MaxAbsDiff(simd, scalar), 2e-5) << m << "x" << n << "x" << k;
      }
    }
  }
}

// q8 weights: each row quantized as the loader does it.
struct Q8Weights {
  std::vector<int8_t> values;
  std::vector<float> scales;
};
Q8Weights QuantizeRows(int n, int k, const std::vector<float>& w) {
  Q8Weights q{std::vector<int8_t>(static_cast<size_t>(n) * k), std::vector<float>(static_cast<size_t>(n))};
  for (int j = 0; j < n; ++j) q.scales[j] = QuantizeRowQ8(k, w.data() + static_cast<size_t>(j) * k, q.values.data() + static_cast<size_t>(j) * k);
  return q;
}

// The worst case of per-row quantization of both operands: each product a*w is off by at most
// |a| sw/2 + |w| sa/2 + sa sw/4, with sa and sw the row scales (half a step of each operand): weights'
// max |w| / 127, activations' (max(a, 0) - min(a, 0)) / 254.
double Q8ErrorBound(int i, int j, int k, const std::vector<float>& a, const std::vector<float>& w) {
  double amax = 0, amin = 0, wmax = 0;
  for (int p = 0; p < k; ++p) {
    amax = std::max(amax, static_cast<double>(a[i * k + p]));
    amin = std::min(amin, static_cast<double>(a[i * k + p]));
    wmax = std::max(wmax, static_cast<double>(std::abs(w[j * k + p])));
  }
  const double sa = (amax - amin) / 254, sw = wmax / 127;
  double bound = 0;
  for (int p = 0; p < k; ++p) bound += std::abs(a[i * k + p]) * sw / 2 + std::abs(w[j * k + p]) * sa / 2 + sa * sw / 4;
  return bound * 1.001 + 1e-5;  // and f32 rounding of the epilogue
}

TEST(QuantizeRow, RoundsToTheNearestStepOfMaxOver127) {
  const std::vector<float> x = {0.5f, -1.27f, 0.0f, 0.0051f, -0.0049f, 1.0f};
  std::vector<int8_t> q(x.size());
  EXPECT_FLOAT_EQ(QuantizeRowQ8(static_cast<int>(x.size()), x.data(), q.data()), 0.01f);
  EXPECT_EQ(q, (std::vector<int8_t>{50, -127, 0, 1, 0, 100}));
  const std::vector<float> zeros(5, 0.0f), with_inf = {1.0f, INFINITY, -2.0f};
  EXPECT_EQ(QuantizeRowQ8(5, zeros.data(), q.data()), 0.0f);
  EXPECT_EQ(QuantizeRowQ8(3, with_inf.data(), q.data()), 0.0f);  // no usable scale: zeros, not UB
  EXPECT_EQ(std::vector<int8_t>(q.begin(), q.begin() + 3), (std::vector<int8_t>{0, 0, 0}));
}

TEST(QuantizeRowU8, MapsMinToZeroPointOffsetsAndMaxTo254) {
  // lo = -0.27, hi = 2.27: scale 0.01, zero 27; 0 maps to the zero point exactly.
  const std::vector<float> x = {2.27f, -0.27f, 0.0f, 0.504f, -0.006f, 0.3f};
  std::vector<uint8_t> q(x.size());
  int zero = -1;
  EXPECT_FLOAT_EQ(QuantizeRowU8(static_cast<int>(x.size()), x.data(), q.data(), &zero), 0.01f);
  EXPECT_EQ(zero, 27);
  EXPECT_EQ(q, (std::vector<uint8_t>{254, 0, 27, 77, 26, 57}));
  const std::vector<float> positive = {2.0f, 0.5f, 1.0f};  // the grid always holds 0: zero point 0
  EXPECT_FLOAT_EQ(QuantizeRowU8(3, positive.data(), q.data(), &zero), 2.0f / 254);
  EXPECT_EQ(zero, 0);
  EXPECT_EQ(std::vector<uint8_t>(q.begin(), q.begin() + 3), (std::vector<uint8_t>{254, 64, 127}));
  const std::vector<float> negative = {-2.0f, -1.0f};
  EXPECT_FLOAT_EQ(QuantizeRowU8(2, negative.data(), q.data(), &zero), 2.0f / 254);
  EXPECT_EQ(zero, 254);
  EXPECT_EQ(std::vector<uint8_t>(q.begin(), q.begin() + 2), (std::vector<uint8_t>{0, 127}));
  const std::vector<float> zeros(4, 0.0f), with_inf = {1.0f, -INFINITY, 2.0f, NAN};
  EXPECT_EQ(QuantizeRowU8(4, zeros.data(), q.data(), &zero), 0.0f);
  EXPECT_EQ(QuantizeRowU8(4, with_inf.data(), q.data(), &zero), 0.0f);  // no usable scale: zeros
  EXPECT_EQ(zero, 0);
  EXPECT_EQ(std::vector<uint8_t>(q.begin(), q.begin() + 4), (std::vector<uint8_t>{0, 0, 0, 0}));
}

// What a packed row tile holds: value `p` of row `i` of tile `t`.
using RowTileValue = int (*)(const uint8_t* tiles, int k, int t, int i, int p);

// c2: tile t, pair step p/2, lane i holds values p and p + 1 as int16.
int C2Value(const uint8_t* tiles, int k, int t, int i, int p) {
  int16_t v;
  std::memcpy(&v, tiles + PackedRowsQ8C2Size(kGemmMR, k) * t + (p / 2) * 4 * kGemmMR + 4 * i + 2 * (p % 2), sizeof v);
  return v;
}

// c4: tile t, group p/4 holds 4 bytes per row.
int C4Value(const uint8_t* tiles, int k, int t, int i, int p) {
  return tiles[PackedRowsQ8C4Size(kGemmMR, k) * t + (p / 4) * 4 * kGemmMR + 4 * i + p % 4];
}

// Tiles end with their rows' zero points (int32).
int ZeroPoint(const GemmQ8& gemm, const uint8_t* tiles, int k, int t, int i) {
  const size_t tile_size = gemm.packed_rows_size(kGemmMR, k);
  int32_t zero;
  std::memcpy(&zero, tiles + tile_size * (t + 1) - 4 * (kGemmMR - i), sizeof zero);
  return zero;
}

// Every row of every tile (rows past m repeat the last) holds its values as QuantizeRowU8 gives them, and
// its zero point; k's padding holds 0. Rows holding a NaN (its grid from the other values) or an inf (no
// usable scale) included.
TEST(QuantizeRows, MatchQuantizeRowU8InEachTileLayout) {
  const std::tuple<GemmQ8, RowTileValue, int> layouts[] = {{kGemmQ8C2, C2Value, 2}, {kGemmQ8C4, C4Value, 4}};
  for (const auto& [gemm, value, step] : layouts) {
    for (int m : kSizesM) {
      for (int k : {1, 3, 8, 9, 16, 67}) {
        const size_t lda = static_cast<size_t>(k) + 3;
        auto a = Random(static_cast<size_t>(m) * lda, 40, 3.0f);
        a[0] = 0;  // rows with exact zeros and ties
        for (size_t i = 0; i < a.size(); i += 5) a[i] = std::abs(a[i]);  // skewed rows, as after GELU
        if (m > 2) {
          a[lda + static_cast<size_t>(k) / 2] = std::numeric_limits<float>::quiet_NaN();
          a[2 * lda] = -std::numeric_limits<float>::infinity();
        }
        std::vector<uint8_t> tiles(gemm.packed_rows_size(m, k), 99);
        std::vector<float> scales((m + kGemmMR - 1) / kGemmMR * kGemmMR);
        gemm.quantize_rows(m, k, a.data(), lda, tiles.data(), scales.data());
        const int padded = (k + step - 1) / step * step;
        for (int t = 0; t * kGemmMR < m; ++t) {
          for (int i = 0; i < kGemmMR; ++i) {
            const int row = std::min(t * kGemmMR + i, m - 1);
            std::vector<uint8_t> q(static_cast<size_t>(k));
            int zero;
            ASSERT_EQ(scales[t * kGemmMR + i], QuantizeRowU8(k, a.data() + row * lda, q.data(), &zero));
            ASSERT_EQ(ZeroPoint(gemm, tiles.data(), k, t, i), zero);
            for (int p = 0; p < padded; ++p) {
              ASSERT_EQ(value(tiles.data(), k, t, i, p), p < k ? q[p] : 0) << "c" << step << " " << m << " " << k << " row " << row << " k " << p;
            }
          }
        }
      }
    }
  }
}

// Every q8 GEMM computes exact int32 sums with the same f32 epilogue: each equals its scalar reference and
// the others bit for bit (the relaxed kernels run natively on their instruction's meaning for unsigned
// bytes: simd.h), within the quantization bound of the exact product.
TEST(GemmQ8, KernelsMatchTheirReferencesEachOtherAndTheQuantizationBound) {
  ThreadPool pool(1);
  for (int m : kSizesM) {
    for (int n : kSizesN) {
      for (int k : {1, 3, 5, 16, 67, 768}) {
        auto a = Random(static_cast<size_t>(m) * k, 41);
        const auto w = Random(static_cast<size_t>(n) * k, 42, 0.05f), bias = Random(static_cast<size_t>(n), 43);
        for (size_t i = 0; i < a.size(); i += 3) a[i] = std::abs(a[i]);  // skewed rows, as after GELU
        const Q8Weights q = QuantizeRows(n, k, w);
        const auto exact = ReferenceLinear(m, n, k, a, w, bias);
        std::vector<float> first;
        for (const GemmQ8* gemm : {&kGemmQ8C2, &kGemmQ8C4, &kGemmQ8C4Usdot}) {
          const Linear linear = PackLinearQ8(n, k, q.values.data(), q.scales.data(), bias.data(), *gemm);
          std::vector<float> fast(static_cast<size_t>(m) * n, 1e30f), reference = fast;
          LinearForward(pool, m, a.data(), k, linear, fast.data(), n);
          LinearForward(pool, m, a.data(), k, linear, reference.data(), n, Epilogue::kNone, nullptr, Kernels::kReference);
          ASSERT_EQ(fast, reference) << m << "x" << n << "x" << k;
          if (first.empty()) first = fast;
          ASSERT_EQ(fast, first) << m << "x" << n << "x" << k;
        }
        for (int i = 0; i < m; ++i) {
          for (int j = 0; j < n; ++j) {
            ASSERT_LE(std::abs(first[i * n + j] - exact[i * n + j]), Q8ErrorBound(i, j, k, a, w))
                << m << "x" << n << "x" << k << " at " << i << "," << j;
          }
        }
      }
    }
  }
}

// Rows and panels over many tasks on 3 threads, with each epilogue: equal to one thread's results.
TEST(GemmQ8, ThreadsAndEpiloguesGiveTheSingleThreadResults) {
  const int m = 70, n = 77, k = 600;
  const auto a = Random(static_cast<size_t>(m) * k, 44), w = Random(static_cast<size_t>(n) * k, 45, 0.05f),
             bias = Random(static_cast<size_t>(n), 46), residual = Random(static_cast<size_t>(m) * n, 47);
  const Q8Weights q = QuantizeRows(n, k, w);
  for (const GemmQ8* gemm : {&kGemmQ8C2, &kGemmQ8C4, &kGemmQ8C4Usdot}) {
    const Linear linear = PackLinearQ8(n, k, q.values.data(), q.scales.data(), bias.data(), *gemm);
    ThreadPool one(1), three(3);
    for (Epilogue e : {Epilogue::kNone, Epilogue::kGelu, Epilogue::kAddResidual}) {
      std::vector<float> single(static_cast<size_t>(m) * n), threaded(single.size());
      LinearForward(one, m, a.data(), k, linear, single.data(), n, e, residual.data());
      LinearForward(three, m, a.data(), k, linear, threaded.data(), n, e, residual.data());
      EXPECT_EQ(single, threaded);
      if (e == Epilogue::kAddResidual) {
        std::vector<float> plain(single.size());
        LinearForward(one, m, a.data(), k, linear, plain.data(), n);
        for (size_t i = 0; i < plain.size(); ++i) ASSERT_EQ(single[i], plain[i] + residual[i]);
      }
    }
  }
}

// Engines' 8-bit dot products: the usdot kernel is chosen only where it multiplies unsigned bytes exactly:
// an engine that reads the top bit as a sign (ARM's sdot), saturates pair sums to int16 (x86's pmaddubsw)
// or drops the accumulator (Node 20's baseline compiler) is refused.
v128_t SignedDot(v128_t a, v128_t b, v128_t acc) {
  const v128_t lo = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(a), wasm_i16x8_extend_low_i8x16(b));
  const v128_t hi = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(a), wasm_i16x8_extend_high_i8x16(b));
  return wasm_i32x4_add(acc, wasm_i32x4_add(wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6), wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7)));
}
v128_t SaturatingDot(v128_t a, v128_t b, v128_t acc) {
  const v128_t lo = wasm_i16x8_mul(wasm_i16x8_extend_low_i8x16(a), wasm_u16x8_extend_low_u8x16(b));
  const v128_t hi = wasm_i16x8_mul(wasm_i16x8_extend_high_i8x16(a), wasm_u16x8_extend_high_u8x16(b));
  // Adjacent products summed with int16 saturation, then pairs of those widened and added.
  const v128_t pairs = wasm_i16x8_add_sat(wasm_i16x8_shuffle(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14),
                                          wasm_i16x8_shuffle(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15));
  return wasm_i32x4_add(acc, wasm_i32x4_extadd_pairwise_i16x8(pairs));
}
v128_t DotWithoutAccumulator(v128_t a, v128_t b, v128_t) { return RelaxedDotAdd(a, b, wasm_i32x4_splat(0)); }

TEST(DotTakesUnsignedBytes, AcceptsOnlyExactUnsignedProducts) {
  EXPECT_TRUE(DotTakesUnsignedBytes(RelaxedDotAdd));  // natively: the unsigned meaning (simd.h)
  EXPECT_FALSE(DotTakesUnsignedBytes(SignedDot));
  EXPECT_FALSE(DotTakesUnsignedBytes(SaturatingDot));
  EXPECT_FALSE(DotTakesUnsignedBytes(DotWithoutAccumulator));
}

// Relaxed builds take usdot on exact unsigned dots, SIMD128's c2 kernel where the dot saturates product
// pairs (x86 without an 8-bit dot instruction: those sequences make two dots per 4 k steps slower than
// i32x4.dot_i16x8_s), and the 7-bit kernel elsewhere (ARM's signed dot).
TEST(RelaxedGemmQ8, FollowsWhatTheEnginesDotComputes) {
  EXPECT_TRUE(DotSaturatesProductPairs(SaturatingDot));
  EXPECT_FALSE(DotSaturatesProductPairs(RelaxedDotAdd));
  EXPECT_FALSE(DotSaturatesProductPairs(SignedDot));
  EXPECT_FALSE(DotSaturatesProductPairs(DotWithoutAccumulator));
  EXPECT_EQ(&RelaxedGemmQ8(RelaxedDotAdd), &kGemmQ8C4Usdot);
  EXPECT_EQ(&RelaxedGemmQ8(SaturatingDot), &kGemmQ8C2);
  EXPECT_EQ(&RelaxedGemmQ8(SignedDot), &kGemmQ8C4);
}

TEST(QuantizeRowI16, SymmetricGridOf8191StepsEachSide) {
  const std::vector<float> x = {-2.0f, 1.0f, 0.0f, 2.0f, 1e-3f};
  std::vector<int16_t> q(x.size());
  EXPECT_FLOAT_EQ(QuantizeRowI16(static_cast<int>(x.size()), x.data(), q.data()), 2.0f / 8191);
  EXPECT_EQ(q, (std::vector<int16_t>{-8191, 4096, 0, 8191, 4}));
  const std::vector<float> zeros(3, 0.0f), with_inf = {1.0f, INFINITY, -1.0f};
  q.assign(3, 7);
  EXPECT_EQ(QuantizeRowI16(3, zeros.data(), q.data()), 0.0f);
  EXPECT_EQ(q, std::vector<int16_t>(3, 0));
  q.assign(3, 7);
  EXPECT_EQ(QuantizeRowI16(3, with_inf.data(), q.data()), 0.0f);
  EXPECT_EQ(q, std::vector<int16_t>(3, 0));
}

TEST(GemvQ8, WasmSimdMatchesScalarAndTheDequantizedProduct) {
  for (int m : {1, 2, 5}) {
    for (int n : {1, 9, 40}) {
      for (int k : {1, 15, 16, 33, 256, 2049, 4100}) {
        const auto a = Random(static_cast<size_t>(m) * k, 48), w = Random(static_cast<size_t>(n) * k, 49),
                   bias = Random(static_cast<size_t>(n), 50);
        const Q8Weights q = QuantizeRows(n, k, w);
        std::vector<int16_t> a_q(a.size());
        std::vector<float> a_scales(m);
        for (int i = 0; i < m; ++i) a_scales[i] = QuantizeRowI16(k, &a[static_cast<size_t>(i) * k], &a_q[static_cast<size_t>(i) * k]);
        std::vector<float> simd(static_cast<size_t>(m) * n), scalar(simd.size()), dequantized(w.size());
        GemvQ8_NK_WasmSimd(m, n, k, a_q.data(), a_scales.data(), q.values.data(), q.scales.data(), bias.data(),
                           simd.data(), n);
        GemvQ8_NK_Scalar(m, n, k, a_q.data(), a_scales.data(), q.values.data(), q.scales.data(), bias.data(),
                         scalar.data(), n);
        EXPECT_EQ(simd, scalar) << m << "x" << n << "x" << k;
        // Against f32 activations: the int16 grid adds |a| / 8191 / 2 per step at most, far under the weights'.
        for (size_t i = 0; i < w.size(); ++i) dequantized[i] = q.values[i] * q.scales[i / k];
        EXPECT_LE(MaxAbsDiff(scalar, ReferenceLinear(m, n, k, a, dequantized, bias)), 1e-3 * std::sqrt(k));
      }
    }
  }
}

// The largest products, all of one sign, over more than one 2048-step chunk: an int32 sum over the whole
// row would overflow; the chunks' must not.
TEST(GemvQ8, ExtremeRowsDoNotOverflow) {
  const int k = 6000;
  const std::vector<int16_t> a(k, -8191);
  const std::vector<int8_t> w(k, -128);
  const float a_scale = 1.0f, w_scale = 1.0f;
  float simd = 0, scalar = 0;
  GemvQ8_NK_WasmSimd(1, 1, k, a.data(), &a_scale, w.data(), &w_scale, nullptr, &simd, 1);
  GemvQ8_NK_Scalar(1, 1, k, a.data(), &a_scale, w.data(), &w_scale, nullptr, &scalar, 1);
  EXPECT_FLOAT_EQ(simd, 8191.0f * 128.0f * k);
  EXPECT_EQ(simd, scalar);
}

TEST(LinearForward, ThreadsGiveIdenticalResultsAndEpiloguesApply) {
  const int m = 97, n = 77, k = 45;
  const auto a = Random(static_cast<size_t>(m) * k, 8), w = Random(static_cast<size_t>(n) * k, 9),
             bias = Random(static_cast<size_t>(n), 10), residual = Random(static_cast<size_t>(m) * n, 11);
  const Linear linear = PackLinear(n, k, w.data(), bias.data());
  const auto reference = ReferenceLinear(m, n, k, a, w, bias);

  for (Epilogue e : {Epilogue::kNone, Epilogue::kGelu, Epilogue::kGeluTanh, Epilogue::kRelu, Epilogue::kAddResidual}) {
    std::vector<float> expected = reference;
    switch (e) {
      case Epilogue::kGelu: GeluF32_Scalar(static_cast<int>(expected.size()), expected.data()); break;
      case Epilogue::kGeluTanh: GeluTanhF32_Scalar(static_cast<int>(expected.size()), expected.data()); break;
      case Epilogue::kRelu: ReluF32_Scalar(static_cast<int>(expected.size()), expected.data()); break;
      case Epilogue::kAddResidual:
        for (size_t i = 0; i < expected.size(); ++i) expected[i] += residual[i];
        break;
      case Epilogue::kNone: break;
    }
    std::vector<float> first;
    for (int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      std::vector<float> c(static_cast<size_t>(m) * n);
      LinearForward(pool, m, a.data(), k, linear, c.data(), n, e, residual.data());
      EXPECT_LE(MaxAbsDiff(c, expected), 1e-4) << static_cast<int>(e) << " threads " << threads;
      if (first.empty()) first = c;
      EXPECT_EQ(c, first) << "threads " << threads;
    }
  }
}

TEST(VectorOps, LayerNormMatchesScalar) {
  for (int n : {1, 3, 4, 5, 64, 67}) {
    const auto x = Random(static_cast<size_t>(n), 12, 3.0f), g = Random(static_cast<size_t>(n), 13),
               b = Random(static_cast<size_t>(n), 14);
    std::vector<float> simd(x.size()), scalar(x.size());
    LayerNormF32_WasmSimd(n, x.data(), g.data(), b.data(), 1e-12f, simd.data());
    LayerNormF32_Scalar(n, x.data(), g.data(), b.data(), 1e-12f, scalar.data());
    EXPECT_LE(MaxAbsDiff(simd, scalar), 1e-5) << n;
  }
}

TEST(VectorOps, SoftmaxMatchesScalar) {
  for (int n : {1, 2, 3, 4, 7, 128, 131}) {
    auto x = Random(static_cast<size_t>(n), 15, 10.0f);
    x[0] = -1e30f;  // a masked-out style score must give 0, not NaN
    std::vector<float> simd = x, scalar = x;
    SoftmaxF32_WasmSimd(n, 0.125f, simd.data());
    SoftmaxF32_Scalar(n, 0.125f, scalar.data());
    EXPECT_LE(MaxAbsDiff(simd, scalar), 1e-6) << n;
    double sum = 0;
    for (float v : simd) sum += v;
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
}

TEST(VectorOps, ActivationsMatchScalarAcrossTheRange) {
  std::vector<float> x;
  for (float v = -12.0f; v <= 12.0f; v += 0.0137f) x.push_back(v);
  x.push_back(-100.0f);
  x.push_back(100.0f);
  const int n = static_cast<int>(x.size());
  struct Case {
    void (*simd)(int, float*);
    void (*scalar)(int, float*);
    double tolerance;
  };
  for (const Case& c : {Case{GeluF32_WasmSimd, GeluF32_Scalar, 2e-6}, Case{GeluTanhF32_WasmSimd, GeluTanhF32_Scalar, 2e-6},
                        Case{ReluF32_WasmSimd, ReluF32_Scalar, 0.0}}) {
    std::vector<float> simd = x, scalar = x;
    c.simd(n, simd.data());
    c.scalar(n, scalar.data());
    double worst = 0;
    for (int i = 0; i < n; ++i) worst = std::max(worst, static_cast<double>(std::abs(simd[i] - scalar[i]) / std::max(1.0f, std::abs(x[i]))));
    EXPECT_LE(worst, c.tolerance);
  }
  std::vector<float> t = x;
  TanhF32_WasmSimd(n, t.data());
  for (int i = 0; i < n; ++i) EXPECT_NEAR(t[i], std::tanh(x[i]), 2e-7) << x[i];
}

// Attention against a plain loop, several sequences, 1 and 3 threads; then with some query rows only
// (as the last layer of fill-mask runs), which must give those rows bit for bit.
TEST(Attention, MatchesNaiveLoopOnAnyThreadCount) {
  const int heads = 3, hs = 5, hidden = heads * hs;
  const std::vector<Segment> segments = {{0, 1}, {1, 7}, {8, 13}};
  const int rows = 21;
  const auto qkv = Random(static_cast<size_t>(rows) * 3 * hidden, 16);
  std::vector<float> expected(static_cast<size_t>(rows) * hidden);
  for (const Segment& s : segments) {
    for (int h = 0; h < heads; ++h) {
      for (int i = 0; i < s.length; ++i) {
        std::vector<double> p(static_cast<size_t>(s.length));
        double max = -1e300, sum = 0;
        for (int j = 0; j < s.length; ++j) {
          double dot = 0;
          for (int d = 0; d < hs; ++d) {
            dot += static_cast<double>(qkv[(s.offset + i) * 3 * hidden + h * hs + d]) *
                   qkv[(s.offset + j) * 3 * hidden + hidden + h * hs + d];
          }
          p[j] = dot / std::sqrt(static_cast<double>(hs));
          max = std::max(max, p[j]);
        }
        for (double& v : p) sum += (v = std::exp(v - max));
        for (int d = 0; d < hs; ++d) {
          double acc = 0;
          for (int j = 0; j < s.length; ++j) acc += p[j] / sum * qkv[(s.offset + j) * 3 * hidden + 2 * hidden + h * hs + d];
          expected[(s.offset + i) * hidden + h * hs + d] = static_cast<float>(acc);
        }
      }
    }
  }
  std::vector<int> all_positions(13);
  std::iota(all_positions.begin(), all_positions.end(), 0);
  std::vector<Queries> every_row;
  for (const Segment& s : segments) every_row.push_back({std::span(all_positions).first(s.length), s.offset});
  const std::vector<int> some[] = {{0}, {6, 2}, {}};
  const std::vector<Queries> some_rows = {{some[0], 0}, {some[1], 1}, {some[2], 3}};

  std::vector<float> first;
  for (int threads : {1, 3}) {
    ThreadPool pool(threads);
    Attention attention;
    attention.Reserve(threads, 13, hs);
    std::vector<float> ctx(expected.size());
    attention.Forward(pool, segments, every_row, heads, hs, qkv.data(), ctx.data(), nullptr);
    EXPECT_LE(MaxAbsDiff(ctx, expected), 1e-5) << threads;
    if (first.empty()) first = ctx;
    EXPECT_EQ(ctx, first);

    std::vector<float> some_ctx(3 * static_cast<size_t>(hidden));
    attention.Forward(pool, segments, some_rows, heads, hs, qkv.data(), some_ctx.data(), nullptr);
    for (auto [r, out] : {std::pair{0, 0}, {1 + 6, 1}, {1 + 2, 2}}) {  // (row of the batch, row of some_ctx)
      EXPECT_TRUE(std::equal(ctx.begin() + r * hidden, ctx.begin() + (r + 1) * hidden, some_ctx.begin() + out * hidden))
          << "row " << r << ", threads " << threads;
    }
  }
}

TEST(ThreadPool, RunsEveryTaskOnceOnValidThreads) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    for (size_t n : {0u, 1u, 3u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      std::atomic<bool> bad_thread{false};
      pool.Run(n, [&](size_t task, int thread) {
        hits[task]++;
        if (thread < 0 || thread >= threads) bad_thread = true;
      });
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1);
      EXPECT_FALSE(bad_thread);
    }
  }
}

// Workers spin after a job, then sleep: jobs right after one another and after an idle spell (asleep)
// must both run every task, and every worker must take part in some job.
TEST(ThreadPool, WakesSpinningAndSleepingWorkers) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> per_thread(3);
  for (int round = 0; round < 4; ++round) {
    for (int job = 0; job < 100; ++job) {
      std::atomic<int> done{0};
      pool.Run(64, [&](size_t, int thread) {
        ++per_thread[thread];
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        ++done;
      });
      ASSERT_EQ(done.load(), 64);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // long past the spin: workers sleep
  }
  for (int t = 0; t < 3; ++t) EXPECT_GT(per_thread[t].load(), 0) << "thread " << t;
}

}  // namespace
}  // namespace bert
