// The published package works: `npm pack` ships only the built files, and a fresh project that installs
// the tarball (offline: the package has no dependencies) can `import { BertModel } from 'bert-wasm'` and
// fill masks with both builds, on Node 18, 20 and 22; `require` works where Node can require ES modules.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO, goldenCase, modelDir, nodeBinary } from './helpers.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TIMEOUT = 120000;

// Everything the package must ship, and the patterns every shipped file must match.
const REQUIRED = [
  'package.json', 'README.md', 'LICENSE',
  'dist/index.js', 'dist/node.js', 'dist/require.cjs', 'dist/index.d.ts', 'dist/errors.js', 'dist/runtime.js', 'dist/sources.js',
  'dist/wasm/package.json',
  'dist/wasm/bert-wasm-simd.js', 'dist/wasm/bert-wasm-simd.mjs', 'dist/wasm/bert-wasm-simd.wasm',
  'dist/wasm/bert-wasm-simd-threads.js', 'dist/wasm/bert-wasm-simd-threads.mjs', 'dist/wasm/bert-wasm-simd-threads.wasm',
  'dist/wasm/bert-wasm-simd-threads.worker.js',
  'dist/wasm/bert-wasm-relaxed.js', 'dist/wasm/bert-wasm-relaxed.mjs', 'dist/wasm/bert-wasm-relaxed.wasm',
  'dist/wasm/bert-wasm-relaxed-threads.js', 'dist/wasm/bert-wasm-relaxed-threads.mjs', 'dist/wasm/bert-wasm-relaxed-threads.wasm',
  'dist/wasm/bert-wasm-relaxed-threads.worker.js',
];
const ALLOWED = [
  /^package\.json$/, /^README\.md$/, /^LICENSE$/,
  /^dist\/[^/]+\.c?js$/, /^dist\/[^/]+\.d\.ts$/,
  /^dist\/wasm\/package\.json$/, /^dist\/wasm\/[^/]+\.(wasm|js|mjs)$/,
];

const CASES = ['capital', 'model_card'].map((id) => goldenCase('tiny-random', id));

let dir;
let pack;  // npm pack --json output for the tarball

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bert-wasm-package-'));
  const { stdout } = await run(NPM, ['pack', '--pack-destination', dir, '--json'], { cwd: REPO, timeout: TIMEOUT });
  [pack] = JSON.parse(stdout);
}, TIMEOUT);
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

test('npm pack ships only dist, package.json, README.md and LICENSE', () => {
  const files = pack.files.map((f) => f.path).sort();
  expect(existsSync(join(dir, pack.filename))).toBe(true);
  expect(files.filter((f) => !ALLOWED.some((pattern) => pattern.test(f)))).toEqual([]);
  expect(REQUIRED.filter((f) => !files.includes(f))).toEqual([]);
  expect(files.filter((f) => /^(src|tests|tools|wasm|js|build|node_modules|demo|web)\//.test(f))).toEqual([]);
  expect(pack.name).toBe('bert-wasm');
});

// Each test runs on this Node and on the other majors the package supports (their binaries come from npm).
// Each Node, and the build a load picks there by default: relaxed SIMD is on by default from Node 21.
const NODES = [
  [`this Node (${process.version})`, null, Number(process.versions.node.split('.')[0]) >= 21 ? 'relaxed-threads' : 'simd-threads'],
  ['Node 18.20.8', '18.20.8', 'simd-threads'],
  ['Node 22.23.5', '22.23.5', 'relaxed-threads'],
];
const nodePath = (version) => (version ? nodeBinary(version) : process.execPath);

// A fresh project (package.json of `type`) with the tarball installed offline, once per type.
const projects = {};
async function consumer(type) {
  projects[type] ??= (async () => {
    const project = join(dir, `consumer-${type}`);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `consumer-${type}`, version: '1.0.0', private: true, type }));
    await run(NPM, ['install', '--offline', '--no-audit', '--no-fund', join(dir, pack.filename)], { cwd: project, timeout: TIMEOUT });
    return project;
  })();
  return projects[type];
}

test.each(NODES)('%s: a fresh project installs the tarball offline and fills masks with each build it can run', async (label, version, byDefault) => {
  const project = await consumer('module');
  expect(existsSync(join(project, 'node_modules/bert-wasm/dist/index.d.ts'))).toBe(true);
  writeFileSync(join(project, 'main.js'), `
    import { BertModel, BertError } from 'bert-wasm';
    import { BertWorkerModel } from 'bert-wasm/worker';
    const texts = ${JSON.stringify(CASES.map((c) => c.text))};
    const out = {};
    for (const variant of ['simd', 'simd-threads', undefined]) {
      const model = await BertModel.load(${JSON.stringify(modelDir('tiny-random'))}, { variant, threads: 2 });
      try {
        const results = await model.fillMask(texts, { topK: 5 });
        const error = await model.fillMask('no mask').catch((e) => e);
        out[variant ?? 'default'] = {
          info: { variant: model.info.variant, threads: model.info.threads },
          top: results.map(([predictions]) => predictions.map((p) => [p.token, p.tokenStr])),
          error: { isBertError: error instanceof BertError, code: error.code },
        };
      } finally {
        model.dispose();
      }
    }
    // Node has no Web Workers, and loading the threaded build must not make it look as if it had.
    const worker = await BertWorkerModel.load(${JSON.stringify(modelDir('tiny-random'))}).catch((e) => e);
    out.worker = { globalWorker: typeof Worker, code: worker.code };
    console.log(JSON.stringify(out));
  `);
  const { stdout } = await run(await nodePath(version), ['main.js'], { cwd: project, timeout: TIMEOUT });
  const out = JSON.parse(stdout);
  const golden = CASES.map((c) => c.masks[0].top.slice(0, 5).map(([id, token]) => [id, token]));
  expect(out.simd).toEqual({ info: { variant: 'simd', threads: 1 }, top: golden, error: { isBertError: true, code: 'E_NO_MASK' } });
  expect(out['simd-threads']).toEqual({
    info: { variant: 'simd-threads', threads: 2 }, top: golden, error: { isBertError: true, code: 'E_NO_MASK' },
  });
  expect(out.default).toEqual({ info: { variant: byDefault, threads: 2 }, top: golden, error: { isBertError: true, code: 'E_NO_MASK' } });
  expect(out.worker).toEqual({ globalWorker: 'undefined', code: 'E_WORKER' });
}, TIMEOUT);

test('the installed bin: npx bert-wasm quantize writes a q8 folder', async () => {
  const project = await consumer('module');
  const out = join(dir, 'q8-folder');
  const { stderr } = await run(NPM, ['exec', '--offline', '--', 'bert-wasm', 'quantize', modelDir('tiny-random'), out], {
    cwd: project, timeout: TIMEOUT, env: { ...process.env, BERT_WASM_CACHE: join(dir, 'cache') },
  });
  expect(stderr).toMatch(/wrote .*q8-folder: config\.json, vocab\.txt, tokenizer_config\.json, model\.safetensors/);
  expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
}, TIMEOUT);

test('the browser entries import no Node module: bundlers take them with no configuration', () => {
  const nodeOnly = ['dist/node.js', 'dist/quantize.js', 'dist/cli.js'];
  const browserFiles = pack.files.map((f) => f.path).filter((f) => /^dist\/[^/]+\.js$/.test(f) && !nodeOnly.includes(f));
  expect(browserFiles).toEqual(expect.arrayContaining(['dist/index.js', 'dist/worker-client.js', 'dist/bert-worker.js']));
  const nodeImports = browserFiles.filter((f) => /from\s+['"]node:|import\(\s*['"]node:/.test(readFileSync(join(REPO, f), 'utf8')));
  expect(nodeImports).toEqual([]);
});

test.each(NODES)("%s: require('bert-wasm') loads the Node entry where Node can require ES modules, else E_ESM_ONLY", async (label, version) => {
  const project = await consumer('commonjs');
  writeFileSync(join(project, 'main.cjs'), `
    const { BertModel } = require('bert-wasm');
    BertModel.load(${JSON.stringify(modelDir('tiny-random'))}, { variant: 'simd' })
      .then(async (model) => { console.log(JSON.stringify(await model.fillMask('the [MASK] works', { topK: 1 }))); model.dispose(); });
  `);
  const node = await nodePath(version);
  const { stdout: feature } = await run(node, ['-p', 'Boolean(process.features.require_module)']);
  const canRequire = feature.trim() === 'true';
  if (version) expect(canRequire).toBe(!version.startsWith('18.'));  // Node 22.12+ and 20.19+ can; 18 never could
  if (canRequire) {
    const { stdout } = await run(node, ['main.cjs'], { cwd: project, timeout: TIMEOUT });
    expect(JSON.parse(stdout)[0]).toHaveLength(1);
  }
  // What a Node that cannot gets; this flag makes a Node that can one that cannot.
  const cannot = canRequire ? ['--no-experimental-require-module'] : [];
  const old = await run(node, [...cannot, 'main.cjs'], { cwd: project, timeout: TIMEOUT }).catch((e) => e);
  expect(old.stderr).toMatch(/\[BertError\]: bert-wasm is an ES module, and this Node cannot require\(\) one/);
  expect(old.stderr).toMatch(/code: 'E_ESM_ONLY'/);
}, TIMEOUT);
