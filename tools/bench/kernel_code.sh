#!/usr/bin/env bash
# Prints the x64 code V8 (TurboFan) generates for the GEMM microkernel's inner loop, to count the
# instructions per k step (ideal: 2 B loads + 4 broadcasts + 8 mul + 8 add).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/kernel_code
mkdir -p "$out"
NODE_PATH=/usr/share/nodejs em++ -std=c++20 -O3 -msimd128 --profiling-funcs -Isrc \
  tools/bench/kernel_code.cpp src/kernels/f32_gemm/pack.cpp src/kernels/f32_gemm/4x8_wasmsimd.cpp -o "$out/kernel_code.js"
echo '{ "type": "commonjs" }' > "$out/package.json"
node --no-experimental-fetch --no-liftoff --print-wasm-code "$out/kernel_code.js" > "$out/code.txt"
# main's code, from its first broadcast to the loop's backward branch.
awk '/^name: main$/{f=1} f' "$out/code.txt" | awk '{ $1=$2=$3=""; sub(/^ +/, ""); print }' |
  awk '/vbroadcastss/ && !s {s=1} s {print} s && /^jnz/ {exit}'
