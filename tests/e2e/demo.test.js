// The demo page in a real Chromium: predictions equal the goldens whether COOP/COEP come from the server,
// from the page's service worker on a plain static host, or from nowhere; after one visit the page opens
// and answers offline; the worker keeps the page responsive, bad files show an error, deep links work.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gotoDemo, openDemo, typeSentence, waitForPredictions } from './browser.js';

const models = fileURLToPath(new URL('../../../shared/models/', import.meta.url));
const golden = (model, id) => JSON.parse(readFileSync(`${models}${model}/golden.json`, 'utf8')).cases.find((c) => c.id === id);
const shots = fileURLToPath(new URL('../../build/e2e/', import.meta.url));

// The page shows the top 5; each must be the golden's token in order, probability within 1e-3 relative.
function expectGolden(masks, c) {
  expect(masks).toHaveLength(c.masks.length);
  masks.forEach((predictions, m) => {
    const top = c.masks[m].top.slice(0, 5);
    expect(predictions.map((p) => p.token)).toEqual(top.map((t) => t[1]));
    predictions.forEach((p, i) => expect(Math.abs(p.score - top[i][2])).toBeLessThanOrEqual(1e-3 * top[i][2]));
  });
}

describe('the same page on three kinds of hosting', () => {
  const runs = {};
  const THREADS = 'WebAssembly relaxed SIMD + threads';  // Chromium has relaxed SIMD
  test.each([
    ['COOP/COEP from the server', { isolation: true }, THREADS, true],
    ['a plain static host, isolated by the service worker', { isolation: false }, THREADS, true],
    ['a plain static host, service workers blocked', { isolation: false, serviceWorkers: 'block' }, 'WebAssembly relaxed SIMD', false],
  ])('%s: typed sentences get the golden predictions', async (name, hosting, engine, isolation) => {
    const demo = await openDemo(hosting);
    try {
      await gotoDemo(demo, { model: '/models/small-random/' });
      runs[name] = [];
      for (const id of ['capital', 'two_masks']) {
        const c = golden('small-random', id);
        const masks = await typeSentence(demo.page, c.text);
        expectGolden(masks, c);
        runs[name].push(masks);
      }
      expect(await demo.page.locator('#status [data-field="engine"] strong').innerText()).toBe(engine);
      const isolated = await demo.page.locator('#status [data-field="cross-origin isolated"] strong').innerText();
      expect(isolated).toMatch(isolation ? /^yes/ : /^no/);
      expect(demo.errors).toEqual([]);
    } finally {
      await demo.close();
    }
  }, 90000);

  test('every kind of hosting answers identically', () => {
    const [first, ...others] = Object.values(runs);
    expect(others).toHaveLength(2);
    for (const other of others) expect(other).toEqual(first);
  });

  test('after one visit to a plain static host, the page opens and answers offline, isolated', async () => {
    const demo = await openDemo({ isolation: false });
    try {
      const c = golden('tiny-random', 'model_card');
      await gotoDemo(demo, { model: '/models/tiny-random/', text: c.text });
      expectGolden(await waitForPredictions(demo.page, c.text), c);
      await demo.page.waitForFunction(async () => {
        const kept = await (await caches.open('bert-wasm-files-v1')).keys();
        return kept.some((request) => request.url.endsWith('/model.safetensors'));
      });
      // Offline twice over: the browser's network is off and the server is gone.
      await demo.server.close();
      await demo.page.context().setOffline(true);
      await demo.page.reload();
      await demo.page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
      expectGolden(await waitForPredictions(demo.page, c.text), c);
      expect(await demo.page.locator('#status [data-field="engine"] strong').innerText()).toBe(THREADS);
      expect(await demo.page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(demo.errors).toEqual([]);
    } finally {
      await demo.close();
    }
  }, 90000);
});

describe('demo interactions', () => {
  let demo;
  beforeAll(async () => {
    demo = await openDemo();
  }, 90000);
  afterAll(() => demo?.close());

  test('a deep link opens that model and sentence and predicts at once', async () => {
    const c = golden('tiny-random', 'model_card');
    await gotoDemo(demo, { model: '/models/tiny-random/', text: c.text });
    expectGolden(await waitForPredictions(demo.page, c.text), c);
    expect(await demo.page.locator('#model-info').innerText()).toContain('2 layers, hidden 64');
  }, 90000);

  test('the main thread is never blocked over 200 ms during a prediction', async () => {
    const c = golden('small-random', 'long');  // 214 tokens
    await gotoDemo(demo, { model: '/models/small-random/' });
    await demo.page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({
        type: 'longtask',
      });
    });
    await demo.page.fill('#sentence', c.text);
    await demo.page.dispatchEvent('#sentence', 'input');
    const masks = await waitForPredictions(demo.page, c.text);
    expectGolden(masks, c);
    const longTasks = await demo.page.evaluate(() => window.__longTasks);
    expect(Math.max(0, ...longTasks)).toBeLessThanOrEqual(200);
  }, 90000);

  test('clicking a word masks it, and the attention view renders (screenshot)', async () => {
    await gotoDemo(demo, { model: '/models/small-random/', text: 'The capital of France is Paris.' });
    await demo.page.click('#words button:text-is("Paris.")');
    expect(await demo.page.inputValue('#sentence')).toBe('The capital of France is [MASK].');
    const c = golden('small-random', 'capital');
    expectGolden(await waitForPredictions(demo.page, c.text), c);
    // The heatmap has colour, and the chips of the attention row name the tokens.
    const tokens = await demo.page.$$eval('#attention-tokens button', (b) => b.map((x) => x.textContent));
    expect(tokens).toEqual(c.tokens);
    const inked = await demo.page.$eval('#attention-map', (canvas) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] < 250) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(100);
    mkdirSync(shots, { recursive: true });
    await demo.page.screenshot({ path: `${shots}demo.png`, fullPage: true });
    expect(statSync(`${shots}demo.png`).size).toBeGreaterThan(10000);
  }, 90000);

  test('the weights picker reloads the model in q8, which the status, the info and the link name', async () => {
    const { page } = demo;
    await gotoDemo(demo, { model: '/models/small-random/' });
    expect(await page.getAttribute('#model-info', 'data-dtype')).toBe('fp32');
    const kernel = () => page.locator('#status [data-field="kernel"] strong').innerText();
    expect(await kernel()).toBe('f32-4x8-wasmrelaxed');  // Chromium has relaxed SIMD
    await page.selectOption('#dtype-select', 'q8');
    await page.waitForSelector('#model-info[data-dtype="q8"]', { timeout: 60000 });
    await page.waitForSelector('body[data-state="ready"]');
    expect(await page.locator('#status [data-field="weights"] strong').innerText()).toBe('q8');
    expect(await kernel()).toMatch(/^q8-4x8c(4-wasm(usdot|relaxed)|2-wasmsimd)$/);  // as the CPU's 8-bit dot suits (microkernels.h)
    expect(await page.locator('#model-info').innerText()).toMatch(/weights in memory ≈[\d.]+ MB as q8 \(fp32: [\d.]+ MB\)/);
    // q8 answers: the golden's best token at each mask (these masks are no near ties).
    const c = golden('small-random', 'two_masks');
    const masks = await typeSentence(page, c.text);
    expect(masks.map((predictions) => predictions[0].token)).toEqual(c.masks.map((m) => m.top[0][1]));
    expect(new URL(page.url()).searchParams.get('dtype')).toBe('q8');
    // The link opens q8 again.
    await page.goto(page.url());
    await page.waitForSelector('#model-info[data-dtype="q8"]', { timeout: 60000 });
    expect(await page.inputValue('#dtype-select')).toBe('q8');
    await page.selectOption('#dtype-select', 'fp32');
    await page.waitForSelector('#model-info[data-dtype="fp32"]', { timeout: 60000 });
  }, 90000);

  test('garbage model files show a readable error and the previous model keeps working', async () => {
    await gotoDemo(demo, { model: '/models/tiny-random/' });
    await demo.page.setInputFiles('#file-input', [
      { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from('{"hidden_size": 12') },
      { name: 'vocab.txt', mimeType: 'text/plain', buffer: Buffer.from('not a vocab') },
      { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('garbage bytes') },
    ]);
    const error = demo.page.locator('#model-error');
    await error.waitFor({ state: 'visible', timeout: 30000 });
    expect(await error.innerText()).toMatch(/Could not load .*config\.json.*E_BAD_CONFIG.*Still using tiny-random\./);
    const c = golden('tiny-random', 'capital');
    expectGolden(await typeSentence(demo.page, c.text), c);
  }, 90000);

  test('files with the wrong names are refused with a message', async () => {
    await demo.page.setInputFiles('#file-input', [{ name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from('x') }]);
    expect(await demo.page.locator('#model-error').innerText()).toMatch(/Missing config\.json, vocab\.txt, model\.safetensors \(got weights\.bin\)/);
  });

  test('the layout fits a phone-sized viewport', async () => {
    await demo.page.setViewportSize({ width: 375, height: 740 });
    const overflow = await demo.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await demo.page.screenshot({ path: `${shots}demo-phone.png`, fullPage: true });
  });
});
