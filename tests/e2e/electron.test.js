// examples/electron without Electron (its binary cannot be downloaded here; see its README): the packed
// package installed into a copy of the example, the main process's model loaded through the Node entry,
// and the renderer served by the example's own app:// handler (the function protocol.handle gets), opened
// in Chromium: cross-origin isolated, on the threaded build, answering as the main process does.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { MODELS, REPO, packPackage } from '../js/helpers.js';
import { launchBrowser } from './browser.js';

const run = promisify(execFile);
const TEXT = 'The capital of France is [MASK].';

let work;
let app;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bert-wasm-electron-'));
  const example = join(work, 'electron');
  cpSync(join(REPO, 'examples/electron'), example, { recursive: true });
  const tarball = await packPackage(work);
  // The package from its tarball; electron left out of the copy's package.json (npm would resolve it).
  const manifest = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8'));
  delete manifest.devDependencies;
  delete manifest.dependencies;
  writeFileSync(join(example, 'package.json'), JSON.stringify(manifest));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: example });
  app = await import(pathToFileURL(join(example, 'app.js')).href);
}, 120000);
afterAll(() => work && rmSync(work, { recursive: true, force: true }));

test("the main process's model and the renderer answer the same, the renderer on threads", async () => {
  const mainModel = await app.loadMainModel(join(MODELS, 'tiny-random'));
  const [expected] = await mainModel.fillMask(TEXT, { topK: 5 });
  mainModel.dispose();

  // app://bundle/ served over HTTP by the same handler.
  const handle = app.appFiles({ modelsDir: MODELS });
  const server = createServer(async (req, res) => {
    const response = await handle(new Request(new URL(req.url, 'http://x')));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    Readable.fromWeb(response.body).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchBrowser();
  try {
    await browser.page.goto(`http://127.0.0.1:${server.address().port}/?model=tiny-random`);
    await browser.page.waitForSelector(`body[data-answered="${TEXT}"]`, { timeout: 30000 });
    expect(await browser.page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await browser.page.getAttribute('body', 'data-variant')).toBe('relaxed-threads');  // Electron 25+ has relaxed SIMD
    const shown = await browser.page.$$eval('#renderer li', (items) => items.map((li) => li.textContent));
    expect(shown).toEqual(expected.map((p) => `${p.tokenStr} ${p.score.toFixed(3)}`));
    expect(browser.errors).toEqual([]);
  } finally {
    await browser.close();
    server.close();
  }
}, 60000);
