// Every error code of the API: each failure is a BertError with a stable code and a message naming the
// problem, and a loaded model answers exactly as before after any failed call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BertError, BertModel } from '../../dist/node.js';
import { VARIANTS, bertError, modelDir, osThreads, startServer, waitFor } from './helpers.js';

const TINY = modelDir('tiny-random');
const file = (name) => readFileSync(join(TINY, name));
const LONG = Array.from({ length: 600 }, () => 'word').join(' ');

// Calls on a loaded model that must fail: [name, code, message pattern, call].
const CALL_ERRORS = [
  ['fillMask of a text without [MASK]', 'E_NO_MASK', /\[MASK\]/, (m) => m.fillMask('No mask here.')],
  ['fillMask of a batch where one text has no [MASK]', 'E_NO_MASK', /\[MASK\]/,
    (m) => m.fillMask(['a [MASK] b', 'no mask'])],
  ['fillMask of a too long text without truncation', 'E_TOO_LONG', /512/,
    (m) => m.fillMask(`[MASK] ${LONG}`, { truncation: false })],
  ['embed of a too long text without truncation', 'E_TOO_LONG', /512/, (m) => m.embed(LONG, { truncation: false })],
  ['encode of a too long text without truncation', 'E_TOO_LONG', /512/, (m) => m.encode(LONG, { truncation: false })],
  ['topK 0', 'E_INVALID_ARGUMENT', /topK/, (m) => m.fillMask('[MASK]', { topK: 0 })],
  ['topK -3', 'E_INVALID_ARGUMENT', /topK/, (m) => m.fillMask('[MASK]', { topK: -3 })],
  ['topK 2.5', 'E_INVALID_ARGUMENT', /topK/, (m) => m.fillMask('[MASK]', { topK: 2.5 })],
  ['topK "5"', 'E_INVALID_ARGUMENT', /topK/, (m) => m.fillMask('[MASK]', { topK: '5' })],
  ['fillMask of a number', 'E_INVALID_ARGUMENT', /string/, (m) => m.fillMask(42)],
  ['fillMask of an array holding a non-string', 'E_INVALID_ARGUMENT', /inputs\[1\].*string/,
    (m) => m.fillMask(['[MASK]', null])],
  ['fillMask of an empty array', 'E_INVALID_ARGUMENT', /empty/, (m) => m.fillMask([])],
  ['embed of an object', 'E_INVALID_ARGUMENT', /string/, (m) => m.embed({ words: 'hi' })],
  ['embed of an empty array', 'E_INVALID_ARGUMENT', /empty/, (m) => m.embed([])],
  ['embed with an unknown pooling', 'E_INVALID_ARGUMENT', /pooling/, (m) => m.embed('hi', { pooling: 'sum' })],
  ['encode of undefined', 'E_INVALID_ARGUMENT', /string/, (m) => m.encode(undefined)],
  ['encode with a non-string pair', 'E_INVALID_ARGUMENT', /pair/, (m) => m.encode('hi', { pair: 7 })],
  ['tokenizer.encode of a number', 'E_INVALID_ARGUMENT', /string/, (m) => m.tokenizer.encode(3)],
  ['tokenizer.encode with a too long text', 'E_TOO_LONG', /512/,
    (m) => m.tokenizer.encode(LONG, null, { truncation: false })],
];

// A JS string with a lone surrogate has no UTF-8 form: whatever the engine answers, it must be a
// BertError with a code (E_BAD_TEXT is the engine's code for text that is not valid UTF-8).
const LONE_SURROGATE_CALLS = [
  ['fillMask', (m) => m.fillMask('a \uD800 [MASK]')],
  ['fillMask (surrogate right before [MASK])', (m) => m.fillMask('x\uD800[MASK]')],
  ['embed', (m) => m.embed('lone \uDC00 low surrogate')],
  ['encode', (m) => m.encode('a\uD800b')],
  ['encode pair', (m) => m.encode('fine', { pair: 'a\uD800b' })],
  ['tokenizer.encode', (m) => m.tokenizer.encode('a\uD800b')],
];

async function answers(model) {
  return {
    fill: await model.fillMask(['The capital of France is [MASK].', '[MASK] and [MASK]'], { topK: 4 }),
    embed: await model.embed(['one text', 'and another one'], { pooling: 'cls' }),
    encode: await model.encode('hello world', { pair: 'again' }),
    tokens: model.tokenizer.encode('Hello world!'),
  };
}

describe.each(VARIANTS)('%s build', (variantName, options) => {
  describe('errors of calls on a loaded model', () => {
    let model;
    let before;
    beforeAll(async () => {
      model = await BertModel.load(TINY, options);
      before = await answers(model);
    });
    afterAll(() => model?.dispose());

    test.each(CALL_ERRORS)('%s: %s, then the model answers as before', async (name, code, message, call) => {
      const error = await bertError(() => call(model), code, message);
      expect(error.message.length).toBeGreaterThan(10);
      expect(await answers(model)).toEqual(before);
    });

    test.each(LONE_SURROGATE_CALLS)('a lone surrogate in %s is a BertError with a code', async (name, call) => {
      let outcome;
      try {
        const result = await call(model);
        outcome = `resolved without an error: ${JSON.stringify(result.tokens ?? result).slice(0, 120)}`;
      } catch (e) {
        outcome = e instanceof BertError ? e.code : `threw a non-BertError: ${e}`;
      }
      expect(outcome).toMatch(/^E_[A-Z_]+$/);
      expect(await answers(model)).toEqual(before);
    });

    test('well-formed surrogate pairs (emoji) are fine text', async () => {
      const enc = model.tokenizer.encode('I like 😀 a lot');
      expect(enc.tokens).toEqual(['[CLS]', 'i', 'like', '[UNK]', 'a', 'lot', '[SEP]']);
      const [predictions] = await model.fillMask('😀 [MASK] 😀');
      expect(predictions).toHaveLength(5);
    });
  });

  describe('E_NO_HEAD', () => {
    test('fill-mask on a checkpoint without an MLM head; the model still encodes', async () => {
      const bare = await BertModel.load(modelDir('bare-random'), options);
      try {
        const before = await bare.embed('a [MASK] b');
        await bertError(bare.fillMask('a [MASK] b'), 'E_NO_HEAD', /masked-LM head/);
        await bertError(bare.fillMask(['[MASK]', 'x [MASK]']), 'E_NO_HEAD', /masked-LM head/);
        expect(await bare.embed('a [MASK] b')).toEqual(before);
      } finally {
        bare.dispose();
      }
    });
  });

  describe('load errors', () => {
    const load = (source) => BertModel.load(source, options);
    const files = (overrides) => ({ config: file('config.json'), vocab: file('vocab.txt'), weights: file('model.safetensors'), ...overrides });
    // No model is alive during these tests, so a failed load must leave no engine threads running.
    let baseline;
    beforeAll(async () => {
      (await BertModel.load(TINY, options)).dispose();  // warm-up: Node's own threads exist after it
      await waitFor(() => false, 200);
      baseline = osThreads();
    });
    afterEach(async () => {
      expect(await waitFor(() => osThreads() <= baseline)).toBe(true);
    });

    test('E_BAD_WEIGHTS: garbage bytes as weights', async () => {
      const garbage = new TextEncoder().encode('this is certainly not a safetensors file, just some text');
      await bertError(load(files({ weights: garbage })), 'E_BAD_WEIGHTS', /safetensors/);
    });

    test('E_BAD_WEIGHTS: a truncated safetensors file', async () => {
      const weights = file('model.safetensors');
      await bertError(load(files({ weights: weights.subarray(0, weights.length - 4096) })), 'E_BAD_WEIGHTS',
        /safetensors.*(outside|truncated|past the end)/);
      await bertError(load(files({ weights: weights.subarray(0, 100) })), 'E_BAD_WEIGHTS', /safetensors.*truncated/);
      await bertError(load(files({ weights: new Uint8Array(0) })), 'E_BAD_WEIGHTS', /safetensors/);
    });

    test('E_BAD_CONFIG: config.json bytes that are not a BERT config', async () => {
      await bertError(load(files({ config: new Uint8Array([0xff, 0xfe, 0x7b, 0x00]) })), 'E_BAD_CONFIG', /config\.json/);
      await bertError(load(files({ config: new TextEncoder().encode('{"hidden_size": 64') })), 'E_BAD_CONFIG',
        /config\.json.*JSON/);
      await bertError(load(files({ config: new TextEncoder().encode('{"hidden_size": 64}') })), 'E_BAD_CONFIG',
        /config\.json.*vocab_size/);
    });

    test('E_BAD_VOCAB: a vocab without [MASK]', async () => {
      const vocab = file('vocab.txt').toString('utf8').split('\n').filter((line) => line !== '[MASK]').join('\n');
      await bertError(load(files({ vocab: new TextEncoder().encode(vocab) })), 'E_BAD_VOCAB', /\[MASK\]/);
    });

    test('E_IO: a missing local folder', async () => {
      const missing = join(TINY, 'no-such-folder');
      const error = await bertError(load(missing), 'E_IO', /no such file/);
      expect(error.message).toContain(missing);
    });

    test('E_BAD_SOURCE: load(42) and other non-sources', async () => {
      await bertError(load(42), 'E_BAD_SOURCE', /source/);
      await bertError(load(null), 'E_BAD_SOURCE', /source/);
      await bertError(load({ config: 'x/config.json', vocab: 'x/vocab.txt' }), 'E_BAD_SOURCE', /weights/);
      await bertError(load(files({ weights: 42 })), 'E_BAD_SOURCE', /model file/);
    });

    test('E_INVALID_ARGUMENT: bad load options', async () => {
      await bertError(BertModel.load(TINY, { threads: 0 }), 'E_INVALID_ARGUMENT', /threads/);
      await bertError(BertModel.load(TINY, { variant: 'wasm64' }), 'E_INVALID_ARGUMENT', /variant/);
    });

    test('E_FETCH: HTTP 404 on model.safetensors', async () => {
      const server = await startServer(TINY, { 'model.safetensors': { status: 404 } });
      try {
        const error = await bertError(load(server.url), 'E_FETCH', /404/);
        expect(error.message).toContain('model.safetensors');
      } finally {
        await server.close();
      }
    });

    test('E_FETCH: connection refused', async () => {
      const server = await startServer(TINY);
      const url = server.url;  // a port that was just free and is closed now
      await server.close();
      const error = await bertError(load(`${url}models/tiny-random/`), 'E_FETCH', /failed/);
      expect(error.message).toContain(url);
    });

    test('a model still loads and answers after the failed loads', async () => {
      const model = await load(TINY);
      try {
        const [predictions] = await model.fillMask('The capital of France is [MASK].', { topK: 1 });
        expect(predictions[0].tokenStr).toBe('difficulty');  // the golden top token
      } finally {
        model.dispose();
      }
    });
  });

  describe('dispose', () => {
    test('every call after dispose() is E_DISPOSED; dispose twice is fine', async () => {
      const model = await BertModel.load(TINY, options);
      try {
        expect((await model.fillMask('[MASK]', { topK: 1 }))[0]).toHaveLength(1);
      } finally {
        model.dispose();
      }
      expect(() => model.dispose()).not.toThrow();
      await bertError(model.fillMask('[MASK]'), 'E_DISPOSED', /disposed/);
      await bertError(model.embed('text'), 'E_DISPOSED', /disposed/);
      await bertError(model.encode('text'), 'E_DISPOSED', /disposed/);
      await bertError(() => model.tokenizer.encode('text'), 'E_DISPOSED', /disposed/);
      await bertError(() => model.tokenizer.decode([101, 102]), 'E_DISPOSED', /disposed/);
      // A bad argument after dispose still reports the disposal, not a crash.
      await bertError(model.fillMask(42), 'E_DISPOSED', /disposed/);
      expect(() => model.dispose()).not.toThrow();
    });

    test('calls issued before dispose() settle: each resolves or rejects with E_DISPOSED', async () => {
      const model = await BertModel.load(TINY, options);
      const pending = [model.fillMask('[MASK]'), model.embed('text'), model.encode('text')];
      model.dispose();  // synchronously, before any of them ran
      const settled = await Promise.allSettled(pending);
      for (const s of settled) {
        if (s.status === 'rejected') await bertError(Promise.reject(s.reason), 'E_DISPOSED', /disposed/);
      }
      await bertError(model.fillMask('[MASK]'), 'E_DISPOSED', /disposed/);
    });

    test('dispose() stops the engine threads; other models keep working', async () => {
      // Every model of this file is disposed by now: once their threads are gone, we are at the baseline.
      (await BertModel.load(TINY, options)).dispose();
      await waitFor(() => false, 200);
      const baseline = osThreads();
      const workers = options.threads ? options.threads - 1 : 0;  // one pool per threads model
      const keep = await BertModel.load(TINY, options);
      const gone = await BertModel.load(TINY, options);
      try {
        const expected = await keep.fillMask('a [MASK] b');
        expect(await gone.fillMask('a [MASK] b')).toEqual(expected);
        expect(osThreads()).toBeGreaterThanOrEqual(baseline + 2 * workers);
        gone.dispose();
        expect(await waitFor(() => osThreads() <= baseline + workers)).toBe(true);
        expect(await keep.fillMask('a [MASK] b')).toEqual(expected);
        keep.dispose();
        expect(await waitFor(() => osThreads() <= baseline)).toBe(true);
      } finally {
        keep.dispose();
        gone.dispose();
      }
    });
  });
});
