// q8 models (dtype: 'q8'): every task on every shared checkpoint, against the float64 goldens and the
// fp32 model, within the accuracy 8-bit weights and activations allow (stated in the README):
//   fill-mask: KL(fp32 || q8) <= 0.005 at every [MASK]; q8's best token is among fp32's top 3, and is
//     fp32's best wherever that leads the second by more than 0.2 in logit (log probability): the
//     random checkpoints' flat distributions hold near ties that logit errors of ~0.07 may swap;
//   hidden states within 0.2 of the golden (LayerNorm outputs, of unit scale);
//   head logits within 0.15; classification scores within 0.02 with the same best label;
//   sentence embeddings at cosine >= 0.999 to the golden.
// Both builds give identical q8 results; a bad dtype is E_INVALID_ARGUMENT.
import { BertModel } from '../../dist/node.js';
import { bertError, loadGolden, modelDir } from './helpers.js';

const load = (name, options = {}) => BertModel.load(modelDir(name), { variant: 'simd', dtype: 'q8', ...options });
const inputOf = (c) => ({ inputIds: c.input_ids, tokenTypeIds: c.token_type_ids });

function kl(p, q) {
  let sum = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) sum += p[i] * Math.log(p[i] / q[i]);
  return sum;
}

// Full distributions at each [MASK] of `input`, as arrays indexed by token id.
async function distributions(model, input) {
  const vocab = model.info.config.vocabSize;
  const results = await model.fillMask(input, { topK: vocab });
  const perMask = Array.isArray(results[0]) ? results : [results];
  return perMask.map((ranked) => {
    const p = new Float64Array(vocab);
    for (const { token, score } of ranked) p[token] = score;
    return { p, ranked };
  });
}

describe.each(['tiny-random', 'small-random', 'tiny-distilbert'])('%s in q8', (name) => {
  let fp32;
  let q8;
  beforeAll(async () => {
    [fp32, q8] = await Promise.all([BertModel.load(modelDir(name), { variant: 'simd' }), load(name)]);
  });
  afterAll(() => {
    fp32?.dispose();
    q8?.dispose();
  });

  test('info says q8', () => {
    expect(q8.info.dtype).toBe('q8');
    expect(fp32.info.dtype).toBe('fp32');
  });

  test('fill-mask distributions stay within KL 0.005 of fp32, with the same best token', async () => {
    let masks = 0;
    let decided = 0;
    for (const c of loadGolden(name).cases.filter((c) => c.masks?.length)) {
      const [exact, quantized] = await Promise.all([distributions(fp32, inputOf(c)), distributions(q8, inputOf(c))]);
      exact.forEach(({ p, ranked }, m) => {
        const { p: q, ranked: ours } = quantized[m];
        expect(kl(p, q)).toBeLessThanOrEqual(0.005);
        if (Math.log(ranked[0].score / ranked[1].score) > 0.2) {
          expect(ours[0].token).toBe(ranked[0].token);
          decided++;
        }
        expect(ranked.slice(0, 3).map((r) => r.token)).toContain(ours[0].token);
        masks++;
      });
    }
    expect(masks).toBeGreaterThanOrEqual(5);
    expect(decided).toBeGreaterThanOrEqual(1);
  });

  test('hidden states stay within 0.2 of the golden', async () => {
    for (const c of loadGolden(name).cases.filter((c) => c.last_hidden_state)) {
      const { lastHiddenState } = await q8.encode(c.text, c.pair ? { pair: c.pair } : undefined);
      const golden = c.last_hidden_state.flat();
      expect(lastHiddenState.data.length).toBe(golden.length);
      let max = 0;
      golden.forEach((g, i) => (max = Math.max(max, Math.abs(lastHiddenState.data[i] - g))));
      expect(max).toBeLessThanOrEqual(0.2);
    }
  });
});

describe.each([
  ['tiny-seqcls', (c) => c.logits],
  ['tiny-ner', (c) => c.logits.flat()],
  ['tiny-qa', (c) => c.start_logits.flatMap((s, i) => [s, c.end_logits[i]])],
])('%s in q8', (name, goldenLogits) => {
  test('head logits stay within 0.15 of the golden', async () => {
    const model = await load(name);
    try {
      const cases = loadGolden(name).cases.filter((c) => c.input_ids);
      expect(cases.length).toBeGreaterThan(2);
      for (const c of cases) {
        const { data } = await model.logits(inputOf(c));
        const golden = goldenLogits(c);
        expect(data.length).toBe(golden.length);
        golden.forEach((g, i) => expect(Math.abs(data[i] - g)).toBeLessThanOrEqual(0.15));
      }
    } finally {
      model.dispose();
    }
  });
});

test.each(['tiny-seqcls', 'tiny-distilbert-sst2'])('%s in q8: scores within 0.02 of the golden, same best label', async (name) => {
  const model = await load(name);
  try {
    for (const c of loadGolden(name).cases) {
      const scores = await model.classify(c.pair ? { text: c.text, pair: c.pair } : c.text, { topK: null });
      expect(scores[0].label).toBe(c.scores[0].label);
      for (const { label, score } of c.scores) {
        expect(Math.abs(scores.find((s) => s.label === label).score - score)).toBeLessThanOrEqual(0.02);
      }
    }
  } finally {
    model.dispose();
  }
});

// Entity groups depend on argmaxes that the random checkpoint's near ties may swap: most cases keep the
// golden's groups exactly, and every group is a well-formed span of the text with a known label.
test('tiny-ner and tiny-qa in q8 answer through their pipelines', async () => {
  const [ner, qa] = await Promise.all([load('tiny-ner'), load('tiny-qa')]);
  try {
    const cases = loadGolden('tiny-ner').cases;
    let same = 0;
    for (const c of cases) {
      const entities = await ner.classifyTokens(c.text);
      for (const e of entities) {
        expect(['PER', 'ORG', 'LOC', 'MISC']).toContain(e.entity);
        expect(0 <= e.start && e.start < e.end && e.end <= c.text.length).toBe(true);
        expect(e.score > 0 && e.score <= 1).toBe(true);
      }
      const groups = (list) => list.map((e) => [e.entity_group ?? e.entity, e.start, e.end]);
      if (JSON.stringify(groups(entities)) === JSON.stringify(groups(c.entities_simple))) same++;
    }
    expect(same).toBeGreaterThanOrEqual(cases.length / 2);
    const q = loadGolden('tiny-qa').cases[0];
    const [best] = await qa.answer(q.question, q.context);
    expect(q.context.slice(best.start, best.end)).toBe(best.answer);
    expect(q.answers.map((a) => a.answer)).toContain(best.answer);
  } finally {
    ner.dispose();
    qa.dispose();
  }
});

test('tiny-sentence-transformer in q8: embeddings at cosine >= 0.999 to the golden', async () => {
  const model = await load('tiny-sentence-transformer');
  try {
    for (const c of loadGolden('tiny-sentence-transformer').cases) {
      const { data } = await model.embed(c.text);
      const golden = c.sentence_embedding;
      let dot = 0;
      let a = 0;
      let b = 0;
      golden.forEach((g, i) => {
        dot += data[i] * g;
        a += data[i] ** 2;
        b += g ** 2;
      });
      expect(dot / Math.sqrt(a * b)).toBeGreaterThanOrEqual(0.999);
    }
  } finally {
    model.dispose();
  }
});

test('the threaded build gives the single-threaded q8 results exactly', async () => {
  const [one, two] = await Promise.all([load('small-random'), load('small-random', { variant: 'simd-threads', threads: 2 })]);
  try {
    const texts = loadGolden('small-random').cases.filter((c) => c.masks?.length).map((c) => c.text);
    expect(await two.fillMask(texts, { topK: 10 })).toEqual(await one.fillMask(texts, { topK: 10 }));
    expect(Array.from((await two.embed(texts)).data)).toEqual(Array.from((await one.embed(texts)).data));
  } finally {
    one.dispose();
    two.dispose();
  }
});

test('a dtype other than fp32 or q8 is E_INVALID_ARGUMENT', async () => {
  await bertError(BertModel.load(modelDir('tiny-random'), { dtype: 'int4' }), 'E_INVALID_ARGUMENT', /dtype must be 'fp32' or 'q8', got int4/);
});
