// Every Jest worker keeps downloaded model files in a folder of its own, never the user's ~/.cache.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.BERT_WASM_CACHE ??= mkdtempSync(join(tmpdir(), 'bert-wasm-cache-'));
