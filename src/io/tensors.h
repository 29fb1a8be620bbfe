// A checkpoint's tensors in compute form, keyed by name: what a TensorSink makes of the raw tensors of a
// safetensors file. Float tensors (F32, F16, BF16) become f32; others keep only their name and shape, so
// that a model needing one can say which dtype it found.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "io/dtype.h"
#include "io/safetensors.h"

namespace bert {

struct Tensor {
  DType dtype;  // as stored in the file
  std::vector<int64_t> shape;
  std::vector<float> values;  // f32 values of a float tensor; empty otherwise
};

using TensorMap = std::map<std::string, Tensor, std::less<>>;

// Converts one raw tensor to compute form and adds it to `out`.
Status AddTensor(const RawTensor& raw, TensorMap* out);

// Reserves the memory the header's tensors take in compute form, before their data arrives (see
// core/memory.h): kOutOfMemory, with the size, when they cannot fit.
Status ReserveTensors(std::span<const TensorInfo> tensors);

}  // namespace bert
