#!/usr/bin/env bash
# npm run demo: build what the page needs, then serve it on 127.0.0.1:${PORT:-8080} with COOP/COEP.
#   BERT_MODEL=DIR or URL sets the page's default model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
exec node demo/serve.mjs
