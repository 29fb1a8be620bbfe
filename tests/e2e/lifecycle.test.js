// Concurrency and lifecycle in a real Chromium, cross-origin isolated (threads), for BertModel on the page
// and BertWorkerModel: 1,000 overlapping mixed calls equal the same calls one by one, two models do not
// interfere, dispose settles every queued call, an aborted load leaves no worker behind, a worker that
// dies rejects its pending calls with E_WORKER, and load/dispose cycles keep the JS heap and the workers flat.
import { openDemo } from './browser.js';

let demo;
beforeAll(async () => {
  demo = await openDemo();
  // A same-origin document with the server's COOP/COEP headers, and the package's modules loaded.
  await demo.page.goto(new URL('/default-model.json', demo.server.url).href);
  await demo.page.evaluate(async () => {
    const [{ BertModel }, { BertWorkerModel }] = await Promise.all([import('/dist/index.js'), import('/dist/worker-client.js')]);
    Object.assign(globalThis, { BertModel, BertWorkerModel });
    const texts = ['The capital of France is [MASK].', 'a [MASK] b [MASK] c', 'Hello world!', 'Paris is nice.', '[MASK]'];
    // Call i of a mixed workload (masked-LM checkpoints, NSP where there is a head); results as JSON.
    globalThis.mixedCall = (model, i) => {
      const text = texts[i % texts.length];
      const call = [
        () => model.fillMask(text.includes('[MASK]') ? text : `${text} [MASK]`, { topK: 3 }),
        () => model.embed([text, texts[(i + 1) % texts.length]], { pooling: i % 2 ? 'cls' : 'mean' }),
        () => model.encode(text).then((r) => Array.from(r.lastHiddenState)),
        () => (model.info.heads.nextSentence ? model.nextSentence(text, texts[(i + 2) % texts.length]) : model.embed(text)),
        () => model.tokenizer.encode(text, texts[i % 3]),
      ][i % 5];
      return Promise.resolve(call()).then((r) => JSON.stringify(r));
    };
    globalThis.loadModel = (kind, name, options = {}) =>
      (kind === 'worker' ? BertWorkerModel : BertModel).load(`/models/${name}/`, { threads: 2, ...options });
  });
  expect(await demo.page.evaluate(() => crossOriginIsolated)).toBe(true);
}, 60000);
afterAll(() => demo?.close());

const workerCount = () => demo.page.workers().length;

// Waits until `read()` satisfies `ok` (workers end asynchronously after terminate()); returns the last value.
async function poll(read, ok, timeout = 10000) {
  const end = Date.now() + timeout;
  let value = await read();
  while (!ok(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

describe.each([['page', 'BertModel'], ['worker', 'BertWorkerModel']])('%s (%s)', (kind) => {
  test('1,000 overlapping mixed calls equal the same calls one by one', async () => {
    const { overlapped, sequential } = await demo.page.evaluate(async (kind) => {
      const model = await loadModel(kind, 'small-random');
      const overlapped = await Promise.all(Array.from({ length: 1000 }, (_, i) => mixedCall(model, i)));
      const sequential = [];
      for (let i = 0; i < 1000; i++) sequential.push(await mixedCall(model, i));
      model.dispose();
      return { overlapped, sequential };
    }, kind);
    expect(overlapped).toHaveLength(1000);
    expect(new Set(overlapped).size).toBeGreaterThan(5);  // not one answer repeated
    expect(overlapped).toEqual(sequential);
  }, 120000);

  test('two models interleaved answer as each alone', async () => {
    const { together, alone } = await demo.page.evaluate(async (kind) => {
      const models = await Promise.all([loadModel(kind, 'tiny-random'), loadModel(kind, 'small-random')]);
      const together = await Promise.all(Array.from({ length: 40 }, (_, i) => mixedCall(models[i % 2], i)));
      const alone = [];
      for (let i = 0; i < 40; i++) alone.push(await mixedCall(models[i % 2], i));
      models.forEach((m) => m.dispose());
      return { together, alone };
    }, kind);
    expect(together).toEqual(alone);
    expect(together[0]).not.toEqual(together[5]);  // the two models answer differently
  }, 120000);

  test('dispose with calls queued settles every promise; later calls are E_DISPOSED', async () => {
    const outcome = await demo.page.evaluate(async (kind) => {
      const model = await loadModel(kind, 'small-random');
      const calls = Array.from({ length: 50 }, (_, i) => mixedCall(model, i));
      model.dispose();
      const settled = await Promise.allSettled(calls);
      const later = await mixedCall(model, 0).then(() => 'resolved', (e) => e.code);
      return { settled: settled.map((s) => (s.status === 'fulfilled' ? 'ok' : s.reason.code)), later };
    }, kind);
    expect(outcome.settled).toHaveLength(50);
    expect(outcome.settled.every((s) => s === 'ok' || s === 'E_DISPOSED')).toBe(true);
    expect(outcome.settled).toContain('E_DISPOSED');
    expect(outcome.later).toBe('E_DISPOSED');
  }, 60000);

  test('a load aborted while the weights stream leaves no worker behind, and the next load works', async () => {
    const before = workerCount();
    const outcome = await demo.page.evaluate(async (kind) => {
      const controller = new AbortController();
      const error = await loadModel(kind, 'small-random', {
        signal: controller.signal,
        onProgress: ({ loaded }) => loaded > 0 && controller.abort(),
      }).then(() => null, (e) => e.code);
      await new Promise((r) => setTimeout(r, 200));  // terminated workers go
      return error;
    }, kind);
    expect(outcome).toBe('E_ABORTED');
    expect(await poll(workerCount, (n) => n <= before)).toBeLessThanOrEqual(before);
    const answer = await demo.page.evaluate(async (kind) => {
      const model = await loadModel(kind, 'small-random');
      const r = await mixedCall(model, 0);
      model.dispose();
      return r;
    }, kind);
    expect(JSON.parse(answer)[0]).toHaveLength(3);  // the one mask's top 3
  }, 60000);

  test('100 load/dispose cycles keep the JS heap and the workers flat', async () => {
    const cdp = await demo.page.context().newCDPSession(demo.page);
    await cdp.send('Performance.enable');
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize').value / 2 ** 20;
    };
    const cycles = (n) => demo.page.evaluate(async ([kind, n]) => {
      for (let i = 0; i < n; i++) (await loadModel(kind, 'tiny-random')).dispose();
    }, [kind, n]);
    await cycles(20);
    const workers = workerCount();
    const first = await heap();
    await cycles(100);
    expect(await poll(workerCount, (n) => n <= workers)).toBeLessThanOrEqual(workers);
    const last = await heap();
    console.log(`Chromium ${kind}: 100 load/dispose cycles: JS heap ${first.toFixed(2)} -> ${last.toFixed(2)} MB, workers ${workers} -> ${workerCount()}`);
    expect(last - first).toBeLessThan(4);  // a model's tokenizer and info alone are ~1 MB
    await cdp.detach();
  }, 120000);
});

test('a worker that dies rejects its pending calls with E_WORKER, and later calls too', async () => {
  const earlier = new Set(demo.page.workers());  // disposed models' workers may linger a moment
  await demo.page.evaluate(async () => {
    globalThis.doomed = await loadModel('worker', 'small-random');
  });
  const worker = demo.page.workers().find((w) => !earlier.has(w) && w.url().endsWith('/bert-worker.js'));
  expect(worker).toBeDefined();
  await worker.evaluate(() => self.close()).catch(() => {});  // as if it crashed: no message, no error event
  const outcome = await demo.page.evaluate(async () => {
    const pending = Array.from({ length: 20 }, (_, i) => mixedCall(doomed, i).then(() => 'ok', (e) => e.code));
    return {
      settled: await Promise.all(pending),
      later: await doomed.embed('x').then(() => 'ok', (e) => `${e.code}: ${e.message}`),
    };
  });
  expect(outcome.settled).toEqual(new Array(20).fill('E_WORKER'));
  expect(outcome.later).toMatch(/^E_WORKER: the model worker stopped/);
}, 60000);
