#!/usr/bin/env bash
# Installs what the build and tests need on a fresh Debian bookworm machine (idempotent).
set -euo pipefail

packages=(cmake g++ make libgtest-dev libsimde-dev nlohmann-json3-dev)
# BERT_SETUP_WASM=1: the WebAssembly toolchain too.
# (LLVM 19 for the relaxed-SIMD builds: Emscripten runs on it through EM_LLVM_ADD_VERSION.)
[ "${BERT_SETUP_WASM:-0}" = 1 ] && packages+=(emscripten clang-19 lld-19 llvm-19)
# BERT_SETUP_BROWSER=1: Debian's Chromium for the end-to-end tests.
[ "${BERT_SETUP_BROWSER:-0}" = 1 ] && packages+=(chromium)
# BERT_SETUP_FUZZ=1: clang with libFuzzer for tools/fuzz.sh.
[ "${BERT_SETUP_FUZZ:-0}" = 1 ] && packages+=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The package's build (its minifier) and tests run npm tools: node_modules as package-lock.json says.
if [ "${BERT_SETUP_WASM:-0}" = 1 ]; then
  [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
fi
