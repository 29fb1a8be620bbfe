// fillMask, embed and encode beyond the goldens: batching, several masks, poolings, attentions and
// overlapping calls.
import { BertModel } from '../../dist/node.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VARIANTS, bertError, modelDir, row } from './helpers.js';

const MASK = 103;
const TEXTS = [
  'The capital of France is [MASK].',
  '[MASK]',
  "Hello I'm a [MASK] model.",
  'A much longer sentence, with commas and several words, where the [MASK] sits somewhere in the middle of it all.',
  '[MASK] is the best [MASK] in the world!',
];
const PLAIN = ['short one', 'a somewhat longer second text', 'x', 'Le café était très bon à Tōkyō.'];

const VOCAB = readFileSync(join(modelDir('tiny-random'), 'vocab.txt'), 'utf8').split('\n');
const l2 = (values) => Math.sqrt(values.reduce((s, x) => s + x * x, 0));

describe.each(VARIANTS)('%s build', (variantName, options) => {
  let model;
  let hidden;  // config.hiddenSize
  beforeAll(async () => {
    model = await BertModel.load(modelDir('tiny-random'), options);
    hidden = model.info.config.hiddenSize;
  });
  afterAll(() => model?.dispose());

  describe('batching', () => {
    test('fillMask of a batch of different lengths equals each text alone', async () => {
      const alone = [];
      for (const text of TEXTS) alone.push(await model.fillMask(text, { topK: 7 }));
      const batch = await model.fillMask(TEXTS, { topK: 7 });
      expect(batch).toHaveLength(TEXTS.length);
      expect(batch).toEqual(alone);
      // An array of one text gives an array of one result.
      expect(await model.fillMask([TEXTS[0]], { topK: 7 })).toEqual([alone[0]]);
    });

    test.each(['mean', 'cls'])('embed (%s) of a batch equals per-text embeds', async (pooling) => {
      const batch = await model.embed(PLAIN, { pooling });
      expect(batch.dims).toEqual([PLAIN.length, hidden]);
      expect(batch.data).toBeInstanceOf(Float32Array);
      for (let i = 0; i < PLAIN.length; i++) {
        const one = await model.embed(PLAIN[i], { pooling });
        expect(one.dims).toEqual([1, hidden]);
        expect(row(batch, i)).toEqual(Array.from(one.data));
      }
    });
  });

  describe('fill-mask', () => {
    test('one [MASK]: one list of topK predictions, best first, sequence is the decoded text', async () => {
      const result = await model.fillMask("Hello I'm a [MASK] model.", { topK: 4 });
      expect(result).toHaveLength(1);
      const ids = model.tokenizer.encode("Hello I'm a [MASK] model.").inputIds;
      const at = ids.indexOf(MASK);
      expect(result[0]).toHaveLength(4);
      result[0].forEach((p, i) => {
        expect(Object.keys(p).sort()).toEqual(['score', 'sequence', 'token', 'tokenStr']);
        if (i > 0) expect(p.score).toBeLessThanOrEqual(result[0][i - 1].score);
        expect(p.tokenStr).toBe(VOCAB[p.token]);
        const filled = ids.map((id, j) => (j === at ? p.token : id));
        expect(p.sequence).toBe(model.tokenizer.decode(filled, { skipSpecialTokens: true }));
        expect(p.sequence).not.toMatch(/\[CLS\]|\[SEP\]|\[MASK\]/);
      });
      // The golden top token of this sentence (tiny-random is a seeded random model).
      expect(result[0][0]).toMatchObject({ token: 15404, tokenStr: 'monopoly', sequence: "hello i'm a monopoly model." });
    });

    test('two [MASK]s: two lists sorted by score, sequences keep [CLS]/[SEP] and the other mask', async () => {
      const text = '[MASK] is the best [MASK] in the world!';
      const result = await model.fillMask(text, { topK: 3 });
      expect(result).toHaveLength(2);
      const ids = model.tokenizer.encode(text).inputIds;
      const positions = ids.flatMap((id, j) => (id === MASK ? [j] : []));
      expect(positions).toEqual([1, 5]);
      result.forEach((list, m) => {
        expect(list).toHaveLength(3);
        expect(list[0].score).toBeGreaterThanOrEqual(list[1].score);
        expect(list[1].score).toBeGreaterThanOrEqual(list[2].score);
        for (const p of list) {
          const filled = ids.map((id, j) => (j === positions[m] ? p.token : id));
          expect(p.sequence).toBe(model.tokenizer.decode(filled, { skipSpecialTokens: false }));
          expect(p.sequence.startsWith('[CLS] ')).toBe(true);
          expect(p.sequence.endsWith(' [SEP]')).toBe(true);
          expect(p.sequence.match(/\[MASK\]/g)).toHaveLength(1);
        }
      });
      expect(result[0][0].sequence).toBe(`[CLS] ${result[0][0].tokenStr} is the best [MASK] in the world! [SEP]`);
      expect(result[1][0].sequence).toBe(`[CLS] [MASK] is the best ${result[1][0].tokenStr} in the world! [SEP]`);
    });

    test('tokenStr is the vocab entry of token, ## wordpieces included', async () => {
      const [all] = await model.fillMask('a [MASK] b', { topK: 300 });
      expect(all.some((p) => p.tokenStr.startsWith('##'))).toBe(true);
      for (const p of all) expect(p.tokenStr).toBe(VOCAB[p.token]);
    });

    test('topK defaults to 5; topK = vocab size gives the whole distribution summing to 1', async () => {
      const [five] = await model.fillMask('[MASK]');
      expect(five).toHaveLength(5);
      const [all] = await model.fillMask('[MASK]', { topK: model.info.config.vocabSize });
      expect(all).toHaveLength(30522);
      expect(new Set(all.map((p) => p.token)).size).toBe(30522);
      expect(all.reduce((s, p) => s + p.score, 0)).toBeCloseTo(1, 4);
      expect(all.slice(0, 5)).toEqual(five);
      expect(all.every((p, i) => i === 0 || p.score <= all[i - 1].score)).toBe(true);
    });
  });

  describe('embed', () => {
    let encoded;
    beforeAll(async () => {
      encoded = [];
      for (const text of PLAIN.slice(0, 2)) encoded.push(await model.encode(text));
    });

    test('mean pooling is the average of encode().lastHiddenState rows', async () => {
      const emb = await model.embed(PLAIN.slice(0, 2));  // pooling defaults to mean
      expect(emb.dims).toEqual([2, hidden]);
      encoded.forEach((out, b) => {
        const [t] = out.lastHiddenState.dims;
        const mean = Array.from({ length: hidden }, (_, i) => {
          let s = 0;
          for (let r = 0; r < t; r++) s += out.lastHiddenState.data[r * hidden + i];
          return s / t;
        });
        row(emb, b).forEach((x, i) => expect(Math.abs(x - mean[i])).toBeLessThanOrEqual(1e-5));
      });
    });

    test('cls pooling is row 0 of the hidden states', async () => {
      const emb = await model.embed(PLAIN.slice(0, 2), { pooling: 'cls' });
      expect(emb.dims).toEqual([2, hidden]);
      encoded.forEach((out, b) => expect(row(emb, b)).toEqual(row(out.lastHiddenState, 0)));
    });

    test('no pooling gives every token row, zero-padded to the longest text', async () => {
      const emb = await model.embed(PLAIN.slice(0, 2), { pooling: 'none' });
      const [t0, t1] = encoded.map((o) => o.lastHiddenState.dims[0]);
      expect(t1).toBeGreaterThan(t0);
      expect(emb.dims).toEqual([2, t1, hidden]);
      const seq = (b) => Array.from(emb.data.subarray(b * t1 * hidden, (b + 1) * t1 * hidden));
      expect(seq(0).slice(0, t0 * hidden)).toEqual(Array.from(encoded[0].lastHiddenState.data));
      expect(seq(0).slice(t0 * hidden)).toEqual(new Array((t1 - t0) * hidden).fill(0));
      expect(seq(1)).toEqual(Array.from(encoded[1].lastHiddenState.data));
    });

    test.each(['mean', 'cls'])('normalize gives unit L2 norm, same direction (%s)', async (pooling) => {
      const raw = await model.embed(PLAIN, { pooling });
      const unit = await model.embed(PLAIN, { pooling, normalize: true });
      expect(unit.dims).toEqual(raw.dims);
      for (let b = 0; b < PLAIN.length; b++) {
        const u = row(unit, b);
        const r = row(raw, b);
        expect(l2(u)).toBeCloseTo(1, 5);
        const norm = l2(r);
        expect(norm).not.toBeCloseTo(1, 2);  // so the check above means something
        u.forEach((x, i) => expect(Math.abs(x * norm - r[i])).toBeLessThanOrEqual(1e-5));
      }
    });

    test('normalize without pooling makes every token row unit length, padding stays zero', async () => {
      const none = await model.embed(PLAIN.slice(0, 2), { pooling: 'none', normalize: true });
      const [, t, h] = none.dims;
      const t0 = encoded[0].lastHiddenState.dims[0];
      for (let r = 0; r < 2 * t; r++) {
        const norm = l2(Array.from(none.data.subarray(r * h, (r + 1) * h)));
        if (r >= t0 && r < t) expect(norm).toBe(0);
        else expect(norm).toBeCloseTo(1, 5);
      }
    });

    test('an unknown pooling is E_INVALID_ARGUMENT', async () => {
      await bertError(model.embed('text', { pooling: 'sum' }), 'E_INVALID_ARGUMENT', /pooling/);
    });
  });

  describe('encode', () => {
    test('outputAttentions gives [layers, heads, T, T] rows of probabilities', async () => {
      const { numLayers, numHeads } = model.info.config;
      const text = 'attention please [MASK]';
      const withA = await model.encode(text, { outputAttentions: true });
      const without = await model.encode(text);
      const t = withA.tokens.length;
      expect(t).toBe(5);
      expect(withA.attentions.dims).toEqual([numLayers, numHeads, t, t]);
      expect(withA.attentions.data).toHaveLength(numLayers * numHeads * t * t);
      for (let r = 0; r < numLayers * numHeads * t; r++) {
        const probs = withA.attentions.data.subarray(r * t, (r + 1) * t);
        expect(probs.every((p) => p >= 0 && p <= 1)).toBe(true);
        expect(probs.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
      }
      expect(without.attentions).toBeNull();
      expect(withA.lastHiddenState).toEqual(without.lastHiddenState);
      expect(withA.pooled).toEqual(without.pooled);
    });

    test('fillMask with outputAttentions: the predictions and encode\'s attentions in one call', async () => {
      const text = 'attention please [MASK]';
      const both = await model.fillMask(text, { topK: 3, outputAttentions: true });
      expect(both.predictions).toEqual(await model.fillMask(text, { topK: 3 }));
      const encoded = await model.encode(text, { outputAttentions: true });
      expect(both.tokens).toEqual(encoded.tokens);
      expect(both.attentions).toEqual(encoded.attentions);
    });

    test('result shape: tokens, ids, hidden states [T, hidden], pooled [hidden]', async () => {
      const out = await model.encode('hello world', { pair: 'second one' });
      expect(out.tokens).toEqual(['[CLS]', 'hello', 'world', '[SEP]', 'second', 'one', '[SEP]']);
      expect(out.inputIds).toEqual(model.tokenizer.encode('hello world', 'second one').inputIds);
      expect(out.lastHiddenState.dims).toEqual([7, hidden]);
      expect(out.lastHiddenState.data).toHaveLength(7 * hidden);
      expect(out.pooled.dims).toEqual([hidden]);
      expect(out.pooled.data.every((x) => x > -1 && x < 1)).toBe(true);  // tanh
      // The pair changes the encoding of the first text (token types and attention).
      const alone = await model.encode('hello world');
      expect(row(out.lastHiddenState, 1)).not.toEqual(row(alone.lastHiddenState, 1));
    });
  });

  describe('pre-tokenized inputs {inputIds, tokenTypeIds?}', () => {
    test('give exactly what the text gives, in fillMask and embed, alone and batched', async () => {
      const ids = TEXTS.map((t) => ({ inputIds: model.tokenizer.encode(t).inputIds }));
      expect(await model.fillMask(ids[0], { topK: 3 })).toEqual(await model.fillMask(TEXTS[0], { topK: 3 }));
      expect(await model.fillMask({ inputIds: new Int32Array(ids[2].inputIds) })).toEqual(await model.fillMask(TEXTS[2]));
      expect(await model.fillMask([ids[1], TEXTS[3], ids[4]])).toEqual(await model.fillMask([TEXTS[1], TEXTS[3], TEXTS[4]]));
      const plain = PLAIN.map((t) => ({ inputIds: model.tokenizer.encode(t).inputIds }));
      expect(await model.embed(plain, { pooling: 'cls' })).toEqual(await model.embed(PLAIN, { pooling: 'cls' }));
    });

    test('token types of a pair matter and default to 0', async () => {
      const enc = model.tokenizer.encode('The man went to the [MASK].', 'He bought a gallon of [MASK].');
      const typed = await model.embed({ inputIds: enc.inputIds, tokenTypeIds: enc.tokenTypeIds });
      const zeros = await model.embed({ inputIds: enc.inputIds, tokenTypeIds: enc.inputIds.map(() => 0) });
      expect(await model.embed({ inputIds: enc.inputIds })).toEqual(zeros);
      expect(typed).not.toEqual(zeros);
      const pair = await model.fillMask({ inputIds: enc.inputIds, tokenTypeIds: enc.tokenTypeIds }, { topK: 2 });
      expect(pair).toHaveLength(2);
      expect(pair[0][0].sequence).toMatch(/^\[CLS\] the man went to the \S+\. \[SEP\] he bought a gallon of \[MASK\]\. \[SEP\]$/);
    });

    test('ids outside the vocabulary, bad token types and mismatched lengths are E_INVALID_ARGUMENT', async () => {
      await bertError(model.fillMask({ inputIds: [101, 30522, 103, 102] }), 'E_INVALID_ARGUMENT', /30522/);
      await bertError(model.fillMask({ inputIds: [101, -1, 103, 102] }), 'E_INVALID_ARGUMENT', /-1/);
      await bertError(model.embed({ inputIds: [101, 103, 102], tokenTypeIds: [0, 2, 0] }), 'E_INVALID_ARGUMENT', /type/);
      await bertError(model.embed({ inputIds: [101, 103, 102], tokenTypeIds: [0] }), 'E_INVALID_ARGUMENT', /length/);
      await bertError(model.fillMask({ inputIds: 'abc' }), 'E_INVALID_ARGUMENT', /inputIds/);
      expect(await model.fillMask(TEXTS[0], { topK: 1 })).toEqual([[expect.objectContaining({ tokenStr: 'difficulty' })]]);
    });
  });

  describe('overlapping calls', () => {
    const calls = [
      (m) => m.fillMask(TEXTS[0], { topK: 3 }),
      (m) => m.embed(PLAIN[0]),
      (m) => m.encode(PLAIN[1]),
      (m) => m.fillMask(TEXTS.slice(1, 4), { topK: 2 }),
      (m) => m.embed(PLAIN, { pooling: 'cls', normalize: true }),
      (m) => m.fillMask(TEXTS[4]),
      (m) => m.encode(PLAIN[3], { outputAttentions: true }),
      (m) => m.embed(PLAIN.slice(0, 2), { pooling: 'none' }),
      (m) => m.fillMask(TEXTS[3], { topK: 10 }),
      (m) => m.encode(TEXTS[2], { pair: PLAIN[2] }),
    ];

    test('10 calls fired without awaiting each resolve with their own result', async () => {
      const sequential = [];
      for (const call of calls) sequential.push(await call(model));
      const pending = calls.map((call) => call(model));
      const results = await Promise.all(pending);
      expect(results).toEqual(sequential);
    });

    test('a failing call in the middle rejects without affecting the others', async () => {
      const sequential = [];
      for (const call of calls) sequential.push(await call(model));
      const mixed = [...calls.slice(0, 5), (m) => m.fillMask('no mask in here'), ...calls.slice(5)];
      const settled = await Promise.allSettled(mixed.map((call) => call(model)));
      expect(settled.map((s) => s.status)).toEqual(mixed.map((_, i) => (i === 5 ? 'rejected' : 'fulfilled')));
      await bertError(Promise.reject(settled[5].reason), 'E_NO_MASK', /\[MASK\]/);
      expect(settled.filter((_, i) => i !== 5).map((s) => s.value)).toEqual(sequential);
    });
  });
});
