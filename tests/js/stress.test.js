// Concurrency and lifecycle under load: 1,000 overlapping calls of mixed tasks give exactly the
// sequential results, two models interleaved do not interfere, dispose settles every queued call, and
// 500 load/dispose cycles keep memory flat (measured in a child process with --expose-gc).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BertModel } from '../../dist/node.js';
import { REPO, VARIANTS, modelDir } from './helpers.js';

const TEXTS = ['The capital of France is [MASK].', 'a [MASK] b [MASK] c', 'Hello world!', 'Paris is nice.', '[MASK]'];

// Call i of a mixed workload on a masked-LM checkpoint with an NSP head (small-random).
function call(model, i) {
  const text = TEXTS[i % TEXTS.length];
  switch (i % 5) {
    case 0: return model.fillMask(text.includes('[MASK]') ? text : `${text} [MASK]`, { topK: 3 });
    case 1: return model.embed([text, TEXTS[(i + 1) % TEXTS.length]], { pooling: i % 2 ? 'cls' : 'mean' });
    case 2: return model.encode(text).then((r) => r.lastHiddenState);
    case 3: return model.nextSentence(text, TEXTS[(i + 2) % TEXTS.length]);
    default: return Promise.resolve(model.tokenizer.encode(text, TEXTS[i % 3]));
  }
}

describe.each(VARIANTS)('%s build', (name, options) => {
  test('1,000 overlapping mixed calls equal the same calls one by one', async () => {
    const model = await BertModel.load(modelDir('small-random'), options);
    const overlapping = await Promise.all(Array.from({ length: 1000 }, (_, i) => call(model, i)));
    for (let i = 0; i < 1000; i += 7) expect(overlapping[i]).toEqual(await call(model, i));
    model.dispose();
  }, 120000);

  test('two models interleaved answer as each alone', async () => {
    const [mlm, cls] = await Promise.all([BertModel.load(modelDir('tiny-random'), options), BertModel.load(modelDir('tiny-seqcls'), options)]);
    const alone = [await mlm.fillMask(TEXTS[0]), await cls.classify(TEXTS[2], { topK: null })];
    const mixed = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? cls.classify(TEXTS[2], { topK: null }) : mlm.fillMask(TEXTS[0]))));
    mixed.forEach((r, i) => expect(r).toEqual(alone[i % 2]));
    mlm.dispose();
    cls.dispose();
  }, 60000);

  test('dispose with calls queued settles every promise; later calls are E_DISPOSED', async () => {
    const model = await BertModel.load(modelDir('tiny-random'), options);
    const calls = Array.from({ length: 50 }, (_, i) => call(model, i));
    model.dispose();
    const settled = await Promise.allSettled(calls);
    expect(settled).toHaveLength(50);
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason.code).toBe('E_DISPOSED');
    }
    expect(settled.filter((s) => s.status === 'rejected').length).toBeGreaterThan(0);
    await expect(model.embed('x')).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });
});

// Runs `cycles` load/dispose cycles of tiny-random in a fresh Node with --expose-gc, sampling after a GC
// every 25 cycles once 50 have warmed up: RSS and JS heap (MB), and the process's OS threads.
function cycleMemory(cycles, variant) {
  const script = `
    import { readdirSync } from 'node:fs';
    import { BertModel } from ${JSON.stringify(pathToFileURL(join(REPO, 'dist/node.js')).href)};
    const cycle = async () => (await BertModel.load(${JSON.stringify(modelDir('tiny-random'))}, { variant: '${variant}', threads: 2 })).dispose();
    const samples = [];
    for (let i = 1; i <= ${cycles}; i++) {
      await cycle();
      if (i >= 50 && i % 25 === 0) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 50));  // terminated workers exit
        const { rss, heapUsed } = process.memoryUsage();
        samples.push({ rss: rss / 2 ** 20, heap: heapUsed / 2 ** 20, threads: readdirSync('/proc/self/task').length });
      }
    }
    console.log(JSON.stringify(samples));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// The JS heap and the thread count must stay flat. RSS swings by tens of MB (hundreds with threads) as V8
// frees wasm memories and worker isolates lazily, so it is compared by medians of the first and last four
// samples against a bound that a model's memory leaked per cycle (~40 MB) would break many times over.
test.each([['simd', 500, 64], ['simd-threads', 200, 384]])('%s: %i load/dispose cycles keep memory and threads flat', async (variant, cycles, rssBound) => {
  const samples = await cycleMemory(cycles, variant);
  const med = (key, part) => median(part.map((x) => x[key]));
  const [first, last] = [samples.slice(0, 4), samples.slice(-4)];
  console.log(`${variant}, ${cycles} cycles: RSS median ${med('rss', first).toFixed(1)} -> ${med('rss', last).toFixed(1)} MB, ` +
    `JS heap ${med('heap', first).toFixed(2)} -> ${med('heap', last).toFixed(2)} MB, threads ${first[0].threads} -> ${samples.at(-1).threads}`);
  expect(med('heap', last) - med('heap', first)).toBeLessThan(4);
  expect(samples.at(-1).threads).toBeLessThanOrEqual(first[0].threads);
  expect(med('rss', last) - med('rss', first)).toBeLessThan(rssBound);
}, 240000);
