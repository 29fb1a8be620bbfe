// Jest's globalTeardown: removes setup.js's cache folder.
import { rmSync } from 'node:fs';

export default function teardown() {
  rmSync(process.env.BERT_WASM_CACHE, { recursive: true, force: true });
}
