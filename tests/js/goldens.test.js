// Every case of ../shared/models/{tiny,small,bare}-random/golden.json (a float64 PyTorch reference) on
// both WebAssembly builds, with the tolerances of the native golden test (tests/golden_test.cpp).
import { BertModel } from '../../dist/node.js';
import { VARIANTS, bertError, loadGolden, maxAbsDiff, modelDir } from './helpers.js';

const MODEL_NAMES = ['tiny-random', 'small-random', 'bare-random'];

/** Top-10 ids in order (a swap only between golden probabilities within 1e-6), probabilities within rel. */
function expectMasksMatch(golden, c, result) {
  const rel = golden.tolerance.probability_rel;
  expect(result).toHaveLength(c.masks.length);
  result.forEach((ours, m) => {
    const top = c.masks[m].top;
    expect(ours).toHaveLength(top.length);
    ours.forEach((p, i) => {
      const [wantId, wantToken, wantP] = top[i];
      if (p.token !== wantId) {
        const same = top.find(([id]) => id === p.token);
        expect({ case: c.id, mask: m, rank: i, inGoldenTop: same !== undefined }).toEqual({
          case: c.id, mask: m, rank: i, inGoldenTop: true,
        });
        expect(Math.abs(same[2] - wantP)).toBeLessThanOrEqual(1e-6);  // only a tie may swap
        return;
      }
      expect(p.tokenStr).toBe(wantToken);
      expect(Math.abs(p.score - wantP)).toBeLessThanOrEqual(rel * wantP);
    });
  });
}

function expectEncodingMatches(golden, c, out, hasPooler) {
  const tol = golden.tolerance;
  expect(out.inputIds).toEqual(c.input_ids);
  expect(out.tokens).toEqual(c.tokens);
  expect(out.lastHiddenState.dims).toEqual([c.input_ids.length, c.last_hidden_state[0].length]);
  expect(maxAbsDiff(out.lastHiddenState.data, c.last_hidden_state)).toBeLessThanOrEqual(tol.last_hidden_state_abs);
  if (hasPooler) {
    expect(out.pooled.dims).toEqual([c.pooled.length]);
    expect(maxAbsDiff(out.pooled.data, c.pooled)).toBeLessThanOrEqual(tol.pooled_abs);
  }
}

describe.each(VARIANTS)('%s build', (variantName, options) => {
  describe.each(MODEL_NAMES)('%s', (name) => {
    const golden = loadGolden(name);
    const cases = golden.cases.map((c) => [c.id, c]);
    const maskCases = golden.cases.filter((c) => c.masks.length > 0 && c.pair === undefined).map((c) => [c.id, c]);
    const pairCases = golden.cases.filter((c) => c.masks.length > 0 && c.pair !== undefined).map((c) => [c.id, c]);
    let model;

    beforeAll(async () => {
      model = await BertModel.load(modelDir(name), options);
    });
    afterAll(() => model?.dispose());

    test('loads with the checkpoint config on the requested build', () => {
      expect(model.info.variant).toBe(variantName);
      expect(model.info.threads).toBe(options.threads ?? 1);
      const c = model.info.config;
      expect(c.hiddenSize).toBe(golden.cases[0].last_hidden_state[0].length);
      expect(c.vocabSize).toBe(30522);
      expect(c.maxPositions).toBe(512);
      expect(model.info.heads.fillMask).toBe(name !== 'bare-random');
      expect(model.info.heads.pooler).toBe(true);
      expect(model.info.heads.nextSentence).toBe(name === 'small-random');
      expect(model.info.architecture).toBe(name === 'bare-random' ? 'BertModel' : 'BertForMaskedLM');
    });

    test.each(cases)('tokenizer ids of case %s', (id, c) => {
      const enc = model.tokenizer.encode(c.text, c.pair ?? null);
      expect(enc.inputIds).toEqual(c.input_ids);
      expect(enc.tokenTypeIds).toEqual(c.token_type_ids);
      expect(enc.tokens).toEqual(c.tokens);
      expect(enc.attentionMask).toEqual(c.input_ids.map(() => 1));
    });

    test.each(cases)('hidden states and pooled output of case %s', async (id, c) => {
      const out = await model.encode(c.text, { pair: c.pair ?? null });
      expectEncodingMatches(golden, c, out, model.info.heads.pooler);
    });

    if (name === 'bare-random') {
      test('fill-mask rejects with E_NO_HEAD; encode and embed still work', async () => {
        await bertError(model.fillMask('a [MASK] b'), 'E_NO_HEAD', /masked-LM head/);
        const c = golden.cases.find((x) => x.id === 'capital');
        expectEncodingMatches(golden, c, await model.encode(c.text), true);
        const emb = await model.embed(c.text, { pooling: 'cls' });
        expect(emb.dims).toEqual([1, 32]);
        expect(maxAbsDiff(emb.data, c.last_hidden_state[0])).toBeLessThanOrEqual(golden.tolerance.last_hidden_state_abs);
      });
      return;
    }

    if (name === 'small-random') {
      // The golden's nsp_is_next = P(IsNext) of each case's exact input (pre-tokenized here, so single
      // texts count too); the sentence pair also as text, alone.
      test('next-sentence prediction of every case as one batch, and of the pair alone', async () => {
        const inputs = golden.cases.map((c) => ({ inputIds: c.input_ids, tokenTypeIds: c.token_type_ids }));
        const results = await model.nextSentence(inputs);
        golden.cases.forEach((c, i) => {
          expect(Math.abs(results[i].score - c.nsp_is_next)).toBeLessThanOrEqual(1e-3 * c.nsp_is_next);
          expect(results[i].isNext).toBe(c.nsp_is_next >= 0.5);
        });
        const c = golden.cases.find((x) => x.pair !== undefined);
        const alone = await model.nextSentence(c.text, c.pair);
        expect(Math.abs(alone.score - c.nsp_is_next)).toBeLessThanOrEqual(1e-3 * c.nsp_is_next);
      });
    }

    test.each(maskCases)('fill-mask top-10 of case %s', async (id, c) => {
      expectMasksMatch(golden, c, await model.fillMask(c.text, { topK: 10 }));
    });

    // Sentence pairs reach fillMask pre-tokenized, as {inputIds, tokenTypeIds}.
    test.each(pairCases)('fill-mask top-10 of the pre-tokenized sentence-pair case %s', async (id, c) => {
      const input = { inputIds: c.input_ids, tokenTypeIds: c.token_type_ids };
      expectMasksMatch(golden, c, await model.fillMask(input, { topK: 10 }));
    });

    test('all masked cases as one batch of different lengths each match their golden', async () => {
      const results = await model.fillMask(maskCases.map(([, c]) => c.text), { topK: 10 });
      expect(results).toHaveLength(maskCases.length);
      maskCases.forEach(([, c], i) => expectMasksMatch(golden, c, results[i]));
    });
  });
});
