// Row-wise f32 kernels for the memory-bound parts of BERT: LayerNorm, softmax, activations.
// Each SIMD kernel has a plain scalar reference beside it (the *_Scalar functions) used by the tests.
#pragma once

namespace bert {

// y = (x - mean) / sqrt(var + eps) * gamma + beta over one row of n values (y may alias x).
void LayerNormF32_WasmSimd(int n, const float* x, const float* gamma, const float* beta, float eps, float* y);
void LayerNormF32_Scalar(int n, const float* x, const float* gamma, const float* beta, float eps, float* y);

// In place: x = softmax(x * scale) over one row of n values.
void SoftmaxF32_WasmSimd(int n, float scale, float* x);
void SoftmaxF32_Scalar(int n, float scale, float* x);

// In place activations over n values.
void GeluF32_WasmSimd(int n, float* x);      // x * Phi(x), exact erf form
void GeluTanhF32_WasmSimd(int n, float* x);  // tanh approximation (gelu_new)
void ReluF32_WasmSimd(int n, float* x);
void GeluF32_Scalar(int n, float* x);
void GeluTanhF32_Scalar(int n, float* x);
void ReluF32_Scalar(int n, float* x);

// In place tanh over n values (the pooler).
void TanhF32_WasmSimd(int n, float* x);

}  // namespace bert
