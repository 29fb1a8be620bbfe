// Everything of the example that is not Electron's glue, so it runs (and is tested) in plain Node and
// Chromium: the app:// file server, and the main process's model.
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BertModel } from 'bert-wasm';

const here = dirname(fileURLToPath(import.meta.url));
/** The package's dist/ folder, as the renderer imports it. */
const packageDist = dirname(createRequire(import.meta.url).resolve('bert-wasm/package.json')) + '/dist';

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.txt': 'text/plain', '.css': 'text/css',
};

/**
 * The app's files for a request of app://bundle/...: the renderer at /, the package at /bert-wasm/, the
 * model folders at /models/ (from `modelsDir`, e.g. the app's resources). Every response carries COOP and
 * COEP, so the renderer is cross-origin isolated and gets threads. Takes a Request, returns a Response:
 * the shape of Electron's protocol.handle.
 */
export function appFiles({ modelsDir }) {
  const mounts = [['/bert-wasm/', packageDist], ['/models/', modelsDir], ['/', join(here, 'renderer')]].map(([p, root]) => [p, resolve(root)]);
  return async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    const [prefix, root] = mounts.find(([p]) => path.startsWith(p));
    const file = normalize(join(root, path === '/' ? 'index.html' : path.slice(prefix.length)));
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    if (!file.startsWith(root + sep) || !(await stat(file).then((s) => s.isFile(), () => false))) {
      return new Response('not found', { status: 404, headers });
    }
    headers['Content-Type'] = TYPES[extname(file)] ?? 'application/octet-stream';
    return new Response(await readFile(file), { headers });
  };
}

/** The main process's model (the Node entry: threads, local files, no network). */
export function loadMainModel(modelDir) {
  return BertModel.load(modelDir);
}
