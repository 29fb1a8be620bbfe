#include "kernels/microkernels.h"

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

}  // namespace

bool MicrokernelsSelfTest() {
  constexpr int k = 64;  // several k steps, so an accumulator that is dropped shows
  std::vector<float> a(static_cast<size_t>(kGemmMR) * k), w(static_cast<size_t>(kGemmNR) * k), bias(kGemmNR);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(static_cast<int>(i * 37 % 23) - 11) / 8.0f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i * 53 % 29) - 14) / 16.0f;
  for (int j = 0; j < kGemmNR; ++j) bias[j] = static_cast<float>(j) - 3.5f;

  std::vector<float> packed(PackedWeightsSize(kGemmNR, k)), rows(PackedRowsSize(kGemmMR, k));
  PackWeightsNK(kGemmNR, k, w.data(), k, bias.data(), packed.data());
  PackRowsMR(kGemmMR, k, a.data(), k, rows.data());
  std::vector<float> got(kGemmMR * kGemmNR), want(got.size());
  kMicrokernels.gemm_f32(kGemmMR, kGemmNR, k, rows.data(), packed.data(), got.data(), kGemmNR);
  GemmF32_4x8_Scalar(kGemmMR, kGemmNR, k, rows.data(), packed.data(), want.data(), kGemmNR);
  if (!Close(got, want)) return false;

  std::vector<int8_t> w_q8(w.size());
  std::vector<float> w_scales(kGemmNR), a_scales(kGemmMR);
  for (int j = 0; j < kGemmNR; ++j) w_scales[j] = QuantizeRowQ8(k, w.data() + j * k, w_q8.data() + j * k);
  for (const GemmQ8* q8 : {kMicrokernels.gemm_q8, kMicrokernels.gemm_q8_a7}) {
    std::vector<int8_t> panel(q8->packed_weights_size(kGemmNR, k)), rows_q8(q8->packed_rows_size(kGemmMR, k));
    q8->pack_weights(kGemmNR, k, w_q8.data(), k, panel.data());
    q8->quantize_rows(kGemmMR, k, a.data(), k, rows_q8.data(), a_scales.data());
    q8->kernel(kGemmMR, kGemmNR, k, rows_q8.data(), a_scales.data(), panel.data(), w_scales.data(), bias.data(),
               got.data(), kGemmNR);
    q8->reference(kGemmMR, kGemmNR, k, rows_q8.data(), a_scales.data(), panel.data(), w_scales.data(),
                  bias.data(), want.data(), kGemmNR);
    if (got != want) return false;  // exact int32 sums, the same f32 epilogue
  }
  return true;
}

}  // namespace bert
