// The model-file cache in Chromium (the Cache API): after a first load, later loads on the page and in
// the worker ask the network for no model file, progress says the bytes came from the cache, the page
// answers the same, `cache: false` goes to the network, and clearCache() empties the cache.
import { openDemo } from './browser.js';

let demo;
const modelRequests = [];
beforeAll(async () => {
  demo = await openDemo();
  demo.page.context().on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/models/')) modelRequests.push(request.url());
  });
  await demo.page.goto(new URL('/default-model.json', demo.server.url).href);
  await demo.page.evaluate(async () => {
    const [{ BertModel, clearCache }, { BertWorkerModel }] = await Promise.all([import('/dist/index.js'), import('/dist/worker-client.js')]);
    globalThis.clearModelCache = clearCache;
    globalThis.answer = async (kind, options = {}) => {
      let last;
      const model = await (kind === 'worker' ? BertWorkerModel : BertModel).load('/models/tiny-random/', { ...options, onProgress: (p) => (last = p) });
      const result = await model.fillMask('the [MASK] works', { topK: 3 });
      model.dispose();
      return { result, last };
    };
  });
}, 60000);
afterAll(() => demo?.close());

// Each load's model-file requests, and its answer.
async function load(kind, options) {
  modelRequests.length = 0;
  const out = await demo.page.evaluate(([kind, options]) => answer(kind, options), [kind, options]);
  return { ...out, requests: [...modelRequests] };
}

test('later loads on the page and in the worker read every model file from the cache', async () => {
  const first = await load('page');
  expect(first.requests.length).toBeGreaterThanOrEqual(4);  // config, tokenizer files, weights (and 404s)
  expect(first.last.cached).toBe(0);
  for (const kind of ['page', 'worker']) {
    const again = await load(kind);
    expect(again.requests).toEqual([]);
    expect(again.result).toEqual(first.result);
    expect(again.last).toEqual({ loaded: first.last.loaded, total: first.last.total, cached: first.last.loaded });
  }
  const uncached = await load('page', { cache: false });
  expect(uncached.requests.length).toBe(first.requests.length);
  expect(uncached.result).toEqual(first.result);
}, 60000);

test('clearCache() empties the cache: the next load downloads again', async () => {
  await load('page');
  expect(await demo.page.evaluate(() => clearModelCache())).toBe(true);
  const after = await load('worker');
  expect(after.requests.some((url) => url.endsWith('/model.safetensors'))).toBe(true);
  expect(after.last.cached).toBe(0);
}, 60000);
