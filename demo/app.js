// The demo page: a sentence with [MASK]s in, ranked predictions and an attention view out. All
// inference runs in a Web Worker (BertWorkerModel), so typing never freezes the page.
import { BertWorkerModel } from '../dist/worker-client.js';

const $ = (id) => document.getElementById(id);
const MASK = '[MASK]';
const HUGGING_FACE_BERT = 'https://huggingface.co/google-bert/bert-base-uncased/resolve/main/';

const state = {
  model: null,       // the BertWorkerModel in use
  modelName: '',
  weightBytes: 0,
  loadId: 0,         // the latest load wins
  predictId: 0,      // the latest prediction wins
  attention: null,   // {tokens, data, dims} of the last prediction
  query: 0,          // token index whose attention is shown
  lastMs: null,
  lastTokens: 0,
};

const formatBytes = (n) =>
  n === undefined ? '?' : n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : n < 1e9 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e9).toFixed(2)} GB`;

function setState(name) {
  document.body.dataset.state = name;
}

function showError(element, message) {
  element.textContent = message ?? '';
  element.hidden = !message;
}

// ---- model loading ------------------------------------------------------------------------------

async function loadModel(source, name) {
  const loadId = ++state.loadId;
  setState('loading');
  showError($('model-error'), null);
  $('progress').hidden = false;
  let total;
  const onProgress = ({ loaded, total: t }) => {
    if (loadId !== state.loadId) return;
    total = t;
    $('progress-fill').style.width = t ? `${(100 * loaded) / t}%` : '100%';
    $('progress-text').textContent = `${formatBytes(loaded)} / ${formatBytes(t)}`;
  };
  try {
    const model = await BertWorkerModel.load(source, { onProgress });
    if (loadId !== state.loadId) return model.dispose();  // a newer load started meanwhile
    state.model?.dispose();
    Object.assign(state, { model, modelName: name, weightBytes: total });
    if (typeof source === 'string') {
      setUrlParam('model', source);
      selectModelOption(source, name);
    }
    renderModelInfo();
    setState('ready');
    predict();
  } catch (error) {
    if (loadId !== state.loadId) return;
    const keep = state.model ? ` Still using ${state.modelName}.` : '';
    showError($('model-error'), `Could not load ${name}: ${error.message} (${error.code ?? 'error'}).${keep}`);
    setState(state.model ? 'ready' : 'error');
  } finally {
    if (loadId === state.loadId) $('progress').hidden = true;
  }
}

// Shows the loaded model in the picker, adding it when it came from a link or the URL field.
function selectModelOption(url, name) {
  const select = $('model-select');
  let option = [...select.options].find((o) => o.value === url);
  if (!option) select.append((option = new Option(name, url)));
  select.value = url;
}

function renderModelInfo() {
  const c = state.model.info.config;
  const params =
    c.vocabSize * c.hiddenSize + (c.maxPositions + c.typeVocabSize) * c.hiddenSize +
    c.numLayers * (4 * c.hiddenSize * c.hiddenSize + 2 * c.hiddenSize * c.intermediateSize);
  $('model-info').textContent =
    `${state.modelName}: ${c.numLayers} layers, hidden ${c.hiddenSize}, ${c.numHeads} heads, ` +
    `intermediate ${c.intermediateSize}, ≈${(params / 1e6).toFixed(1)}M parameters, ${formatBytes(state.weightBytes)}` +
    (c.hasMlmHead ? '' : ' (no masked-LM head: it cannot fill masks)');
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

// ---- predictions --------------------------------------------------------------------------------

let debounce;
function schedulePredict() {
  renderWords();
  clearTimeout(debounce);
  debounce = setTimeout(predict, 250);
}

async function predict() {
  const text = $('sentence').value;
  renderWords();
  setUrlParam('text', text);
  if (!state.model) return;
  const id = ++state.predictId;
  showError($('text-error'), null);
  if (!text.includes(MASK)) {
    $('predictions').replaceChildren();
    $('completed').textContent = 'Add a [MASK] to see predictions.';
    return;
  }
  setState('predicting');
  try {
    const started = performance.now();
    const masks = await state.model.fillMask(text, { topK: 5 });
    const ms = performance.now() - started;
    const encoded = await state.model.encode(text, { outputAttentions: true });
    if (id !== state.predictId) return;
    Object.assign(state, { lastMs: ms, lastTokens: encoded.tokens.length });
    renderPredictions(text, masks);
    state.attention = encoded;
    state.query = Math.max(0, encoded.tokens.indexOf(MASK));
    renderAttention();
    renderStatus();
    setState('ready');
  } catch (error) {
    if (id !== state.predictId) return;
    $('predictions').replaceChildren();
    $('completed').textContent = '';
    showError($('text-error'), `${error.message} (${error.code})`);
    setState('ready');
  }
}

function renderPredictions(text, masks) {
  const cards = masks.map((predictions, m) => {
    const card = document.createElement('div');
    card.className = 'mask-card';
    const title = document.createElement('h3');
    title.textContent = masks.length > 1 ? `[MASK] ${m + 1}` : '[MASK]';
    const list = document.createElement('ol');
    for (const p of predictions) {
      const item = document.createElement('li');
      item.className = 'prediction';
      item.dataset.token = p.tokenStr;
      item.dataset.score = String(p.score);
      item.innerHTML = '<span class="token"></span><span class="score"></span><div class="bar"><div></div></div>';
      item.querySelector('.token').textContent = p.tokenStr;
      item.querySelector('.score').textContent = `${(100 * p.score).toFixed(1)}%`;
      item.querySelector('.bar div').style.width = `${(100 * p.score) / predictions[0].score}%`;
      list.append(item);
    }
    card.append(title, list);
    return card;
  });
  $('predictions').replaceChildren(...cards);
  $('predictions').dataset.text = text;

  // The sentence with each mask's best token, marked; WordPiece continuations join the word before.
  const parts = text.split(MASK);
  const nodes = [parts[0]];
  parts.slice(1).forEach((part, i) => {
    const best = masks[i]?.[0]?.tokenStr;
    if (!best) return nodes.push(MASK, part);
    if (best.startsWith('##') && typeof nodes.at(-1) === 'string') nodes.push(nodes.pop().replace(/\s+$/, ''));
    const mark = document.createElement('mark');
    mark.textContent = best.replace(/^##/, '');
    nodes.push(mark, part);
  });
  $('completed').replaceChildren(...nodes);
}

// ---- the sentence's words: click to mask --------------------------------------------------------

function renderWords() {
  const text = $('sentence').value;
  const words = [...text.matchAll(/\S+/g)];
  $('words').replaceChildren(
    ...words.map((match) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = match[0];
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

// ---- attention view -----------------------------------------------------------------------------

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
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = token;
      button.title = `attention ${(100 * row[j]).toFixed(1)}%`;
      button.style.background = `rgb(49 96 216 / ${(row[j] / rowMax).toFixed(3)})`;
      button.style.color = row[j] / rowMax > 0.55 ? '#fff' : '';
      if (j === state.query) button.className = 'query';
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

// ---- status line and deep links -----------------------------------------------------------------

function renderStatus() {
  const info = state.model?.info;
  const isolated = globalThis.crossOriginIsolated === true;
  const items = [
    ['engine', info ? (info.variant === 'simd-threads' ? 'WebAssembly SIMD + threads' : 'WebAssembly SIMD') : '…'],
    ['threads', info ? String(info.threads) : '…'],
    ['cross-origin isolated', isolated ? 'yes' : 'no (served without COOP/COEP: single-threaded)'],
    ['last inference', state.lastMs === null ? '–' : `${state.lastMs.toFixed(0)} ms, ${((1000 * state.lastTokens) / state.lastMs).toFixed(0)} tokens/s`],
  ];
  $('status').replaceChildren(
    ...items.map(([label, value]) => {
      const span = document.createElement('span');
      span.dataset.field = label;
      span.append(`${label}: `);
      const strong = document.createElement('strong');
      strong.textContent = value;
      span.append(strong);
      return span;
    }),
  );
}

// Keeps ?model=…&text=… current, so the address can be shared.
function setUrlParam(key, value) {
  const params = new URLSearchParams(location.search);
  params.set(key, value);
  history.replaceState(null, '', `?${params}`);
}

async function start() {
  renderStatus();
  const params = new URLSearchParams(location.search);
  if (params.has('text')) $('sentence').value = params.get('text');
  renderWords();

  // The server (npm run demo) names the default model; on a plain static host, bert-base-uncased.
  const defaults = await fetch('default-model.json')
    .then((r) => (r.ok ? r.json() : null))
    .catch(() => null) ?? { url: HUGGING_FACE_BERT, name: 'bert-base-uncased', models: [] };
  const choices = [{ name: defaults.name, url: defaults.url }, ...defaults.models, { name: 'bert-base-uncased (Hugging Face)', url: HUGGING_FACE_BERT }];
  const unique = choices.filter((c, i) => choices.findIndex((d) => d.url === c.url) === i);
  $('model-select').replaceChildren(...unique.map((c) => new Option(c.name, c.url)));
  $('model-select').onchange = () => loadModel($('model-select').value, $('model-select').selectedOptions[0].text);

  $('url-form').onsubmit = (event) => {
    event.preventDefault();
    const url = $('model-url').value.trim();
    if (url) loadModel(url, url);
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
  $('sentence').oninput = schedulePredict;
  $('insert-mask').onclick = insertMask;
  $('layer').onchange = $('head').onchange = renderAttention;

  const model = params.get('model');
  if (model) loadModel(model, unique.find((c) => c.url === model)?.name ?? model);
  else loadModel(defaults.url, defaults.name);
}

start();
