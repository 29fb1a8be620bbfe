// Weight panels for the q8 GEMM (c2 and c4 layouts, qgemm.h), packed once at load, each followed by its
// columns' sums.
#include "kernels/q8_gemm/layout.h"

namespace bert {

using namespace q8_gemm;

namespace {

// Weights: each panel as `pack_panel` lays it out, then its column sums.
template <typename PackPanel>
void PackPanelsWithColumnSums(int n, int k, const int8_t* w, size_t ldw, int8_t* packed, PackPanel pack_panel) {
  for (int n0 = 0; n0 < n; n0 += kGemmNR) {
    packed = pack_panel(n0, n, k, w, ldw, packed);
    for (int j = 0; j < kGemmNR; ++j) {
      int32_t sum = 0;
      for (int p = 0; n0 + j < n && p < k; ++p) sum += w[static_cast<size_t>(n0 + j) * ldw + p];
      std::memcpy(packed + j * sizeof sum, &sum, sizeof sum);
    }
    packed += kColumnSumsSize;
  }
}

// One panel's pairs of k steps (PackWeightsQ8C2's layout), from column n0 on; returns the end.
int8_t* PackPanelC2(int n0, int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  for (int p = 0; p < k; p += 2) {
    for (int j = 0; j < kGemmNR; ++j) {
      const bool real = n0 + j < n;
      const int8_t* column = real ? w + static_cast<size_t>(n0 + j) * ldw : nullptr;
      *packed++ = real ? column[p] : 0;
      *packed++ = real && p + 1 < k ? column[p + 1] : 0;
    }
  }
  return packed;
}

// One panel's groups of 4 k steps (PackWeightsQ8C4's layout), from column n0 on; returns the end.
int8_t* PackPanelC4(int n0, int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  for (int p = 0; p < k; p += 4) {
    for (int j = 0; j < kGemmNR; ++j) {
      const int8_t* column = n0 + j < n ? w + static_cast<size_t>(n0 + j) * ldw : nullptr;
      for (int t = 0; t < 4; ++t) *packed++ = column && p + t < k ? column[p + t] : 0;
    }
  }
  return packed;
}

}  // namespace

size_t PackedWeightsQ8C2Size(int n, int k) { return Panels(n) * (PanelDataC2(k) + kColumnSumsSize); }

void PackWeightsQ8C2(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  PackPanelsWithColumnSums(n, k, w, ldw, packed, PackPanelC2);
}

size_t PackedWeightsQ8C4Size(int n, int k) { return Panels(n) * (PanelDataC4(k) + kColumnSumsSize); }

void PackWeightsQ8C4(int n, int k, const int8_t* w, size_t ldw, int8_t* packed) {
  PackPanelsWithColumnSums(n, k, w, ldw, packed, PackPanelC4);
}

}  // namespace bert
