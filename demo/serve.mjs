// Serves the demo on 127.0.0.1 laid out as a static host would hold it: the page (demo/) at the root, the
// package at /dist/, plus the shared test checkpoints (/models/<name>/) and BERT_MODEL's folder (/model/).
// It sends COOP/COEP so threads work; BERT_ISOLATION=0 serves like a plain static host (no COOP, COEP or
// CORP), where the page's service worker (demo/sw.js) supplies them.
//   node demo/serve.mjs          PORT (default 8080), BERT_MODEL (folder or URL), BERT_ISOLATION=0
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const sharedModels = resolve(root, '../shared/models');
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.wasm': 'application/wasm', '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const isUrl = (s) => /^https?:\/\//i.test(s);
const hasWeights = (dir) => stat(join(dir, 'model.safetensors')).then(() => true, () => false);

// The pipeline task a model folder is made for, from its config.json's architecture (as the package decides
// it): the page's picker shows it next to the name. A folder without a task head is for embeddings.
export async function folderTask(dir) {
  const config = await readFile(join(dir, 'config.json'), 'utf8').then(JSON.parse, () => ({}));
  const architecture = String(config.architectures?.[0] ?? '');
  if (/For(MaskedLM|PreTraining)$/.test(architecture)) return 'fill-mask';
  if (/ForSequenceClassification$/.test(architecture)) return 'text-classification';
  if (/ForTokenClassification$/.test(architecture)) return 'token-classification';
  if (/ForQuestionAnswering$/.test(architecture)) return 'question-answering';
  return 'feature-extraction';
}

// The model the page opens by default: BERT_MODEL, else the best checkpoint under ../shared/models
// (real bert-base-uncased weights when present), else bert-base-uncased from Hugging Face.
export async function defaultModel(bertModel = process.env.BERT_MODEL) {
  if (bertModel) {
    if (isUrl(bertModel)) return { url: bertModel, name: bertModel };
    return { url: '/model/', name: bertModel, dir: resolve(bertModel), task: await folderTask(resolve(bertModel)) };
  }
  for (const name of ['bert-base-uncased', 'small-random', 'tiny-random']) {
    if (await hasWeights(join(sharedModels, name))) return { url: `/models/${name}/`, name, task: 'fill-mask' };
  }
  return { url: 'https://huggingface.co/google-bert/bert-base-uncased/resolve/main/', name: 'bert-base-uncased', task: 'fill-mask' };
}

/** Starts the server; returns {server, url, model, close()}. `mounts`: extra [urlPrefix, folder] pairs. */
export async function startServer({ port = 8080, isolation = true, bertModel, mounts: extra = [] } = {}) {
  const model = await defaultModel(bertModel);
  const mounts = [
    ['/dist/', join(root, 'dist')],
    ['/models/', sharedModels],
    ...(model.dir ? [['/model/', model.dir]] : []),
    ...extra,
    ['/', join(root, 'demo')],
  ];
  const server = createServer(async (req, res) => {
    if (isolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    }
    res.setHeader('Cache-Control', 'no-cache');
    const { pathname } = new URL(req.url, 'http://x');
    let path;
    try {
      path = decodeURIComponent(pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (path === '/default-model.json') {
      const { url, name, task } = model;
      res.writeHead(200, { 'Content-Type': types['.json'] }).end(JSON.stringify({ url, name, task, models: await listModels() }));
      return;
    }
    const mount = mounts.find(([prefix]) => path.startsWith(prefix));
    let file = mount && normalize(join(mount[1], path.slice(mount[0].length)));
    if (!file || (file !== mount[1] && !file.startsWith(mount[1] + sep))) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file);
      }
      res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Content-Length': info.size });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const close = () => new Promise((ok) => {
    server.close(ok);
    server.closeAllConnections();  // a browser's kept-alive connections would hold it open
  });
  return { server, url, model, close };
}

// The shared checkpoints that have weights, with their tasks, for the page's model picker.
async function listModels() {
  const names = await readdir(sharedModels).catch(() => []);
  const withWeights = [];
  for (const name of names.sort()) {
    const dir = join(sharedModels, name);
    if (await hasWeights(dir)) withWeights.push({ name, url: `/models/${name}/`, task: await folderTask(dir) });
  }
  return withWeights;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url, model } = await startServer({
    port: Number(process.env.PORT ?? 8080),
    isolation: process.env.BERT_ISOLATION !== '0',
  });
  console.log(`bert-wasm demo: ${url}  (default model: ${model.name})`);
}
