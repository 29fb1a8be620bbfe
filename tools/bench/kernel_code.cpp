// A driver that runs the f32 4x8 microkernel hot, so tools/bench/kernel_code.sh can print the x64 code
// V8 generates for it (the microkernel is inlined into main).
#include <cstdio>
#include <vector>

#include "kernels/gemm.h"

int main() {
  const int k = 768;
  std::vector<float> a(bert::PackedRowsSize(4, k), 1.0f), w(bert::PackedWeightsSize(8, k), 0.5f), c(4 * 8);
  float sum = 0;
  for (int r = 0; r < 2000; ++r) {
    bert::GemmF32_4x8_WasmSimd(4, 8, k, a.data(), w.data(), c.data(), 8);
    sum += c[0];
  }
  std::printf("%f\n", sum);
}
