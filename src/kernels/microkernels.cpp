#include "kernels/microkernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace bert {
namespace {

// Both within a relative 1e-5 (a fused multiply-add rounds differently; a wrong instruction is far off).
bool Close(const std::vector<float>& got, const std::vector<float>& want) {
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= 1e-5f * (1.0f + std::fabs(want[i])))) return false;
  }
  return true;
}

// Bytes the compiler cannot see through, so that the engine's instruction is what computes.
v128_t Load(const volatile void* bytes) {
  alignas(16) unsigned char copy[16];
  for (int i = 0; i < 16; ++i) copy[i] = static_cast<const volatile unsigned char*>(bytes)[i];
  return wasm_v128_load(copy);
}

// Whether `dot` gives, in each lane, the accumulator plus pair_sum(p0, p1) + pair_sum(p2, p3) of the lane's
// four products of a weight and an unsigned byte. The lanes: products at the extremes (pairs past int16
// in both signs), then mixed ones, onto an accumulator that must be kept.
template <typename PairSum>
bool DotComputes(RelaxedDot dot, PairSum pair_sum) {
  static const volatile int8_t kWeights[16] = {127, 127, 127, 127, -127, -127, -127, -127, 127, -127, 1, -1, 0, 5, -7, 100};
  static const volatile uint8_t kBytes[16] = {254, 254, 254, 254, 254, 254, 254, 254, 200, 128, 254, 129, 77, 0, 1, 127};
  static const volatile int32_t kAcc[4] = {1, -2, 1 << 20, -(1 << 20)};
  int32_t got[4];
  wasm_v128_store(got, dot(Load(kWeights), Load(kBytes), Load(kAcc)));
  for (int lane = 0; lane < 4; ++lane) {
    int32_t p[4];
    for (int t = 0; t < 4; ++t) p[t] = kWeights[4 * lane + t] * kBytes[4 * lane + t];
    if (got[lane] != kAcc[lane] + pair_sum(p[0], p[1]) + pair_sum(p[2], p[3])) return false;
  }
  return true;
}

}  // namespace

const Microkernels& ActiveMicrokernels() {
#if defined(__wasm_relaxed_simd__)
  static const Microkernels kernels{GemmF32_4x8_WasmRelaxed, "f32-4x8-wasmrelaxed", &RelaxedGemmQ8(RelaxedDotAdd)};
#else
  static constexpr Microkernels kernels{GemmF32_4x8_WasmSimd, "f32-4x8-wasmsimd", &kGemmQ8C2};
#endif
  return kernels;
}

bool DotTakesUnsignedBytes(RelaxedDot dot) {
  return DotComputes(dot, [](int32_t a, int32_t b) { return a + b; });
}

bool DotSaturatesProductPairs(RelaxedDot dot) {
  return DotComputes(dot, [](int32_t a, int32_t b) { return std::clamp(a + b, INT16_MIN, INT16_MAX); });
}

const GemmQ8& RelaxedGemmQ8(RelaxedDot dot) {
  if (DotTakesUnsignedBytes(dot)) return kGemmQ8C4Usdot;
  if (DotSaturatesProductPairs(dot)) return kGemmQ8C2;
  return kGemmQ8C4;
}

bool MicrokernelsSelfTest() {
  constexpr int k = 64;  // several k steps, so an accumulator that is dropped shows
  std::vector<float> a(static_cast<size_t>(kGemmMR) * k), w(static_cast<size_t>(kGemmNR) * k), bias(kGemmNR);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(static_cast<int>(i * 37 % 23) - 11) / 8.0f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i * 53 % 29) - 14) / 16.0f;
  for (int j = 0; j < kGemmNR; ++j) bias[j] = static_cast<float>(j) - 3.5f;
  const Microkernels& kernels = ActiveMicrokernels();

  std::vector<float> packed(PackedWeightsSize(kGemmNR, k)), rows(PackedRowsSize(kGemmMR, k));
  PackWeightsNK(kGemmNR, k, w.data(), k, bias.data(), packed.data());
  PackRowsMR(kGemmMR, k, a.data(), k, rows.data());
  std::vector<float> got(kGemmMR * kGemmNR), want(got.size());
  kernels.gemm_f32(kGemmMR, kGemmNR, k, rows.data(), packed.data(), got.data(), kGemmNR);
  GemmF32_4x8_Scalar(kGemmMR, kGemmNR, k, rows.data(), packed.data(), want.data(), kGemmNR);
  if (!Close(got, want)) return false;

  // Rows that span their grids ([0, 254], zero points inside), so every byte value range is exercised.
  const GemmQ8& q8 = *kernels.gemm_q8;
  std::vector<int8_t> w_q8(w.size()), panel(q8.packed_weights_size(kGemmNR, k));
  std::vector<uint8_t> rows_q8(q8.packed_rows_size(kGemmMR, k));
  std::vector<float> w_scales(kGemmNR), a_scales(kGemmMR);
  for (int j = 0; j < kGemmNR; ++j) w_scales[j] = QuantizeRowQ8(k, w.data() + j * k, w_q8.data() + j * k);
  q8.pack_weights(kGemmNR, k, w_q8.data(), k, panel.data());
  q8.quantize_rows(kGemmMR, k, a.data(), k, rows_q8.data(), a_scales.data());
  q8.kernel(kGemmMR, kGemmNR, k, rows_q8.data(), a_scales.data(), panel.data(), w_scales.data(), bias.data(),
            got.data(), kGemmNR);
  q8.reference(kGemmMR, kGemmNR, k, rows_q8.data(), a_scales.data(), panel.data(), w_scales.data(), bias.data(),
               want.data(), kGemmNR);
  return got == want;  // exact int32 sums, the same f32 epilogue
}

}  // namespace bert
