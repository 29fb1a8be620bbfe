#!/usr/bin/env bash
# The main job for now: build bert-cli and answer a fill-mask query on the default model.
#   BERT_MODEL=DIR picks the model folder; arguments replace the default sentence.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j"$(nproc)" --target bert-cli >/dev/null

# The best model this machine has: real bert-base weights if present, else the seeded random ones.
model=${BERT_MODEL:-}
if [ -z "$model" ]; then
  for m in ../shared/models/bert-base-uncased ../shared/models/small-random ../shared/models/tiny-random; do
    if [ -f "$m/model.safetensors" ]; then model=$m; break; fi
  done
fi
[ -n "$model" ] || { echo "fill_mask: no model folder found; set BERT_MODEL=DIR" >&2; exit 1; }
echo "model: $model"
if [ $# -eq 0 ]; then set -- "The capital of France is [MASK]." "Hello I'm a [MASK] model."; fi
exec build/native/bert-cli fill-mask --model "$model" --top-k 5 "$@"
