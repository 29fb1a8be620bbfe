#!/usr/bin/env bash
# Every test: native suite (release, then ASan + UBSan, then TSan over the tests that run threads), the
# fuzz targets briefly (BERT_FUZZ_SECONDS each, default 10; each counts as a test that passes without a
# crash), the wasm package under Jest in Node, and the demo in headless Chromium. Ends with one summary
# line: "total: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
BERT_SETUP_WASM=1 BERT_SETUP_BROWSER=1 BERT_SETUP_FUZZ=1 bash tools/setup.sh

jobs=$(nproc)
passed=0
failed=0
count_ctest() {  # adds ctest's "N% tests passed, F tests failed out of T" to the totals
  local line total bad
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of" "$1" | tail -1)
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
}
native() {  # native DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" | tee "$dir/ctest.log" || true
  count_ctest "$dir/ctest.log"
}

echo "== native tests (release)"
native build/native
echo "== native tests (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  native build/asan -DBERT_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== native tests (TSan: thread pool, threaded kernels, a model on 3 threads)"
native build/tsan -DBERT_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo

echo "== fuzz targets (${BERT_FUZZ_SECONDS:-10} s each; npm run fuzz -- SECONDS for longer runs)"
bash tools/fuzz.sh "${BERT_FUZZ_SECONDS:-10}" | tee build/fuzz.log || true
if line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' build/fuzz.log | tail -1); then
  passed=$((passed + $(sed -E 's/fuzz: ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.*passed, ([0-9]+) failed/\1/' <<<"$line")))
else
  failed=$((failed + 1))  # the fuzz targets did not build
fi

echo "== wasm package (Jest, Node)"
npm run --silent build
# --forceExit: a failed test may leave a server or worker open; the run must still end and report.
NODE_OPTIONS=--experimental-vm-modules npx jest --forceExit --json --outputFile=build/jest.json || true
passed=$((passed + $(node -p "require('./build/jest.json').numPassedTests")))
failed=$((failed + $(node -p "const r = require('./build/jest.json'); r.numFailedTests + r.numRuntimeErrorTestSuites")))

echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
