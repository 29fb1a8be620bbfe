// Bundlers as users run them: the packed package installed into a fresh app, built by Vite and webpack
// with their default configuration, and by esbuild and Rollup (+ node-resolve) with the README's recipe
// (copy dist/, pass assetBase), each page served with and without cross-origin isolation and opened in
// Chromium. BertModel on the page and BertWorkerModel answer exactly as the package does in Node, on the
// build the page allows, and nothing is logged to the console.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { MODELS, REPO, packPackage } from '../js/helpers.js';
import { jest } from '@jest/globals';
import { launchBrowser } from './browser.js';

// One CI run saw a page here stall past the test's limit while other Chromium suites ran beside it (it
// passed every other time, on every build). A stalled page gets one more try; a wrong answer fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const run = promisify(execFile);
const TEXT = 'The capital of France is [MASK].';

// The app: one module using both entries; the page calls window.run(modelUrl, options).
const APP = `
import { BertModel } from 'bert-wasm';
import { BertWorkerModel } from 'bert-wasm/worker';

window.run = async (modelUrl, options) => {
  const model = await BertModel.load(modelUrl, options);
  const worker = await BertWorkerModel.load(modelUrl, options);
  try {
    return {
      page: await model.fillMask(${JSON.stringify(TEXT)}, { topK: 3 }),
      worker: await worker.fillMask(${JSON.stringify(TEXT)}, { topK: 3 }),
      variants: [model.info.variant, worker.info.variant],
    };
  } finally {
    model.dispose();
    worker.dispose();
  }
};
`;
const page = (script, type = 'module') => `<!doctype html><html><head><meta charset="utf-8"><title>app</title></head>
<body><script type="${type}" src="${script}"></script></body></html>`;

// Each bundler's build of the app in `dir` (package installed): returns the folder to serve and the
// load options the page passes.
const BUNDLERS = {
  async vite(dir) {
    writeFileSync(join(dir, 'index.html'), page('/src/index.js'));
    await run(process.execPath, [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: dir });
    return { out: join(dir, 'dist'), options: {} };
  },
  async webpack(dir) {
    // webpack-cli with no configuration file: ./src/index.js -> ./dist/main.js, production mode.
    await run(process.execPath, [join(REPO, 'node_modules/webpack-cli/bin/cli.js'), '--mode', 'production'], { cwd: dir });
    writeFileSync(join(dir, 'dist/index.html'), page('main.js', 'text/javascript'));
    return { out: join(dir, 'dist'), options: {} };
  },
  async rollup(dir) {
    // Rollup with its node-resolve plugin (it resolves no package without), and esbuild's recipe.
    writeFileSync(join(dir, 'rollup.config.mjs'), `import { nodeResolve } from ${JSON.stringify(join(REPO, 'node_modules/@rollup/plugin-node-resolve/dist/es/index.js'))};
export default { input: 'src/index.js', output: { dir: 'dist', format: 'es' }, plugins: [nodeResolve({ browser: true })] };`);
    await run(process.execPath, [join(REPO, 'node_modules/rollup/dist/bin/rollup'), '-c', '--silent'], { cwd: dir });
    cpSync(join(dir, 'node_modules/bert-wasm/dist'), join(dir, 'dist/bert-wasm'), { recursive: true });
    writeFileSync(join(dir, 'dist/index.html'), page('index.js'));
    return { out: join(dir, 'dist'), options: { assetBase: '/bert-wasm/' } };
  },
  async esbuild(dir) {
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: [join(dir, 'src/index.js')], bundle: true, format: 'esm', outdir: join(dir, 'dist'), logLevel: 'silent' });
    cpSync(join(dir, 'node_modules/bert-wasm/dist'), join(dir, 'dist/bert-wasm'), { recursive: true });
    writeFileSync(join(dir, 'dist/index.html'), page('index.js'));
    return { out: join(dir, 'dist'), options: { assetBase: '/bert-wasm/' } };
  },
};

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

// A plain static server of `out`, with /models/ from ../shared; COOP/COEP headers when `isolated`.
async function serve(out, isolated) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const [root, rest] = path.startsWith('/models/') ? [MODELS, path.slice(8)] : [out, path === '/' ? 'index.html' : path.slice(1)];
    const file = normalize(join(root, rest));
    let body;
    try {
      if (!file.startsWith(root) || !statSync(file).isFile()) throw new Error('not a file');
      body = readFileSync(file);
    } catch {
      return res.writeHead(404).end();
    }
    const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' };
    if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    res.writeHead(200, headers).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

let work;
let tarball;
let expected;

// The SIMD128 builds give Node's answer bit for bit; the relaxed ones fuse multiply-adds, which moves the
// scores by rounding only.
function expectSameAnswer(answer, node, variant) {
  if (variant.startsWith('simd')) return expect(answer).toEqual(node);
  const [ours, theirs] = [answer.flat(), node.flat()];  // the predictions of each [MASK], in order
  expect(ours.map((p) => ({ ...p, score: undefined }))).toEqual(theirs.map((p) => ({ ...p, score: undefined })));
  ours.forEach((p, i) => expect(Math.abs(p.score - theirs[i].score)).toBeLessThanOrEqual(1e-5 * theirs[i].score));
}
let browser;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bert-wasm-bundlers-'));
  tarball = await packPackage(work);
  const { BertModel } = await import('../../dist/node.js');
  const model = await BertModel.load(join(MODELS, 'tiny-random'), { variant: 'simd' });
  expected = await model.fillMask(TEXT, { topK: 3 });
  model.dispose();
  browser = await launchBrowser();
}, 120000);
afterAll(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(Object.keys(BUNDLERS))('%s', (bundler) => {
  let built;
  beforeAll(async () => {
    const dir = join(work, bundler);
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `app-${bundler}`, version: '1.0.0', private: true, type: 'module' }));
    writeFileSync(join(dir, 'src/index.js'), APP);
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: dir });
    built = await BUNDLERS[bundler](dir);
  }, 180000);

  // Chromium has relaxed SIMD: by default the relaxed builds run; the SIMD128 ones are emitted too.
  test.each([
    ['cross-origin isolated', 'relaxed-threads', true, undefined],
    ['not isolated', 'relaxed', false, undefined],
    ['cross-origin isolated, SIMD128 asked for', 'simd-threads', true, 'simd-threads'],
  ])(
    '%s: the page and the worker answer as Node does, on the %s build',
    async (_, variant, isolated, asked) => {
      const server = await serve(built.out, isolated);
      const errors = [];
      const onError = (error) => errors.push(error.message);
      browser.page.on('pageerror', onError);
      // Nothing on the console but the browser's own lines for the optional files a folder lacks (404).
      const messages = [];
      const onConsole = (message) => message.text().startsWith('Failed to load resource') || messages.push(message.text());
      browser.page.on('console', onConsole);
      try {
        await browser.page.goto(server.url);
        await browser.page.waitForFunction(() => typeof window.run === 'function', null, { timeout: 60000 });
        const options = { ...built.options, variant: asked };
        const result = await browser.page.evaluate(([url, options]) => window.run(url, options), [`${server.url}models/tiny-random/`, options]);
        expect(result.variants).toEqual([variant, variant]);
        for (const answer of [result.page, result.worker]) expectSameAnswer(answer, expected, variant);
        expect(errors).toEqual([]);
        expect(messages).toEqual([]);
      } finally {
        browser.page.off('pageerror', onError);
        browser.page.off('console', onConsole);
        await server.close();
      }
    },
    120000,
  );
});
