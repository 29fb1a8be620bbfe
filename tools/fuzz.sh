#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz (clang-14, ASan + UBSan): builds them in build/fuzz, replays each
# target's regressions (tests/fuzz/regressions/<target>/), then fuzzes it for SECONDS (default 60) on a
# copy of its seeds (build/fuzz/corpus/<target>; the repo's corpus is never written). Prints executions
# and crashes per target, ends with "fuzz: N passed, M failed" (a target passes without a crash) and exits
# non-zero on any crash. Crash inputs land in build/fuzz/artifacts/<target>/.
#   npm run fuzz -- 300                      # every target, 5 minutes each
#   FUZZ_TARGETS="config vocab_txt" npm run fuzz -- 30
# Replay one input (BERT_FUZZ_VERBOSE=1 prints why it was rejected), then shrink it for regressions/:
#   BERT_FUZZ_VERBOSE=1 build/fuzz/tests/fuzz/fuzz_safetensors CRASH
#   build/fuzz/tests/fuzz/fuzz_safetensors -minimize_crash=1 -max_total_time=30 -exact_artifact_path=MIN CRASH
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=${FUZZ_TARGETS:-safetensors config vocab_txt tokenizer_json tokenizer_config sentence_transformers tokenizer_text model_loader}
BERT_SETUP_FUZZ=1 bash tools/setup.sh

dir=build/fuzz
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++-14 -DBERT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
mkdir -p "$dir/logs"

passed=0
failed=0
for t in $targets; do
  bin=$dir/tests/fuzz/fuzz_$t
  log=$dir/logs/$t.log
  crashes=0
  : >"$log"
  # Every input that once crashed replays first.
  regressions=(tests/fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ] && ! "$bin" -timeout=10 "${regressions[@]}" >>"$log" 2>&1; then
    echo "fuzz $t: a regression input crashes again (see $log)"
    crashes=1
  fi
  mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t"
  cp -n tests/fuzz/corpus/"$t"/* "$dir/corpus/$t/"
  before=$(ls "$dir/artifacts/$t" | wc -l)
  # -timeout: an input running 10 s is a hang; -rss_limit_mb: 2 GB is an out-of-memory crash.
  "$bin" "$dir/corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -dict=tests/fuzz/fuzz.dict \
    -artifact_prefix="$dir/artifacts/$t/" -print_final_stats=1 >>"$log" 2>&1 || true
  found=$(( $(ls "$dir/artifacts/$t" | wc -l) - before ))
  crashes=$((crashes + found))
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
  printf 'fuzz %-22s %10s executions %2d crashes%s\n' "$t" "${execs:-0}" "$crashes" \
    "$([ "$found" -gt 0 ] && echo "  new: $(ls -t "$dir/artifacts/$t" | head -"$found" | sed "s|^|$dir/artifacts/$t/|" | tr '\n' ' ')")"
  if [ "$crashes" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
