// The renderer: the browser entry of bert-wasm, from the app's own files (no network), on threads (the
// app:// responses make the page cross-origin isolated); the main process's answer beside it.
import { BertModel } from '/bert-wasm/index.js';

const status = document.querySelector('#status');
let model;
try {
  model = await BertModel.load(`/models/${new URLSearchParams(location.search).get('model')}/`);
} catch (error) {
  status.textContent = `${error.code}: ${error.message}`;
  throw error;
}
status.textContent = `${model.info.architecture} on ${model.info.variant}, ${model.info.threads} threads`;
document.body.dataset.variant = model.info.variant;

function fill(list, predictions) {
  list.replaceChildren(...predictions.map((p) => Object.assign(document.createElement('li'), { textContent: `${p.tokenStr} ${p.score.toFixed(3)}` })));
}

async function update() {
  const text = document.querySelector('#text').value;
  const [predictions] = await model.fillMask(text, { topK: 5 });
  fill(document.querySelector('#renderer'), predictions);
  if (window.mainProcess) fill(document.querySelector('#main'), (await window.mainProcess.fillMask(text))[0]);
  document.body.dataset.answered = text;
}

document.querySelector('#text').addEventListener('input', update);
await update();
