// What `npm run bench` times, shared by Node (node.mjs) and Chromium (page.html): BertModel loading a
// BERT-base checkpoint and filling one [MASK] in the peerbench token pattern at 16/128/512 tokens.
import { FOLDER_FILES } from '../../dist/sources.js';  // the built package: dist/ in Node, /dist/ on the bench page

export const SEQS = [16, 128, 512];

// ../shared/peerbench's pattern: ids[i] = (1000 + 7919 i) mod 29000 + 1000, [CLS] first, [SEP] last;
// here with a [MASK] in the middle, since fill-mask is the job.
export function maskedPattern(t) {
  const ids = Array.from({ length: t }, (_, i) => ((1000 + i * 7919) % 29000) + 1000);
  ids[0] = 101;
  ids[t - 1] = 102;
  ids[t >> 1] = 103;
  return { inputIds: ids };
}

export function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median_ms: +median.toFixed(2), min_ms: +s[0].toFixed(2), n, all_ms: times.map((t) => +t.toFixed(2)) };
}

export function runsFor(t, quick) {
  if (quick) return { warmup: 1, runs: t >= 512 ? 2 : 3 };
  return { warmup: t >= 512 ? 1 : 2, runs: t === 16 ? 20 : t === 128 ? 10 : 5 };
}

/** Loads the model ({threads, dtype, variant}) and times fill-mask; returns result rows in peerbench's shape. */
export async function benchBertWasm(BertModel, source, { threads, dtype = 'fp32', variant, quick = false, env }) {
  const t0 = performance.now();
  const model = await BertModel.load(source, { threads, dtype, variant });
  const loadMs = performance.now() - t0;
  const first = performance.now();
  await model.fillMask(maskedPattern(16));
  const firstAnswerMs = loadMs + performance.now() - first;
  const rows = [];
  for (const t of SEQS) {
    const { warmup, runs } = runsFor(t, quick);
    const input = maskedPattern(t);
    for (let i = 0; i < warmup; i++) await model.fillMask(input);
    const times = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      await model.fillMask(input);
      times.push(performance.now() - s);
    }
    rows.push({
      runtime: 'bert-wasm',
      env,
      backend: `wasm (${model.info.variant})`,
      model: 'model.safetensors',
      dtype: model.info.dtype,
      threads: model.info.threads,
      seq: t,
      batch: 1,
      task: 'fill-mask, 1 [MASK]',
      load_ms: +loadMs.toFixed(1),
      first_answer_ms: +firstAnswerMs.toFixed(1),
      ...stats(times),
    });
  }
  model.dispose();
  return rows;
}

/**
 * What loading costs beyond the download: the files a folder load asks for, fetched and read (chunk by
 * chunk, kept nowhere) in parallel as load() does, then BertModel.load with the model-file cache off;
 * alternated `rounds` times, since both swing by a second from one run to the next here.
 * Beside it, the floor the machine sets: writing as many bytes as the weights take in compute form (the
 * file's size in fp32 from an f32 file, a quarter of it in q8) into WebAssembly memory never touched before.
 * Each new page faults once, at a cost that depends on the machine (VMs pay most), and the weights must
 * land in wasm memory whatever the loader does. One row.
 */
export async function loadOverhead(BertModel, folder, { threads, dtype = 'fp32', variant, env, rounds = 3 }) {
  const computeShare = dtype === 'q8' ? 1 / 4 : 1;  // of the file's bytes, what the weights take in compute form
  let weightBytes = 0, ran;
  const fetchMs = [], loadMs = [], touchMs = [];
  for (let i = 0; i < rounds; i++) {
    weightBytes = 0;
    const t0 = performance.now();
    await Promise.all(Object.values(FOLDER_FILES).map(async (name) => {
      const reader = (await fetch(new URL(name, new URL(folder, location.href)))).body.getReader();
      for (let r; !(r = await reader.read()).done;) if (name === FOLDER_FILES.weights) weightBytes += r.value.byteLength;
    }));
    fetchMs.push(performance.now() - t0);
    const t1 = performance.now();
    const model = await BertModel.load(folder, { threads, dtype, variant, cache: false });
    loadMs.push(performance.now() - t1);
    ran = model.info.variant;
    model.dispose();
    touchMs.push(firstTouchMs(weightBytes * computeShare));
  }
  const [fetched, load, touch] = [fetchMs, loadMs, touchMs].map(stats);
  return {
    runtime: 'bert-wasm', env, kind: 'load-overhead', dtype, threads, variant: ran, rounds,
    fetch_ms: fetched.median_ms, load_ms: load.median_ms, overhead_ms: +(load.median_ms - fetched.median_ms).toFixed(0),
    overhead_min_ms: +(load.min_ms - fetched.min_ms).toFixed(0),
    first_touch_mb: +((weightBytes * computeShare) / 1e6).toFixed(0), first_touch_ms: touch.median_ms,
  };
}

// Milliseconds to write `bytes` into a fresh WebAssembly memory, 4 MB at a time as load() copies chunks.
function firstTouchMs(bytes) {
  const heap = new Uint8Array(new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) }).buffer);
  const chunk = new Uint8Array(4 << 20).fill(1);
  const t = performance.now();
  for (let at = 0; at < heap.length; at += chunk.length) heap.set(chunk.subarray(0, heap.length - at), at);
  return performance.now() - t;
}
