// Jest's globalSetup: one scratch folder for the model-file cache of the whole run (never the user's
// ~/.cache), removed by teardown.js.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup() {
  process.env.BERT_WASM_CACHE = mkdtempSync(join(tmpdir(), 'bert-wasm-cache-'));
}
