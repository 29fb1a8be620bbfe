#!/usr/bin/env node
// The package's command line (package.json "bin"): npx bert-wasm quantize <folder|url> <out-folder>
import { quantize } from './node.js';

const USAGE = `usage: bert-wasm quantize <folder|url> <out-folder>
  Writes a q8 copy of a BERT or DistilBERT checkpoint: its config and tokenizer files, and a
  model.safetensors with int8 weights (a quarter of the size). BertModel.load() loads it as q8.`;

const [command, source, out, ...rest] = process.argv.slice(2);
if (command !== 'quantize' || !source || !out || rest.length) {
  console.error(USAGE);
  process.exit(2);
}
const mb = (n) => (n === undefined ? '?' : `${(n / 1e6).toFixed(1)} MB`);
let shown = 0;
try {
  const result = await quantize(source, out, {
    onProgress: ({ loaded, total }) => {
      if (loaded - shown < 16e6 && loaded !== total) return;  // a line per 16 MB
      shown = loaded;
      process.stderr.write(`read ${mb(loaded)} of ${mb(total)}\n`);
    },
  });
  process.stderr.write(`wrote ${out}: ${result.files.join(', ')}; model.safetensors ${mb(result.bytes.in)} -> ${mb(result.bytes.out)}\n`);
} catch (error) {
  console.error(`bert-wasm quantize: ${error.message}${error.code ? ` (${error.code})` : ''}`);
  process.exit(1);
}
