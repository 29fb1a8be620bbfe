// The demo's task views in a real Chromium, each against its model's golden.json: label bars
// (classification), entity spans (NER), the marked answer (question answering), the cosine matrix
// (sentence similarity), fill-mask's attention from the predictions' own forward pass; deep links per
// task, the model picker, the task tabs, and a screenshot of every view.
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gotoDemo, openDemo, typeSentence, waitForResult } from './browser.js';

const models = fileURLToPath(new URL('../../../shared/models/', import.meta.url));
const goldens = (model) => JSON.parse(readFileSync(`${models}${model}/golden.json`, 'utf8')).cases;
const golden = (model, id) => goldens(model).find((c) => c.id === id);
const shots = fileURLToPath(new URL('../../build/e2e/', import.meta.url));
mkdirSync(shots, { recursive: true });

const expectClose = (actual, expected, rel = 1e-3) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));

// Replaces an input's value at once (one input event), as a paste would.
async function paste(page, selector, value) {
  await page.fill(selector, value);
}

const readLabels = (page) =>
  page.$$eval('#labels .label-score', (items) => items.map((i) => ({ label: i.dataset.label, score: Number(i.dataset.score) })));

function expectLabels(shown, c) {
  expect(shown.map((l) => l.label)).toEqual(c.scores.map((s) => s.label));
  shown.forEach((l, i) => expectClose(l.score, c.scores[i].score));
}

const readEntities = (page) =>
  page.$$eval('#entities mark.entity', (marks) =>
    marks.map((m) => ({
      entity: m.dataset.entity,
      score: Number(m.dataset.score),
      word: m.dataset.word,
      start: Number(m.dataset.start),
      end: Number(m.dataset.end),
      shown: m.querySelector('.span-text').textContent,
    })),
  );

// Groups, offsets and words exact; the golden writes "[UNK]" where Hugging Face's pipeline (and the API)
// give the text the unknown token covers.
function expectEntities(shown, c) {
  expect(shown.map(({ entity, start, end }) => ({ entity, start, end }))).toEqual(
    c.entities_simple.map(({ entity_group: entity, start, end }) => ({ entity, start, end })),
  );
  shown.forEach((e, i) => {
    const g = c.entities_simple[i];
    expect(e.word).toBe(g.word === '[UNK]' ? c.text.slice(g.start, g.end) : g.word);
    expect(e.shown).toBe(c.text.slice(e.start, e.end));
    expectClose(e.score, g.score);
  });
}

async function expectAnswers(page, c) {
  const marked = await page.$eval('#answer-context mark.answer', (m) => ({ text: m.textContent, start: Number(m.dataset.start), end: Number(m.dataset.end) }));
  const top = c.answers[0];
  expect(marked).toEqual({ text: top.answer, start: top.start, end: top.end });
  expect(await page.$eval('#answer-context', (p) => p.textContent)).toBe(c.context);
  const listed = await page.$$eval('#answers .answer-item', (items) =>
    items.map((i) => ({ answer: i.dataset.answer, score: Number(i.dataset.score), start: Number(i.dataset.start), end: Number(i.dataset.end) })),
  );
  expect(listed.map(({ answer, start, end }) => ({ answer, start, end }))).toEqual(c.answers.map(({ answer, start, end }) => ({ answer, start, end })));
  listed.forEach((a, i) => expectClose(a.score, c.answers[i].score));
}

const cosine = (a, b) => {
  let dot = 0, na = 0, nb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k] * b[k];
    na += a[k] * a[k];
    nb += b[k] * b[k];
  }
  return dot / Math.sqrt(na * nb);
};
// Mean pooling of a golden's last_hidden_state (every token counts: no padding).
const meanPooled = (c) => c.last_hidden_state[0].map((_, k) => c.last_hidden_state.reduce((sum, row) => sum + row[k], 0) / c.last_hidden_state.length);

// The matrix shown equals the cosines of the expected embeddings within 1e-3.
async function expectSimilarity(page, embeddings) {
  const cells = await page.$$eval('#similarity td', (tds) => tds.map((td) => ({ i: Number(td.dataset.i), j: Number(td.dataset.j), value: Number(td.dataset.value) })));
  expect(cells).toHaveLength(embeddings.length ** 2);
  for (const { i, j, value } of cells) expect(Math.abs(value - cosine(embeddings[i], embeddings[j]))).toBeLessThanOrEqual(1e-3);
}

const linkParams = (page) => Object.fromEntries(new URL(page.url()).searchParams);

let demo;
beforeAll(async () => {
  demo = await openDemo();
}, 90000);
afterAll(() => demo?.close());
afterEach(() => expect(demo.errors).toEqual([]));

describe('each task in its view, against the goldens', () => {
  test('text classification: label bars carry the golden scores, best first (BERT and DistilBERT)', async () => {
    const { page } = demo;
    const [first, ...rest] = goldens('tiny-seqcls');
    await gotoDemo(demo, { model: '/models/tiny-seqcls/' });
    // The example text is the golden's first case.
    await waitForResult(page, { task: 'text-classification', text: first.text });
    expectLabels(await readLabels(page), first);
    await page.screenshot({ path: `${shots}task-classification.png`, fullPage: true });
    for (const c of rest.filter((c) => !c.pair)) {
      await paste(page, '#sentence', c.text);
      expect(await waitForResult(page, { task: 'text-classification', text: c.text })).toBe('result');
      expectLabels(await readLabels(page), c);
    }

    const sst2 = golden('tiny-distilbert-sst2', 'neg');
    await gotoDemo(demo, { model: '/models/tiny-distilbert-sst2/', text: sst2.text });
    await waitForResult(page, { task: 'text-classification', text: sst2.text });
    expectLabels(await readLabels(page), sst2);
  }, 90000);

  test('NER: entity spans over the text with the golden groups, words, offsets and scores', async () => {
    const { page } = demo;
    const [first, ...rest] = goldens('tiny-ner');
    await gotoDemo(demo, { model: '/models/tiny-ner/' });
    await waitForResult(page, { task: 'token-classification', text: first.text });
    expectEntities(await readEntities(page), first);
    // The text between the spans is kept: the paragraph reads as the input.
    expect(await page.$eval('#entities', (p) => [...p.childNodes].map((n) => (n.nodeType === 3 ? n.textContent : n.querySelector('.span-text').textContent)).join(''))).toBe(first.text);
    await page.screenshot({ path: `${shots}task-ner.png`, fullPage: true });
    for (const c of rest) {  // subwords, CJK with an [UNK], tabs and newlines
      await paste(page, '#sentence', c.text);
      await waitForResult(page, { task: 'token-classification', text: c.text });
      expectEntities(await readEntities(page), c);
    }
  }, 90000);

  test('question answering: the best answer marked in the context, the top answers listed', async () => {
    const { page } = demo;
    const [first, second] = goldens('tiny-qa');
    await gotoDemo(demo, { model: '/models/tiny-qa/' });
    await waitForResult(page, { task: 'question-answering', question: first.question, context: first.context });
    await expectAnswers(page, first);
    await page.screenshot({ path: `${shots}task-qa.png`, fullPage: true });

    // Typing a new question and context: the latest input wins, and the address follows.
    await paste(page, '#context', second.context);
    await page.fill('#question', '');
    await page.type('#question', second.question, { delay: 5 });
    await waitForResult(page, { task: 'question-answering', question: second.question, context: second.context });
    await expectAnswers(page, second);
    expect(linkParams(page)).toEqual({ model: '/models/tiny-qa/', question: second.question, context: second.context });

    // Clicking another answer marks it instead.
    await page.click('#answers .answer-item[data-rank="2"] button');
    const marked = await page.$eval('#answer-context mark.answer', (m) => [Number(m.dataset.start), Number(m.dataset.end)]);
    expect(marked).toEqual([second.answers[1].start, second.answers[1].end]);
  }, 90000);

  test('question answering over a context longer than the model (windows), from a deep link', async () => {
    const c = golden('tiny-qa', 'long_context');
    await gotoDemo(demo, { model: '/models/tiny-qa/', question: c.question, context: c.context });
    await waitForResult(demo.page, { task: 'question-answering', question: c.question, context: c.context });
    await expectAnswers(demo.page, c);
  }, 90000);

  test('sentence similarity: the cosine matrix of the golden sentence embeddings (sentence-transformers)', async () => {
    const { page } = demo;
    const cases = goldens('tiny-sentence-transformer');
    const text = cases.map((c) => c.text).join('\n');
    await gotoDemo(demo, { model: '/models/tiny-sentence-transformer/', text });
    await waitForResult(page, { task: 'feature-extraction', text });
    await expectSimilarity(page, cases.map((c) => c.sentence_embedding));
    expect(await page.locator('#results-note').innerText()).toBe('64-dimensional embeddings, mean pooling, normalized.');
    expect(await page.isHidden('#task-tabs')).toBe(true);  // its only task
    expect(await page.isHidden('#attention-panel')).toBe(true);
    await page.screenshot({ path: `${shots}task-similarity.png`, fullPage: true });

    // One line is not enough: the page says so.
    await paste(page, '#sentences', cases[0].text);
    expect(await waitForResult(page, { task: 'feature-extraction', text: cases[0].text })).toBe('empty');
    expect(await page.locator('#results-note').innerText()).toMatch(/two or more sentences/);
  }, 90000);

  test('sentence similarity of a bare BertModel: mean-pooled golden hidden states', async () => {
    const cases = ['capital', 'no_mask', 'accents_cjk'].map((id) => golden('bare-random', id));
    const text = cases.map((c) => c.text).join('\n');
    await gotoDemo(demo, { model: '/models/bare-random/', text });
    await waitForResult(demo.page, { task: 'feature-extraction', text });
    await expectSimilarity(demo.page, cases.map(meanPooled));
  }, 90000);
});

describe('fill-mask', () => {
  test('predictions and attention come from one forward pass per input', async () => {
    const { page } = demo;
    // Record what the page asks the model worker.
    await page.addInitScript(() => {
      const post = Worker.prototype.postMessage;
      window.__calls = [];
      Worker.prototype.postMessage = function (message, ...rest) {
        if (message?.method) window.__calls.push({ method: message.method, options: message.args?.[1] });
        return post.call(this, message, ...rest);
      };
    });
    await gotoDemo(demo, { model: '/models/small-random/' });
    await waitForResult(page, { task: 'fill-mask', text: 'The capital of France is [MASK].' });
    await page.evaluate(() => (window.__calls.length = 0));
    const c = golden('small-random', 'model_card');
    const masks = await typeSentence(page, c.text);
    expect(masks[0].map((p) => p.token)).toEqual(c.masks[0].top.slice(0, 5).map((t) => t[1]));
    // Typing is debounced: at most one call per keystroke (one in all at this pace), each fillMask with
    // attentions, never a second pass (encode) for the attention view.
    const calls = await page.evaluate(() => window.__calls);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(c.text.length + 1);
    for (const call of calls) expect(call).toEqual({ method: 'fillMask', options: { topK: 5, outputAttentions: true } });
    // The attention row shown is a probability distribution over the golden's tokens, from [MASK].
    const chips = await page.$$eval('#attention-tokens button', (b) => b.map((x) => ({ token: x.textContent, p: Number(x.dataset.attention), query: x.classList.contains('query') })));
    expect(chips.map((x) => x.token)).toEqual(c.tokens);
    expect(chips.findIndex((x) => x.query)).toBe(c.masks[0].position);
    expect(Math.abs(chips.reduce((sum, x) => sum + x.p, 0) - 1)).toBeLessThan(1e-4);
    // Another layer and head redraw from the same result, without asking the worker.
    await page.selectOption('#layer', '0');
    await page.selectOption('#head', '2');
    const row = await page.$$eval('#attention-tokens button', (b) => b.map((x) => Number(x.dataset.attention)));
    expect(row).not.toEqual(chips.map((x) => x.p));
    expect(await page.evaluate(() => window.__calls.length)).toBe(calls.length);
    await page.screenshot({ path: `${shots}task-fill-mask.png`, fullPage: true });
  }, 90000);

  test('a fill-mask model also offers sentence similarity, and the tab is a deep link', async () => {
    const { page } = demo;
    const cases = ['capital', 'no_mask'].map((id) => golden('small-random', id));
    const text = cases.map((c) => c.text).join('\n');
    await gotoDemo(demo, { model: '/models/small-random/', text: 'Paris is the [MASK] of France.' });
    await waitForResult(page, { task: 'fill-mask', text: 'Paris is the [MASK] of France.' });
    expect(await page.$$eval('#task-tabs .tab', (tabs) => tabs.map((t) => t.textContent))).toEqual(['Fill-mask', 'Similarity']);
    await page.click('#task-tabs .tab[data-task="feature-extraction"]');
    await paste(page, '#sentences', text);
    await waitForResult(page, { task: 'feature-extraction', text });
    await expectSimilarity(page, cases.map(meanPooled));
    expect(await page.isHidden('#attention-panel')).toBe(true);
    expect(linkParams(page)).toEqual({ model: '/models/small-random/', task: 'feature-extraction', text });

    // Back on fill-mask, its own sentence is still there.
    await page.click('#task-tabs .tab[data-task="fill-mask"]');
    await waitForResult(page, { task: 'fill-mask', text: 'Paris is the [MASK] of France.' });
    expect(await page.isVisible('#attention-panel')).toBe(true);

    // The similarity address opens on that tab.
    await gotoDemo(demo, { model: '/models/small-random/', task: 'feature-extraction', text });
    await waitForResult(page, { task: 'feature-extraction', text });
    expect(await page.$eval('#task-tabs .tab[aria-selected="true"]', (t) => t.dataset.task)).toBe('feature-extraction');
  }, 90000);
});

describe('links and models', () => {
  test.each([
    ['tiny-ner', { text: golden('tiny-ner', 'leaders').text }],
    ['tiny-qa', { question: golden('tiny-qa', 'who').question, context: golden('tiny-qa', 'who').context }],
    ['small-random', { text: golden('small-random', 'two_masks').text }],
  ])('a deep link opens %s on its input', async (model, input) => {
    const { page } = demo;
    await gotoDemo(demo, { model: `/models/${model}/`, ...input });
    expect(new URL(page.url()).pathname).toBe('/');
    const task = { 'tiny-ner': 'token-classification', 'tiny-qa': 'question-answering', 'small-random': 'fill-mask' }[model];
    expect(await waitForResult(page, { task, ...input })).toBe('result');
    expect(linkParams(page)).toEqual({ model: `/models/${model}/`, ...input });
    if (model === 'tiny-ner') expectEntities(await readEntities(page), golden('tiny-ner', 'leaders'));
    if (model === 'tiny-qa') await expectAnswers(page, goldens('tiny-qa').find((c) => c.question === input.question));
    if (model === 'small-random') expect(await page.$$eval('.mask-card', (cards) => cards.length)).toBe(2);
  }, 90000);

  test('the picker names every model with its task, and picking one switches the view', async () => {
    const { page } = demo;
    await gotoDemo(demo, { model: '/models/tiny-ner/' });
    const options = await page.$$eval('#model-select option', (o) => o.map((x) => x.textContent));
    for (const name of ['small-random — fill-mask', 'tiny-distilbert — fill-mask', 'tiny-seqcls — text classification',
      'tiny-distilbert-sst2 — text classification', 'tiny-ner — NER', 'tiny-qa — question answering',
      'tiny-sentence-transformer — embeddings', 'bare-random — embeddings']) {
      expect(options).toContain(name);
    }
    await page.selectOption('#model-select', '/models/tiny-seqcls/');
    await page.waitForSelector('body[data-model="/models/tiny-seqcls/"][data-state="ready"]', { timeout: 60000 });
    const c = goldens('tiny-seqcls')[0];
    await waitForResult(page, { task: 'text-classification', text: c.text });
    expectLabels(await readLabels(page), c);
    expect(await page.isHidden('[data-view="token-classification"]')).toBe(true);
  }, 90000);

  test('every view fits a phone-sized viewport', async () => {
    const { page } = demo;
    await page.setViewportSize({ width: 375, height: 740 });
    try {
      for (const model of ['tiny-seqcls', 'tiny-ner', 'tiny-qa', 'tiny-sentence-transformer']) {
        await gotoDemo(demo, { model: `/models/${model}/` });
        await page.waitForSelector('#results-panel[data-outcome="result"]', { timeout: 60000 });
        expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      }
      await page.screenshot({ path: `${shots}task-similarity-phone.png`, fullPage: true });
    } finally {
      await page.setViewportSize({ width: 1200, height: 900 });
    }
  }, 90000);
});
