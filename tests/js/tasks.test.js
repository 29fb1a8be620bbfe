// The task folders of ../shared/models through the package, on both WebAssembly builds: classification,
// NER, question answering (windows included), DistilBERT fill-mask, sentence-transformers embeddings,
// tokenizer offsets, pipelines, and the coded errors of tasks a checkpoint has no head for. Goldens come
// from a float64 reference; tolerances are each golden's (logits 2e-4 absolute, scores 1e-3 relative).
import { BertModel, pipeline } from '../../dist/node.js';
import { VARIANTS, bertError, loadGolden, maxAbsDiff, modelDir } from './helpers.js';

const relClose = (ours, want, rel) => expect(Math.abs(ours - want)).toBeLessThanOrEqual(rel * Math.abs(want));

// Python counts offsets in code points, JS in UTF-16 units: equal for these BMP texts.
function expectOffsets(enc, c) {
  expect(enc.offsets).toEqual(c.offsets);
  expect(enc.sequenceIds).toEqual(c.sequence_ids);
  if (c.word_ids) expect(enc.wordIds).toEqual(c.word_ids);
}

const caseInput = (c) => (c.pair === undefined ? c.text : { text: c.text, pair: c.pair });

describe.each(VARIANTS)('%s build', (variantName, options) => {
  describe.each(['tiny-seqcls', 'tiny-distilbert-sst2'])('%s', (name) => {
    const golden = loadGolden(name);
    let model;
    beforeAll(async () => (model = await BertModel.load(modelDir(name), options)));
    afterAll(() => model?.dispose());

    test('info names the architecture, its tasks and labels', () => {
      expect(model.info.architecture).toMatch(/ForSequenceClassification$/);
      expect(model.info.tasks).toEqual(['feature-extraction', 'text-classification']);
      expect(model.info.labels).toEqual(golden.cases[0].scores.map((s) => s.label).sort((a, b) => model.info.labels.indexOf(a) - model.info.labels.indexOf(b)));
      expect(model.info.config.family).toBe(name.includes('distil') ? 'distilbert' : 'bert');
    });

    test('tokens and offsets of every case equal the Rust tokenizer', () => {
      for (const c of golden.cases) {
        const enc = model.tokenizer.encode(c.text, c.pair ?? null);
        expect(enc.inputIds).toEqual(c.input_ids);
        expect(enc.tokenTypeIds).toEqual(c.token_type_ids);
        expectOffsets(enc, c);
      }
    });

    test('every label score of every case, as one batch and alone; logits', async () => {
      const all = await model.classify(golden.cases.map(caseInput), { topK: null });
      const logits = await model.logits(golden.cases.map(caseInput));
      for (const [i, c] of golden.cases.entries()) {
        expect(all[i].map((s) => s.label)).toEqual(c.scores.map((s) => s.label));
        all[i].forEach((s, k) => relClose(s.score, c.scores[k].score, golden.tolerance.score_rel));
        expect(logits[i].dims).toEqual([c.logits.length]);
        expect(maxAbsDiff(logits[i].data, c.logits)).toBeLessThanOrEqual(golden.tolerance.logits_abs);
        const [best] = await model.classify(caseInput(c));
        expect(best).toEqual(all[i][0]);
      }
    });

    test('tasks without a head are E_NO_HEAD naming the architecture', async () => {
      await bertError(model.fillMask('a [MASK] b'), 'E_NO_HEAD', /ForSequenceClassification has no masked-LM head/);
      await bertError(model.answer('q?', 'c.'), 'E_NO_HEAD', /question-answering/);
      await bertError(model.classifyTokens('x'), 'E_NO_HEAD', /token-classification/);
      expect(await model.classify('still fine')).toHaveLength(1);
    });
  });

  describe('tiny-ner', () => {
    const golden = loadGolden('tiny-ner');
    let model;
    beforeAll(async () => (model = await BertModel.load(modelDir('tiny-ner'), options)));
    afterAll(() => model?.dispose());

    // The golden keeps "[UNK]" as an unknown token's word; Hugging Face's pipeline gives the text it
    // covers (gather_pre_entities: word = word_ref for the unk id), and so do we.
    const expectedWord = (c, e) => (e.word === '[UNK]' ? c.text.slice(e.start, e.end) : e.word);

    test('simple aggregation of every case equals the pipeline, batched and alone', async () => {
      const batched = await model.classifyTokens(golden.cases.map((c) => c.text));
      for (const [i, c] of golden.cases.entries()) {
        const ours = batched[i];
        expect(ours.map((e) => [e.entity, e.word, e.start, e.end])).toEqual(
          c.entities_simple.map((e) => [e.entity_group, expectedWord(c, e), e.start, e.end]),
        );
        ours.forEach((e, k) => relClose(e.score, c.entities_simple[k].score, golden.tolerance.score_rel));
        for (const e of ours) expect(c.text.slice(e.start, e.end).length).toBe(e.end - e.start);
        expect(await model.classifyTokens(c.text)).toEqual(ours);
      }
    });

    test('token logits, and aggregation none keeps every token with its index', async () => {
      for (const c of golden.cases) {
        const logits = await model.logits(c.text);
        expect(logits.dims).toEqual([c.input_ids.length, 9]);
        expect(maxAbsDiff(logits.data, c.logits)).toBeLessThanOrEqual(golden.tolerance.logits_abs);
        const tokens = await model.classifyTokens(c.text, { aggregation: 'none', ignoreLabels: [] });
        expect(tokens.map((t) => t.index)).toEqual(c.input_ids.slice(1, -1).map((_, i) => i + 1));
        tokens.forEach((t) => {
          const row = c.logits[t.index];
          expect(model.info.labels.indexOf(t.entity)).toBe(row.indexOf(Math.max(...row)));
        });
      }
    });

    test('first / average / max merge subwords into words', async () => {
      const c = golden.cases.find((x) => x.id === 'subwords');
      for (const aggregation of ['first', 'average', 'max']) {
        const entities = await model.classifyTokens(c.text, { aggregation, ignoreLabels: [] });
        // Every entity spans whole words: its ends are at word boundaries of the text.
        for (const e of entities) {
          expect(e.start === 0 || /[\s,.]/.test(c.text[e.start - 1]) || /[,.]/.test(c.text[e.start])).toBe(true);
          expect(e.end === c.text.length || /[\s,.]/.test(c.text[e.end]) || /[,.]/.test(c.text[e.end - 1])).toBe(true);
        }
        expect(entities.map((e) => e.word).join(' ')).not.toMatch(/##/);
      }
    });
  });

  describe('tiny-qa', () => {
    const golden = loadGolden('tiny-qa');
    let model;
    beforeAll(async () => (model = await BertModel.load(modelDir('tiny-qa'), options)));
    afterAll(() => model?.dispose());

    test('top-3 answers of every case (the long context in windows) equal the pipeline', async () => {
      for (const c of golden.cases) {
        const answers = await model.answer(c.question, c.context, { topK: 3 });
        expect(answers.map((a) => [a.answer, a.start, a.end])).toEqual(c.answers.map((a) => [a.answer, a.start, a.end]));
        answers.forEach((a, k) => relClose(a.score, c.answers[k].score, golden.tolerance.score_rel));
        for (const a of answers) expect(c.context.slice(a.start, a.end)).toBe(a.answer);
      }
      const batched = await model.answer(golden.cases.map(({ question, context }) => ({ question, context })), { topK: 3 });
      expect(batched.map((list) => list.map((a) => a.answer))).toEqual(golden.cases.map((c) => c.answers.map((a) => a.answer)));
    });

    test('start/end logits, offsets and word ids of the question + context', async () => {
      for (const c of golden.cases.filter((x) => x.input_ids)) {
        const enc = model.tokenizer.encode(c.question, c.context);
        expect(enc.inputIds).toEqual(c.input_ids);
        expectOffsets(enc, c);
        const logits = await model.logits({ text: c.question, pair: c.context });
        expect(logits.dims).toEqual([c.input_ids.length, 2]);
        const interleaved = c.start_logits.flatMap((s, i) => [s, c.end_logits[i]]);
        expect(maxAbsDiff(logits.data, interleaved)).toBeLessThanOrEqual(golden.tolerance.logits_abs);
      }
    });

    test('options: topK, maxAnswerLength, impossible answers, windows', async () => {
      const c = golden.cases.find((x) => x.id === 'long_context');
      const [one] = await model.answer(c.question, c.context);
      expect(one.answer).toBe(c.answers[0].answer);
      const short = await model.answer(c.question, c.context, { topK: 5, maxAnswerLength: 1 });
      for (const a of short) expect(a.answer).not.toMatch(/\s/);
      const every = await model.answer(c.question, c.context, { topK: 10000, handleImpossibleAnswer: true });
      expect(every.filter((a) => a.answer === '' && a.start === 0 && a.end === 0)).toHaveLength(1);
      expect(every.map((a) => a.score)).toEqual(every.map((a) => a.score).sort((a, b) => b - a));
      const narrow = await model.answer(c.question, c.context, { topK: 3, maxSeqLength: 64, docStride: 16 });
      expect(narrow).toHaveLength(3);
      await bertError(model.answer(c.question, c.context, { maxSeqLength: 512 }), 'E_INVALID_ARGUMENT', /exceeds/);
      await bertError(model.answer(c.question, c.context, { maxSeqLength: 32, docStride: 30 }), 'E_INVALID_ARGUMENT', /doc_stride/);
      await bertError(model.answer('q', 42), 'E_INVALID_ARGUMENT', /context must be a string/);
    });
  });

  describe('tiny-distilbert', () => {
    const golden = loadGolden('tiny-distilbert');
    let model;
    beforeAll(async () => (model = await BertModel.load(modelDir('tiny-distilbert'), options)));
    afterAll(() => model?.dispose());

    test('fill-mask top-10 and hidden states of every case', async () => {
      expect(model.info.architecture).toBe('DistilBertForMaskedLM');
      expect(model.info.config.typeVocabSize).toBe(0);
      for (const c of golden.cases) {
        const out = await model.encode(c.text, { pair: c.pair ?? null });
        expect(out.inputIds).toEqual(c.input_ids);
        expect(maxAbsDiff(out.lastHiddenState.data, c.last_hidden_state)).toBeLessThanOrEqual(golden.tolerance.embedding_abs);
        if (c.masks.length === 0) continue;
        const result = await model.fillMask(caseInput(c), { topK: 10 });
        result.forEach((ours, m) => {
          ours.forEach((p, k) => {
            const [id, , want] = c.masks[m].top[k];
            if (p.token === id) relClose(p.score, want, golden.tolerance.score_rel);
            else expect(Math.abs(p.score - want)).toBeLessThanOrEqual(1e-6);  // a swap only between ties
          });
        });
      }
    });
  });

  describe('tiny-sentence-transformer', () => {
    const golden = loadGolden('tiny-sentence-transformer');
    let model;
    beforeAll(async () => (model = await BertModel.load(modelDir('tiny-sentence-transformer'), options)));
    afterAll(() => model?.dispose());

    test('embed() follows the folder: mean pooling, normalized, max_seq_length 256', async () => {
      expect(model.info.embedding).toEqual({ pooling: 'mean', normalize: true, maxLength: 256 });
      const { data, dims } = await model.embed(golden.cases.map((c) => c.text));
      expect(dims).toEqual([golden.cases.length, 64]);
      golden.cases.forEach((c, i) => {
        expect(maxAbsDiff(data.subarray(i * 64, (i + 1) * 64), c.sentence_embedding)).toBeLessThanOrEqual(golden.tolerance.embedding_abs);
      });
      const long = 'word '.repeat(600);
      const truncated = await model.encode(long);
      expect(truncated.tokens).toHaveLength(512);  // encode: the model's positions
      const pooledLong = await model.embed(long, { pooling: 'max', normalize: false });
      expect(pooledLong.dims).toEqual([1, 64]);
    });

    test('pooling options: cls, max and mean_sqrt_len from the hidden states', async () => {
      const c = golden.cases[0];
      const { lastHiddenState } = await model.encode(c.text);
      const [t, h] = lastHiddenState.dims;
      const column = (i) => Array.from({ length: t }, (_, r) => lastHiddenState.data[r * h + i]);
      const cls = await model.embed(c.text, { pooling: 'cls', normalize: false });
      const max = await model.embed(c.text, { pooling: 'max', normalize: false });
      const sqrt = await model.embed(c.text, { pooling: 'mean_sqrt_len', normalize: false });
      for (let i = 0; i < h; i++) {
        expect(cls.data[i]).toBe(lastHiddenState.data[i]);
        expect(max.data[i]).toBe(Math.max(...column(i)));
        expect(sqrt.data[i]).toBeCloseTo(column(i).reduce((a, b) => a + b, 0) / Math.sqrt(t), 5);
      }
      await bertError(model.embed('x', { pooling: 'sum' }), 'E_INVALID_ARGUMENT', /pooling must be/);
    });
  });
});

describe('pipeline()', () => {
  test('runs each task like its method and can be disposed', async () => {
    const seqcls = loadGolden('tiny-distilbert-sst2').cases[0];
    const classifier = await pipeline('sentiment-analysis', modelDir('tiny-distilbert-sst2'));
    expect(classifier.task).toBe('sentiment-analysis');
    expect(await classifier(seqcls.text)).toEqual([expect.objectContaining({ label: seqcls.scores[0].label })]);
    classifier.dispose();
    await bertError(classifier(seqcls.text), 'E_DISPOSED');

    const qa = loadGolden('tiny-qa').cases[0];
    const answerer = await pipeline('question-answering', modelDir('tiny-qa'));
    expect((await answerer(qa.question, qa.context))[0].answer).toBe(qa.answers[0].answer);
    answerer.dispose();

    await bertError(pipeline('fill-mask', modelDir('tiny-qa')), 'E_NO_HEAD', /BertForQuestionAnswering cannot run fill-mask/);
    await bertError(pipeline('summarization', modelDir('tiny-qa')), 'E_INVALID_ARGUMENT', /unknown task/);
  });
});
