// The model-file cache in Node: a second load of the same URLs reads no byte from the network (and works
// with the server gone), progress says which bytes came from the cache, `cache: false` neither reads nor
// writes it, a damaged or half-written entry is fetched again, clearCache() empties it, and a cache that
// cannot be written costs a warning, never the load.
import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertModel, clearCache } from '../../dist/node.js';
import { modelDir } from './helpers.js';

const TINY = modelDir('tiny-random');
const TEXT = 'the [MASK] works';

// Serves tiny-random's folder, counting the bytes of each file sent; `cut` sends half the weights. No
// keep-alive: a later server may get the same port, and a pooled connection to a closed one would hang.
// Each test's servers are closed after it, passed or failed: one left listening would keep Jest running.
const servers = [];
afterEach(() => servers.splice(0).forEach((server) => (server.closeAllConnections(), server.close())));
async function startServer() {
  const sent = {};
  const server = createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.split('/').pop();
    let body;
    try {
      body = readFileSync(join(TINY, name));
    } catch {
      return res.writeHead(404, { Connection: 'close' }).end();
    }
    if (server.cut && name === 'model.safetensors') {
      res.writeHead(200, { 'Content-Length': body.byteLength, Connection: 'close' });
      return res.write(body.subarray(0, body.byteLength >> 1), () => res.socket.destroy());
    }
    sent[name] = (sent[name] ?? 0) + body.byteLength;
    res.writeHead(200, { 'Content-Length': body.byteLength, 'Content-Type': 'application/octet-stream', Connection: 'close' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return Object.assign(server, { url: `http://127.0.0.1:${server.address().port}/`, sent, reset: () => Object.keys(sent).forEach((k) => delete sent[k]) });
}

async function answer(source, options = {}) {
  const progress = [];
  const model = await BertModel.load(source, { variant: 'simd', onProgress: (p) => progress.push(p), ...options });
  const result = await model.fillMask(TEXT, { topK: 3 });
  model.dispose();
  return { result, last: progress.at(-1) };
}

let expected;
beforeAll(async () => {
  process.env.BERT_WASM_CACHE = mkdtempSync(join(tmpdir(), 'bert-wasm-cache-test-'));
  ({ result: expected } = await answer(TINY));
});
afterAll(() => rmSync(process.env.BERT_WASM_CACHE, { recursive: true, force: true }));

test('a second load reads nothing from the network, and works with the server gone', async () => {
  const server = await startServer();
  const first = await answer(server.url);
  expect(first.result).toEqual(expected);
  expect(first.last.cached).toBe(0);
  expect(Object.keys(server.sent).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);
  server.reset();
  const second = await answer(server.url);
  expect(second.result).toEqual(expected);
  expect(server.sent).toEqual({});
  expect(second.last).toEqual({ loaded: first.last.loaded, total: first.last.total, cached: first.last.loaded });
  await new Promise((resolve) => server.close(resolve));
  expect((await answer(server.url)).result).toEqual(expected);  // offline: nothing listens there now
});

test('cache: false neither reads nor writes the cache', async () => {
  const server = await startServer();
  const before = readdirSync(process.env.BERT_WASM_CACHE).length;
  await answer(server.url, { cache: false });
  await answer(server.url, { cache: false });
  expect(server.sent['model.safetensors']).toBe(2 * readFileSync(join(TINY, 'model.safetensors')).byteLength);
  expect(readdirSync(process.env.BERT_WASM_CACHE)).toHaveLength(before);
});

test('a damaged entry is fetched again; a broken transfer leaves none', async () => {
  const server = await startServer();
  await answer(server.url);
  const weights = readdirSync(process.env.BERT_WASM_CACHE).filter((f) => !f.endsWith('.json'));
  for (const file of weights) truncateSync(join(process.env.BERT_WASM_CACHE, file), 10);
  server.reset();
  expect((await answer(server.url)).result).toEqual(expected);
  expect(Object.keys(server.sent).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']);

  const cut = await startServer();
  cut.cut = true;
  await expect(answer(cut.url)).rejects.toMatchObject({ code: 'E_FETCH' });
  cut.cut = false;
  const again = await answer(cut.url);
  expect(again.result).toEqual(expected);
  expect(cut.sent['model.safetensors']).toBeGreaterThan(0);  // from the network: nothing was kept of the cut one
});

test('clearCache() empties it', async () => {
  const server = await startServer();
  await answer(server.url);
  await clearCache();
  server.reset();
  await answer(server.url);
  expect(server.sent['model.safetensors']).toBeGreaterThan(0);
});

test('a cache that cannot be written costs one warning, not the load', async () => {
  const blocked = mkdtempSync(join(tmpdir(), 'bert-wasm-blocked-'));
  const blocker = join(blocked, 'file');
  writeFileSync(blocker, 'not a folder');
  const saved = process.env.BERT_WASM_CACHE;
  process.env.BERT_WASM_CACHE = join(blocker, 'cache');  // below a file: mkdir fails
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
  const server = await startServer();
  try {
    expect((await answer(server.url)).result).toEqual(expected);
      expect((await answer(server.url)).result).toEqual(expected);
      expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^bert-wasm: model files are not cached \(.*\); loads use the network$/);
  } finally {
    warn.mockRestore();
    process.env.BERT_WASM_CACHE = saved;
    rmSync(blocked, { recursive: true, force: true });
    }
});
