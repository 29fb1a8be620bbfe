// The demo page: the loaded model's tasks, each with its own input and view. Fill-mask (ranked predictions
// and the attention of the same forward pass), text classification (label bars), NER (entity spans over the
// text), question answering (the answer marked in the context) and sentence similarity (a cosine matrix).
// All inference runs in a Web Worker (BertWorkerModel), so typing never freezes the page; the latest
// input wins.
import { BertWorkerModel } from './dist/worker-client.js';

const $ = (id) => document.getElementById(id);
const MASK = '[MASK]';
const HUGGING_FACE_BERT = 'https://huggingface.co/google-bert/bert-base-uncased/resolve/main/';

const splitLines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);
const percent = (p) => `${(100 * p).toFixed(1)}%`;

// One view per pipeline task, in the order of the task tabs. `input` names the input block; examples
// are the first cases of the shared task goldens.
const VIEWS = {
  'fill-mask': {
    tab: 'Fill-mask',
    picker: 'fill-mask',
    input: 'text-input',
    title: 'Sentence',
    results: 'Predictions',
    help: 'Type a sentence with [MASK]: the predictions update as you type.',
    example: { text: 'The capital of France is [MASK].' },
    empty: ({ text }) => (text.includes(MASK) ? null : 'Add a [MASK] to see predictions.'),
    run: (model, { text }) => model.fillMask(text, { topK: 5, outputAttentions: true }),
    tokens: (result) => result.tokens.length,
    render: renderFillMask,
  },
  'text-classification': {
    tab: 'Classification',
    picker: 'text classification',
    input: 'text-input',
    title: 'Text',
    results: 'Labels',
    help: 'The model scores every label of the text.',
    example: { text: 'I absolutely loved this movie, the acting was wonderful!' },
    empty: ({ text }) => (text.trim() ? null : 'Type a text to classify.'),
    run: (model, { text }) => model.classify(text, { topK: null }),
    render: renderLabels,
  },
  'token-classification': {
    tab: 'Entities',
    picker: 'NER',
    input: 'text-input',
    title: 'Text',
    results: 'Entities',
    help: 'Named entities are marked in the text with their group and score.',
    example: { text: 'Wolfgang Amadeus Mozart lived in Salzburg and Vienna.' },
    empty: ({ text }) => (text.trim() ? null : 'Type a text to find its entities.'),
    run: (model, { text }) => model.classifyTokens(text),
    render: renderEntities,
  },
  'question-answering': {
    tab: 'Question answering',
    picker: 'question answering',
    input: 'qa-input',
    title: 'Question and context',
    results: 'Answers',
    help: 'The answer is a span of the context; long contexts are read in overlapping windows.',
    example: {
      question: 'What is the capital of France?',
      context: 'Paris is the capital and most populous city of France, with an estimated population of over two million residents.',
    },
    empty: ({ question, context }) => (question.trim() && context.trim() ? null : 'Type a question and a context.'),
    run: (model, { question, context }) => model.answer(question, context, { topK: 3 }),
    render: renderAnswers,
  },
  'feature-extraction': {
    tab: 'Similarity',
    picker: 'embeddings',
    input: 'sentences-input',
    title: 'Sentences',
    results: 'Cosine similarity',
    help: 'One sentence per line: each is embedded, and every pair compared.',
    example: { text: 'A man is eating food.\nA man is eating a piece of bread.\nThe girl is carrying a baby.\nA man is riding a horse.' },
    empty: ({ text }) => (splitLines(text).length >= 2 ? null : 'Type two or more sentences, one per line.'),
    run: (model, { text }) => model.embed(splitLines(text)),
    render: renderSimilarity,
  },
};
const TASK_ORDER = Object.keys(VIEWS);

const state = {
  model: null,       // the BertWorkerModel in use
  modelName: '',
  modelUrl: null,    // its URL when it came from one (deep links name it)
  source: null,      // what it was loaded from (a URL or files), to load again in another dtype
  dtype: undefined,  // the weights' form picked ('fp32' or 'q8'); unset: as the checkpoint is
  weightBytes: 0,
  loading: false,
  loadId: 0,         // the latest load wins
  predictId: 0,      // the latest input wins
  task: null,        // the task shown
  primary: null,     // the loaded model's own task (its head's)
  inputs: Object.fromEntries(TASK_ORDER.map((t) => [t, { ...VIEWS[t].example }])),  // each task keeps its input
  link: null,        // the deep link's task and inputs, applied when its model has loaded
  choices: [],       // the picker's models: {name, url, task?}
  attention: null,   // {tokens, attentions} of the last fill-mask
  query: 0,          // token index whose attention is shown
  lastMs: null,
  lastTokens: null,
};

const formatBytes = (n) =>
  n === undefined ? '?' : n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : n < 1e9 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e9).toFixed(2)} GB`;

function setState(name) {
  document.body.dataset.state = name;
}
const settle = () => setState(state.loading ? 'loading' : state.model ? 'ready' : 'error');

function showError(element, message) {
  element.textContent = message ?? '';
  element.hidden = !message;
}

const element = (tag, className, text) => {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
};

// ---- model loading ------------------------------------------------------------------------------

async function loadModel(source, name) {
  const loadId = ++state.loadId;
  state.loading = true;
  setState('loading');
  showError($('model-error'), null);
  $('progress').hidden = false;
  $('progress-fill').style.width = '0';
  $('progress-text').textContent = '';
  let total;
  const onProgress = ({ loaded, total: t }) => {
    if (loadId !== state.loadId) return;
    total = t;
    $('progress-fill').style.width = t ? `${(100 * loaded) / t}%` : '100%';
    $('progress-text').textContent = `${formatBytes(loaded)} / ${formatBytes(t)}`;
  };
  try {
    const model = await BertWorkerModel.load(source, { onProgress, dtype: state.dtype });
    if (loadId !== state.loadId) return model.dispose();  // a newer load started meanwhile
    state.model?.dispose();
    const url = typeof source === 'string' ? source : null;
    const tasks = viewsOf(model.info);
    const primary = tasks[0];
    const task = state.link?.task && tasks.includes(state.link.task) ? state.link.task : primary;
    Object.assign(state, { model, modelName: name, modelUrl: url, source, weightBytes: total, primary, loading: false });
    $('dtype-select').value = model.info.dtype;
    document.body.dataset.model = url ?? '';
    if (url) selectModelOption(url, name, primary);
    applyLink(task);
    state.link = null;
    renderModelInfo();
    setTask(task);
    setState('ready');
    predict();
  } catch (error) {
    if (loadId !== state.loadId) return;
    state.loading = false;
    const keep = state.model ? ` Still using ${state.modelName}.` : '';
    showError($('model-error'), `Could not load ${name}: ${error.message} (${error.code ?? 'error'}).${keep}`);
    if (state.model) $('dtype-select').value = state.dtype = state.model.info.dtype;
    settle();
  } finally {
    if (loadId === state.loadId) $('progress').hidden = true;
  }
}

// The page's views a model can run, its own task first (feature extraction is every model's fallback).
const viewsOf = (info) => TASK_ORDER.filter((t) => info.tasks.includes(t));

const optionText = (name, task) => (VIEWS[task] ? `${name} — ${VIEWS[task].picker}` : name);

function fillModelSelect() {
  $('model-select').replaceChildren(
    ...state.choices.map((c) => {
      const option = new Option(optionText(c.name, c.task), c.url);
      option.dataset.name = c.name;
      if (c.task) option.dataset.task = c.task;
      return option;
    }),
  );
}

// Shows the loaded model in the picker, adding it when it came from a link or the URL field.
function selectModelOption(url, name, task) {
  const select = $('model-select');
  let option = [...select.options].find((o) => o.value === url);
  if (!option) {
    select.append((option = new Option('', url)));
    option.dataset.name = name;
  }
  option.dataset.task = task;
  option.textContent = optionText(option.dataset.name, task);
  select.value = url;
}

function renderModelInfo() {
  const { config: c, architecture, labels, heads, dtype } = state.model.info;
  // Matrices (q8 keeps them in 8 bits) and the position and token-type embeddings (always f32).
  const matrices = c.vocabSize * c.hiddenSize + c.numLayers * (4 * c.hiddenSize * c.hiddenSize + 2 * c.hiddenSize * c.intermediateSize);
  const embeddings = (c.maxPositions + c.typeVocabSize) * c.hiddenSize;
  const memory = { fp32: 4 * (matrices + embeddings), q8: matrices + 4 * embeddings };
  const labelText = heads.classification ? `; labels ${labels.join(', ')}` : heads.tokenClassification ? `; ${labels.length} token labels` : '';
  $('model-info').textContent =
    `${state.modelName} (${architecture}): ${c.numLayers} layers, hidden ${c.hiddenSize}, ${c.numHeads} heads, ` +
    `intermediate ${c.intermediateSize}, ≈${((matrices + embeddings) / 1e6).toFixed(1)}M parameters; ` +
    `download ${formatBytes(state.weightBytes)}; weights in memory ≈${formatBytes(memory[dtype])} as ${dtype} ` +
    `(${dtype === 'q8' ? `fp32: ${formatBytes(memory.fp32)}` : `q8: ${formatBytes(memory.q8)}`})${labelText}`;
  $('model-info').dataset.dtype = dtype;
  fillSelect($('layer'), c.numLayers, c.numLayers - 1);
  fillSelect($('head'), c.numHeads, 0);
  renderStatus();
}

function fillSelect(select, count, selected) {
  select.replaceChildren(...Array.from({ length: count }, (_, i) => new Option(String(i + 1), String(i), false, i === selected)));
}

// Model files dropped or picked: matched by name.
function loadFiles(fileList) {
  const byName = Object.fromEntries([...fileList].map((f) => [f.name, f]));
  const source = {
    config: byName['config.json'],
    vocab: byName['vocab.txt'],
    tokenizer: byName['tokenizer.json'],
    tokenizerConfig: byName['tokenizer_config.json'],
    weights: byName['model.safetensors'],
  };
  const missing = [
    !source.config && 'config.json',
    !source.vocab && !source.tokenizer && 'vocab.txt',
    !source.weights && 'model.safetensors',
  ].filter(Boolean);
  if (missing.length) {
    const got = [...fileList].map((f) => f.name).join(', ') || 'nothing';
    showError($('model-error'), `Missing ${missing.join(', ')} (got ${got}). Drop config.json, vocab.txt and model.safetensors together.`);
    return;
  }
  loadModel(source, `local files (${source.weights.name})`);
}

// ---- tasks: inputs, tabs --------------------------------------------------------------------------

function readInput(task) {
  if (VIEWS[task].input === 'qa-input') return { question: $('question').value, context: $('context').value };
  return { text: (VIEWS[task].input === 'sentences-input' ? $('sentences') : $('sentence')).value };
}

function writeInput(task, input) {
  if (VIEWS[task].input === 'qa-input') {
    $('question').value = input.question;
    $('context').value = input.context;
  } else {
    (VIEWS[task].input === 'sentences-input' ? $('sentences') : $('sentence')).value = input.text;
  }
}

// A deep link's inputs go to the task they fit: question and context to question answering, text to the others.
function applyLink(task) {
  if (!state.link || state.link.applied?.includes(task)) return;  // once per task: typing meanwhile wins
  state.link.applied = [...(state.link.applied ?? []), task];
  const { text, question, context } = state.link;
  if (VIEWS[task].input === 'qa-input') {
    if (question !== undefined || context !== undefined) {
      state.inputs[task] = { question: question ?? '', context: context ?? '' };
    }
  } else if (text !== undefined) {
    state.inputs[task] = { text };
  }
  if (state.task === task) writeInput(task, state.inputs[task]);
}

function setTask(task) {
  if (state.task) state.inputs[state.task] = readInput(state.task);
  state.task = task;
  const view = VIEWS[task];
  document.body.dataset.task = task;
  for (const block of document.querySelectorAll('.task-input')) block.hidden = block.id !== view.input;
  writeInput(task, state.inputs[task]);
  $('mask-tools').hidden = task !== 'fill-mask';
  $('input-title').textContent = view.title;
  $('input-help').textContent = view.help;
  $('results-title').textContent = view.results;
  for (const v of document.querySelectorAll('.task-view')) v.hidden = v.dataset.view !== task;
  $('attention-panel').hidden = task !== 'fill-mask';
  $('results-panel').classList.toggle('wide', task !== 'fill-mask');
  showError($('text-error'), null);
  clearResults();
  renderTabs();
  if (task === 'fill-mask') renderWords();
}

function renderTabs() {
  const tasks = state.model ? viewsOf(state.model.info) : [];
  $('task-tabs').hidden = tasks.length < 2;
  $('task-tabs').replaceChildren(
    ...tasks.map((t) => {
      const tab = element('button', 'tab', VIEWS[t].tab);
      tab.type = 'button';
      tab.dataset.task = t;
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-selected', String(t === state.task));
      tab.onclick = () => {
        if (t === state.task) return;
        setTask(t);
        predict();
      };
      return tab;
    }),
  );
}

// ---- running a task -------------------------------------------------------------------------------

let debounce;
function schedulePredict() {
  if (state.task === 'fill-mask') renderWords();
  clearTimeout(debounce);
  debounce = setTimeout(predict, 250);
}

async function predict() {
  clearTimeout(debounce);
  const task = state.task;
  const model = state.model;
  const input = readInput(task);
  if (task === 'fill-mask') renderWords();
  if (!model) return;
  syncUrl(task, input);
  const id = ++state.predictId;
  const view = VIEWS[task];
  showError($('text-error'), null);
  const message = view.empty(input);
  if (message) {
    clearResults(message);
    markOutcome(task, input, 'empty');
    settle();
    return;
  }
  setState('predicting');
  try {
    const started = performance.now();
    const result = await view.run(model, input);
    const ms = performance.now() - started;
    if (id !== state.predictId || task !== state.task) return;
    $('results-note').hidden = true;
    view.render(input, result);
    markOutcome(task, input, 'result');
    Object.assign(state, { lastMs: ms, lastTokens: view.tokens?.(result) ?? null });
    renderStatus();
    settle();
  } catch (error) {
    if (id !== state.predictId) return;
    clearResults();
    showError($('text-error'), `${error.message} (${error.code ?? 'error'})`);
    markOutcome(task, input, 'error');
    settle();
  }
}

// The results panel says which input it shows and how that ended (result, empty, error): tests and
// scripts wait on these.
function markOutcome(task, input, outcome) {
  const panel = $('results-panel');
  for (const key of ['text', 'question', 'context']) delete panel.dataset[key];
  Object.assign(panel.dataset, { task, outcome }, input);
}

function clearResults(message) {
  for (const id of ['completed', 'predictions', 'labels', 'entities', 'entity-legend', 'answer-context', 'answers', 'similarity', 'most-similar']) {
    $(id).replaceChildren();
  }
  $('results-note').textContent = message ?? '';
  $('results-note').hidden = !message;
  delete $('results-panel').dataset.outcome;
}

// ---- fill-mask ----------------------------------------------------------------------------------

function renderFillMask({ text }, { predictions, tokens, attentions }) {
  renderPredictions(text, predictions);
  state.attention = { tokens, attentions };
  state.query = Math.max(0, tokens.indexOf(MASK));
  renderAttention();
}

function renderPredictions(text, masks) {
  const cards = masks.map((predictions, m) => {
    const card = element('div', 'mask-card');
    const title = element('h3', '', masks.length > 1 ? `[MASK] ${m + 1}` : '[MASK]');
    const list = document.createElement('ol');
    for (const p of predictions) {
      const item = element('li', 'prediction');
      item.dataset.token = p.tokenStr;
      item.dataset.score = String(p.score);
      item.append(element('span', 'token', p.tokenStr), element('span', 'score', percent(p.score)), bar(p.score / predictions[0].score));
      list.append(item);
    }
    card.append(title, list);
    return card;
  });
  $('predictions').replaceChildren(...cards);

  // The sentence with each mask's best token, marked; WordPiece continuations join the word before.
  const parts = text.split(MASK);
  const nodes = [parts[0]];
  parts.slice(1).forEach((part, i) => {
    const best = masks[i]?.[0]?.tokenStr;
    if (!best) return nodes.push(MASK, part);
    if (best.startsWith('##') && typeof nodes.at(-1) === 'string') nodes.push(nodes.pop().replace(/\s+$/, ''));
    nodes.push(element('mark', '', best.replace(/^##/, '')), part);
  });
  $('completed').replaceChildren(...nodes);
}

function bar(fraction) {
  const outer = element('div', 'bar');
  const inner = document.createElement('div');
  inner.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  outer.append(inner);
  return outer;
}

// The sentence's words: click one to mask it.
function renderWords() {
  const text = $('sentence').value;
  const words = [...text.matchAll(/\S+/g)];
  $('words').replaceChildren(
    ...words.map((match) => {
      const button = element('button', '', match[0]);
      button.type = 'button';
      if (match[0].includes(MASK)) {
        button.className = 'mask';
        button.disabled = true;
      }
      // Mask the word's letters and digits, keeping punctuation around it ("France." -> "[MASK].").
      button.onclick = () => {
        const core = match[0].match(/[\p{L}\p{N}'’-]+/u);
        if (!core) return;
        const start = match.index + core.index;
        $('sentence').value = text.slice(0, start) + MASK + text.slice(start + core[0].length);
        schedulePredict();
      };
      return button;
    }),
  );
}

function insertMask() {
  const box = $('sentence');
  const { selectionStart: start, selectionEnd: end, value } = box;
  const before = value.slice(0, start);
  const after = value.slice(end);
  const insert = (before && !/\s$/.test(before) ? ' ' : '') + MASK + (after && !/^[\s.,!?;:]/.test(after) ? ' ' : '');
  box.value = before + insert + after;
  box.focus();
  box.selectionStart = box.selectionEnd = before.length + insert.length;
  schedulePredict();
}

function renderAttention() {
  const a = state.attention;
  if (!a?.attentions) return;
  const [, heads, t] = a.attentions.dims;
  const layer = Number($('layer').value);
  const head = Number($('head').value);
  const matrix = a.attentions.data.subarray((layer * heads + head) * t * t, (layer * heads + head + 1) * t * t);
  const row = matrix.subarray(state.query * t, (state.query + 1) * t);
  const rowMax = Math.max(...row);
  $('query-token').textContent = a.tokens[state.query];

  $('attention-tokens').replaceChildren(
    ...a.tokens.map((token, j) => {
      const button = element('button', j === state.query ? 'query' : '', token);
      button.type = 'button';
      button.title = `attention ${percent(row[j])}`;
      button.dataset.attention = String(row[j]);
      button.style.background = `rgb(49 96 216 / ${(row[j] / rowMax).toFixed(3)})`;
      button.style.color = row[j] / rowMax > 0.55 ? '#fff' : '';
      button.onclick = () => {
        state.query = j;
        renderAttention();
      };
      return button;
    }),
  );

  // The whole head as a T x T heatmap (rows: from, columns: to), one pixel per cell scaled up, the
  // chosen row outlined. Pixels are written directly: per-cell drawing stalls the page at 512 tokens.
  const pixels = new ImageData(t, t);
  for (let k = 0; k < t * t; k++) {
    const v = matrix[k];
    pixels.data.set([255 - 206 * v, 255 - 159 * v, 255 - 39 * v, 255], 4 * k);
  }
  const cells = document.createElement('canvas');
  cells.width = cells.height = t;
  cells.getContext('2d').putImageData(pixels, 0, 0);
  const canvas = $('attention-map');
  const cell = Math.max(1, Math.floor(360 / t));
  canvas.width = canvas.height = cell * t;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(cells, 0, 0, cell * t, cell * t);
  ctx.strokeStyle = '#e4572e';
  ctx.lineWidth = 2;
  ctx.strokeRect(1, state.query * cell + 1, t * cell - 2, Math.max(cell - 2, 1));
}

// ---- text classification -------------------------------------------------------------------------

function renderLabels(input, labels) {
  if (state.model.info.multiLabel) {
    $('results-note').textContent = 'Multi-label model: each score is an independent sigmoid.';
    $('results-note').hidden = false;
  }
  $('labels').replaceChildren(
    ...labels.map(({ label, score }, i) => {
      const item = element('li', i === 0 ? 'label-score best' : 'label-score');
      item.dataset.label = label;
      item.dataset.score = String(score);
      item.append(element('span', 'label', label), element('span', 'score', percent(score)), bar(score));
      return item;
    }),
  );
}

// ---- token classification (NER) -----------------------------------------------------------------

function renderEntities({ text }, entities) {
  const nodes = [];
  let cursor = 0;
  for (const e of [...entities].sort((a, b) => a.start - b.start)) {
    if (e.start < cursor) continue;  // groups never overlap; be safe anyway
    nodes.push(text.slice(cursor, e.start));
    const mark = element('mark', 'entity');
    Object.assign(mark.dataset, { entity: e.entity, score: String(e.score), start: String(e.start), end: String(e.end), word: e.word });
    mark.title = `${e.entity} · ${percent(e.score)} · ${e.word}`;
    mark.append(element('span', 'span-text', text.slice(e.start, e.end)), element('span', 'tag', `${e.entity} ${e.score.toFixed(2)}`));
    nodes.push(mark);
    cursor = e.end;
  }
  nodes.push(text.slice(cursor));
  $('entities').replaceChildren(...nodes);

  const groups = [...new Set(state.model.info.labels.filter((l) => l !== 'O').map((l) => l.replace(/^[BIES]-/, '')))];
  const legend = groups.map((g) => {
    const chip = element('mark', 'entity legend-chip', g);
    chip.dataset.entity = g;
    return chip;
  });
  $('entity-legend').replaceChildren(
    entities.length ? `${entities.length} entit${entities.length === 1 ? 'y' : 'ies'}. Groups: ` : 'No entities found. Groups: ',
    ...legend,
  );
}

// ---- question answering ---------------------------------------------------------------------------

function renderAnswers({ context }, answers) {
  const show = (i) => {
    const a = answers[i];
    const mark = element('mark', 'answer', context.slice(a.start, a.end));
    Object.assign(mark.dataset, { start: String(a.start), end: String(a.end), rank: String(i + 1) });
    $('answer-context').replaceChildren(context.slice(0, a.start), mark, context.slice(a.end));
    for (const item of $('answers').children) item.classList.toggle('shown', Number(item.dataset.rank) === i + 1);
  };
  if (!answers.length) {
    $('answer-context').replaceChildren(context);
    $('results-note').textContent = 'No answer found in the context.';
    $('results-note').hidden = false;
    return;
  }
  $('answers').replaceChildren(
    ...answers.map((a, i) => {
      const item = element('li', 'answer-item');
      Object.assign(item.dataset, { answer: a.answer, score: String(a.score), start: String(a.start), end: String(a.end), rank: String(i + 1) });
      const button = element('button', 'answer-text', a.answer || '(no answer)');
      button.type = 'button';
      button.title = 'Mark this answer in the context';
      button.onclick = () => show(i);
      item.append(button, element('span', 'score', percent(a.score)), element('span', 'where', `characters ${a.start}–${a.end}`));
      return item;
    }),
  );
  show(0);
}

// ---- sentence similarity --------------------------------------------------------------------------

function renderSimilarity({ text }, { data, dims }) {
  const sentences = splitLines(text);
  const [n, width] = dims;
  const rows = Array.from({ length: n }, (_, i) => data.subarray(i * width, (i + 1) * width));
  const norms = rows.map((r) => Math.hypot(...r));
  const cosine = (i, j) => {
    let dot = 0;
    for (let k = 0; k < width; k++) dot += rows[i][k] * rows[j][k];
    return dot / (norms[i] * norms[j] || 1);
  };
  const matrix = rows.map((_, i) => rows.map((__, j) => (i === j ? 1 : cosine(i, j))));

  const { pooling, normalize } = state.model.info.embedding;
  $('results-note').textContent = `${width}-dimensional embeddings, ${pooling} pooling${normalize ? ', normalized' : ''}.`;
  $('results-note').hidden = false;

  // Colour: from the least similar pair (light) to the most similar (dark), so that close scores still differ.
  const others = matrix.flatMap((row, i) => row.filter((_, j) => j !== i));
  const lo = Math.min(...others);
  const hi = Math.max(...others);
  const shade = (v) => (hi - lo > 1e-6 ? (v - lo) / (hi - lo) : 1);

  const head = document.createElement('tr');
  head.append(element('th'), ...sentences.map((_, j) => element('th', 'col', String(j + 1))));
  const body = sentences.map((sentence, i) => {
    const tr = document.createElement('tr');
    const th = element('th', 'sentence');
    th.scope = 'row';
    th.title = sentence;
    th.append(element('span', 'index', String(i + 1)), element('span', 'sentence-text', sentence));
    tr.append(th);
    for (let j = 0; j < n; j++) {
      const v = matrix[i][j];
      const td = element('td', i === j ? 'self' : '', v.toFixed(2));
      Object.assign(td.dataset, { i: String(i), j: String(j), value: String(v) });
      td.title = `${i + 1} · ${j + 1}: ${v.toFixed(4)}`;
      if (i !== j) {
        const strength = shade(v);
        td.style.background = `rgb(49 96 216 / ${(0.1 + 0.8 * strength).toFixed(3)})`;
        if (strength > 0.55) td.style.color = '#fff';
      }
      tr.append(td);
    }
    return tr;
  });
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  tbody.append(...body);
  $('similarity').replaceChildren(thead, tbody);

  let best = null;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (!best || matrix[i][j] > best.v) best = { i, j, v: matrix[i][j] };
  $('most-similar').textContent = best
    ? `Most similar: ${best.i + 1} and ${best.j + 1} (${best.v.toFixed(3)}). Shades run from the least similar pair (${lo.toFixed(3)}) to the most similar.`
    : '';
}

// ---- status line and deep links -----------------------------------------------------------------

const ENGINES = {
  simd: 'WebAssembly SIMD',
  'simd-threads': 'WebAssembly SIMD + threads',
  relaxed: 'WebAssembly relaxed SIMD',
  'relaxed-threads': 'WebAssembly relaxed SIMD + threads',
};

function renderStatus() {
  const info = state.model?.info;
  const isolated = globalThis.crossOriginIsolated === true;
  const last =
    state.lastMs === null ? '–'
    : state.lastTokens ? `${state.lastMs.toFixed(0)} ms, ${((1000 * state.lastTokens) / state.lastMs).toFixed(0)} tokens/s`
    : `${state.lastMs.toFixed(0)} ms`;
  const items = [
    ['engine', info ? ENGINES[info.variant] : '…'],
    ['weights', info ? info.dtype : '…'],
    ['kernel', info ? info.gemm : '…'],  // the matrix kernel this engine and these weights run
    ['threads', info ? String(info.threads) : '…'],
    ['cross-origin isolated', isolated ? 'yes' : 'no (no COOP/COEP from the host or a service worker: single-threaded)'],
    ['last inference', last],
  ];
  $('status').replaceChildren(
    ...items.map(([label, value]) => {
      const span = element('span');
      span.dataset.field = label;
      span.append(`${label}: `, element('strong', '', value));
      return span;
    }),
  );
}

// Keeps the address a deep link to what is shown: ?model=…&task=…&text=… (fill-mask, classification,
// NER; similarity: one sentence per line) or &question=…&context=… (question answering). The task is
// named only when it is not the model's own.
function syncUrl(task, input) {
  const params = new URLSearchParams();
  if (state.modelUrl) params.set('model', state.modelUrl);
  if (state.dtype) params.set('dtype', state.dtype);
  if (task !== state.primary) params.set('task', task);
  for (const [key, value] of Object.entries(input)) params.set(key, value);
  history.replaceState(null, '', `?${params}`);
}

// Threads need cross-origin isolation, which needs COOP/COEP headers. The service worker (sw.js) adds them
// where the host cannot, and keeps the app for offline visits. On the first visit it takes control of the
// page only after the page has loaded without the headers: the page reloads once then, and says so (true).
// A browser without service workers (or a host not on https) runs the single-threaded build.
async function isolateWithServiceWorker() {
  if (!navigator.serviceWorker) return false;
  const takesControl = !crossOriginIsolated && !navigator.serviceWorker.controller
    ? new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }))
    : null;
  let active;
  try {
    active = (await navigator.serviceWorker.getRegistration())?.active;
    await navigator.serviceWorker.register('sw.js');
  } catch {
    return false;
  }
  if (navigator.serviceWorker.controller) sessionStorage.removeItem('bert-wasm-reloaded');
  if (!takesControl) return false;
  // A hard reload bypasses a worker that is already active, and it will not take control again: reload
  // once more (at most once, in case it never can).
  if (active) {
    if (sessionStorage.getItem('bert-wasm-reloaded')) return false;
    sessionStorage.setItem('bert-wasm-reloaded', '1');
    location.reload();
    return true;
  }
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000));
  if ((await Promise.race([takesControl, timeout])) === 'timeout') return false;
  location.reload();
  return true;
}

async function start() {
  renderStatus();
  if (await isolateWithServiceWorker()) return;
  const params = new URLSearchParams(location.search);
  const link = {};
  for (const key of ['task', 'text', 'question', 'context']) if (params.has(key)) link[key] = params.get(key);
  state.link = link;
  if (['fp32', 'q8'].includes(params.get('dtype'))) state.dtype = params.get('dtype');

  // The server (npm run demo) names the default model and lists the local ones; on a plain static host,
  // bert-base-uncased.
  const defaults = await fetch('default-model.json')
    .then((r) => (r.ok ? r.json() : null))
    .catch(() => null) ?? { url: HUGGING_FACE_BERT, name: 'bert-base-uncased', task: 'fill-mask', models: [] };
  const listed = [...defaults.models].sort((a, b) => TASK_ORDER.indexOf(a.task) - TASK_ORDER.indexOf(b.task) || a.name.localeCompare(b.name));
  const choices = [
    { name: defaults.name, url: defaults.url, task: defaults.task },
    ...listed,
    { name: 'bert-base-uncased (Hugging Face)', url: HUGGING_FACE_BERT, task: 'fill-mask' },
  ];
  state.choices = choices.filter((c, i) => choices.findIndex((d) => d.url === c.url) === i);
  fillModelSelect();

  // Until the model has loaded, show the task it most likely has, with the link's inputs in place.
  const url = params.get('model') ?? defaults.url;
  const known = state.choices.find((c) => c.url === url);
  const guess = VIEWS[link.task] ? link.task : VIEWS[known?.task] ? known.task : 'fill-mask';
  applyLink(guess);
  setTask(guess);
  if (known) $('model-select').value = url;

  $('model-select').onchange = () => {
    const option = $('model-select').selectedOptions[0];
    loadModel(option.value, option.dataset.name ?? option.text);
  };
  $('dtype-select').onchange = () => {
    state.dtype = $('dtype-select').value;
    if (state.source) loadModel(state.source, state.modelName);
  };
  $('url-form').onsubmit = (event) => {
    event.preventDefault();
    const value = $('model-url').value.trim();
    if (value) loadModel(value, value);
  };
  $('file-input').onchange = () => loadFiles($('file-input').files);
  const zone = $('drop-zone');
  zone.ondragover = (event) => {
    event.preventDefault();
    zone.classList.add('over');
  };
  zone.ondragleave = () => zone.classList.remove('over');
  zone.ondrop = (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    loadFiles(event.dataTransfer.files);
  };
  for (const id of ['sentence', 'sentences', 'question', 'context']) $(id).oninput = schedulePredict;
  $('question').onkeydown = (event) => {
    if (event.key === 'Enter') predict();
  };
  $('insert-mask').onclick = insertMask;
  $('layer').onchange = $('head').onchange = renderAttention;

  loadModel(url, known?.name ?? url);
}

start();
