// npm run bench [-- --peers] [-- --quick] [-- --only=engine,node,chromium]: bert-wasm on a BERT-base-shaped checkpoint, fp32 and q8, in
// Node and in headless Chromium, 1 and 2 threads, plus the GEMM table, load time, peak memory, accuracy
// against torch and .wasm sizes. --peers also runs onnxruntime-web (fp32 and int8; Node, Chromium) and
// TF.js from ../shared/peerbench in the same run and adds ratio columns. Writes build/bench/results.{json,md}
// and prints the tables.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../demo/serve.mjs';
import { VARIANTS } from '../../js/runtime.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const build = join(root, 'build');
const peerbench = join(build, 'peerbench');
const modelDir = join(build, 'bert-base-random');
const q8Dir = join(build, 'bert-base-random-q8');  // npx bert-wasm quantize of modelDir
const out = join(build, 'bench');
const quick = process.argv.includes('--quick');
const withPeers = process.argv.includes('--peers');
// --only=PARTS: run just these parts (engine, node, chromium; peers with --peers), e.g. to re-measure one.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const part = (name, run, none) => (!only || only.includes(name) ? run() : none);
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const sh = (cmd, opts = {}) => execSync(cmd, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28, ...opts }).toString();
const jsonLines = (text) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const DTYPES = ['fp32', 'q8'];
// Chromium runs both instruction sets' builds (Node 20 has no relaxed SIMD without flags).
const ISAS = ['simd', 'relaxed'];

// 1. The checkpoint: ../shared/peerbench/model/make_model.py (torch, seed 0) in a scratch copy, with
//    bert-base-uncased's vocab.txt beside it.
function ensureCheckpoint() {
  if (!existsSync(join(peerbench, 'model/model.safetensors'))) {
    log('generating the BERT-base checkpoint (../shared/peerbench/model/make_model.py)');
    rmSync(peerbench, { recursive: true, force: true });
    sh(`cp -r ../shared/peerbench ${peerbench} && chmod -R u+w ${peerbench}`);
    sh('dpkg -s python3-torch python3-onnx libopenblas0-pthread >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq python3-torch python3-onnx libopenblas0-pthread >/dev/null)');
    sh('/usr/bin/python3 model/make_model.py >&2', { cwd: peerbench });
  }
  mkdirSync(modelDir, { recursive: true });
  for (const [name, target] of [
    ['config.json', join(peerbench, 'model/config.json')],
    ['model.safetensors', join(peerbench, 'model/model.safetensors')],
    ['vocab.txt', resolve(root, '../shared/models/bert-base-uncased/vocab.txt')],
  ]) {
    if (!existsSync(join(modelDir, name))) symlinkSync(target, join(modelDir, name));
  }
}

// 2. Builds: the package (dist/, wasm bench binaries) and the native bench binary.
function buildAll() {
  log('building');
  sh('bash tools/build.sh >&2');
  sh('cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build/native -j2 --target bert-bench >&2');
}

// 3. The C++ bench binary, natively and as wasm in Node: GEMM per layer shape, load, memory, logits vs torch.
function engineBench() {
  const native = join(build, 'native/bert-bench');
  // Emscripten 3.1.6's loader prefers fetch() when it exists, which cannot read files.
  const wasm = (variant) => `node --no-experimental-fetch ${join(build, `wasm/bench/bert-bench-${variant}.js`)}`;
  const reference = `--reference ${join(peerbench, 'model')}`;
  const rows = [];
  for (const [cmd, threads] of [[native, 1], [wasm('simd'), 1], [wasm('simd-threads'), 2]]) {
    log(`gemm: ${cmd.split('/').pop()} threads ${threads}`);
    rows.push(...jsonLines(sh(`${cmd} gemm --threads ${threads}`)));
  }
  for (const cmd of [native, wasm('simd-threads')]) rows.push(...jsonLines(sh(`${cmd} pool --threads 2`)));
  for (const cmd of [native, wasm('simd')]) rows.push(...jsonLines(sh(`${cmd} peak`)));
  for (const [cmd, threads, dtype] of [[native, 1, 'fp32'], [wasm('simd'), 1, 'fp32'], [wasm('simd'), 1, 'q8']]) {
    log(`model: ${cmd.split('/').pop()} ${dtype}`);
    rows.push(...jsonLines(sh(`${cmd} model ${modelDir} --threads ${threads} --dtype ${dtype} ${reference}`)));
  }
  // The q8 checkpoint folder: its size, and loading it (no quantizing on the way).
  log('quantize: npx bert-wasm quantize');
  const t0 = performance.now();
  sh(`node dist/cli.js quantize ${modelDir} ${q8Dir} 2>&1`);
  const weights = (dir) => statSync(join(dir, 'model.safetensors')).size;
  rows.push({ bench: 'quantize', ms: +(performance.now() - t0).toFixed(0), f32_bytes: weights(modelDir), q8_bytes: weights(q8Dir) });
  rows.push(...jsonLines(sh(`${wasm('simd')} model ${q8Dir} --threads 1`)).map((r) => ({ ...r, folder: 'q8 checkpoint' })));
  return rows;
}

// 4. The JS API in Node (a process per thread count) and in Chromium (a fresh browser per thread count).
function nodeBench() {
  return DTYPES.flatMap((dtype) => [1, 2].flatMap((threads) => {
    log(`Node, ${dtype}, ${threads} thread(s)`);
    return JSON.parse(sh(`node tools/bench/node.mjs ${modelDir} ${threads} ${dtype}${quick ? ' --quick' : ''}`));
  }));
}

async function chromiumBench() {
  const server = await startServer({ port: 0, bertModel: modelDir, mounts: [['/bench/', join(root, 'tools/bench')]] });
  const rows = [];
  try {
    for (const [isa, dtype, threads] of ISAS.flatMap((i) => DTYPES.flatMap((d) => [[i, d, 1], [i, d, 2]]))) {
      const variant = threads > 1 ? `${isa}-threads` : isa;
      log(`Chromium, ${variant}, ${dtype}, ${threads} thread(s)`);
      const profile = mkdtempSync(join(tmpdir(), 'bert-wasm-bench-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync'],
      });
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${new URL('/bench/page.html', server.url)}?threads=${threads}&dtype=${dtype}&variant=${variant}${quick ? '&quick=1' : ''}`);
      await page.waitForFunction(() => window.__done === true, null, { timeout: 20 * 60 * 1000, polling: 500 });
      const { results, error } = await page.evaluate(() => ({ results: window.__results, error: window.__error }));
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      if (error) throw new Error(`bench page: ${error}`);
      rows.push(...results);
    }
  } finally {
    await server.close();
  }
  return rows;
}

// 5. The peers, same machine, same run: onnxruntime-web fp32 and int8 (its dynamic quantization of the
//    same weights, model/quantize_int8.py) in Node and Chromium, TF.js's XNNPACK matMul; and
//    onnxruntime-web's accuracy against torch, measured as ours is.
function peerBench() {
  const steps = ['b_ortweb_node_t1', 'b_ortweb_node_t2', 'c_ortweb_chromium', 'c_ortweb_chromium_int8', 'e_tfjs_chromium'];
  log(`peers: ${steps.join(' ')}, onnxruntime-web int8 in Node`);
  sh('[ -d node_modules/onnxruntime-web ] || npm ci --ignore-scripts --no-audit --no-fund >&2', { cwd: peerbench });
  const env = { ...process.env, QUICK: quick ? '1' : '' };
  sh('bash run_all.sh >&2', { cwd: peerbench, env: { ...env, ONLY: steps.join(' ') } });
  const rows = steps.flatMap((s) => JSON.parse(readFileSync(join(peerbench, `results/raw/${s}.json`), 'utf8')));
  for (const threads of [1, 2]) rows.push(...JSON.parse(sh(`node bench/ortweb_node.mjs ${threads} model_int8.onnx`, { cwd: peerbench, env })));
  for (const model of ['model.onnx', 'model_int8.onnx']) {
    log(`onnxruntime-web accuracy: ${model}`);
    rows.push(...jsonLines(sh(`node tools/bench/ort_accuracy.mjs ${peerbench} ${model}`)));
  }
  return rows;
}

// Measured as tools/build.sh and ../shared/peerbench measure them: gzip -9.
function sizes() {
  return VARIANTS.map((variant) => `bert-wasm-${variant}.wasm`).map((file) => {
    const path = join(root, 'dist/wasm', file);
    return { file, bytes: readFileSync(path).length, gzip_bytes: Number(sh(`gzip -9 -c ${path} | wc -c`)) };
  });
}

// ---- the report -----------------------------------------------------------------------------------

const ms = (r) => (r ? `${r.median_ms.toFixed(1)} / ${r.min_ms.toFixed(1)}` : '–');
// Median over median, then min over min: the machine is noisy, and a burst only ever adds time, so the
// ratio of the minima is the steadier of the two.
const ratio = (a, b) => (a && b ? `${(a.median_ms / b.median_ms).toFixed(2)} (${(a.min_ms / b.min_ms).toFixed(2)})` : '–');

function report({ machine, ours, engine, peers, wasmSizes }) {
  const lines = [`bert-wasm bench — ${machine.date} — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`, ''];
  lines.push('Fill-mask (one [MASK]) on a BERT-base-shaped checkpoint, batch 1; median / min ms over repeated runs after warm-up.');
  if (peers.length) {
    lines.push('Peer: onnxruntime-web on the same weights, fp32 beside our fp32 and its dynamic int8 (model_int8.onnx) beside our q8.');
    lines.push('Ratio = bert-wasm median / onnxruntime-web median (full forward with logits), same run, and in brackets min / min; below 1 is faster.');
  }
  lines.push('', '| where | dtype | threads | T=16 | T=128 | T=512 | ' + (peers.length ? 'ORT-web T=16 | T=128 | T=512 | ratio 16 | 128 | 512 |' : ''));
  lines.push('|---|---|---:|---:|---:|---:|' + (peers.length ? '---:|---:|---:|---:|---:|---:|' : ''));
  // Rows: Node (SIMD128), Chromium with each instruction set's build.
  const places = [
    { where: 'Node', env: 'Node', isa: 'simd' },
    { where: 'Chromium', env: 'Chrome', isa: 'simd' },
    { where: 'Chromium', env: 'Chrome', isa: 'relaxed' },
  ];
  const ofPlace = (place) => (r) => r.env.includes(place.env) && r.backend?.startsWith(`wasm (${place.isa}`);
  for (const place of places) {
    for (const dtype of DTYPES) {
      for (const threads of [1, 2]) {
        const mine = (t) => ours.find((r) => ofPlace(place)(r) && r.dtype === dtype && r.threads === threads && r.seq === t);
        const model = dtype === 'q8' ? 'model_int8.onnx' : 'model.onnx';
        const peer = (t) =>
          peers.find((r) => r.runtime === 'onnxruntime-web' && (place.where === 'Node' ? !r.browser : !!r.browser) && r.threads === threads && r.seq === t && r.model === model);
        let row = `| ${place.where} (${place.isa}) | ${dtype} | ${threads} | ${ms(mine(16))} | ${ms(mine(128))} | ${ms(mine(512))} |`;
        if (peers.length) row += ` ${ms(peer(16))} | ${ms(peer(128))} | ${ms(peer(512))} | ${ratio(mine(16), peer(16))} | ${ratio(mine(128), peer(128))} | ${ratio(mine(512), peer(512))} |`;
        lines.push(row);
      }
    }
  }
  const at = (place, dtype, threads) => ours.find((r) => ofPlace(place)(r) && r.dtype === dtype && r.threads === threads && r.seq === 128);
  const [node, chromium, relaxed] = places;
  const times = (a, b) => (a && b ? `${(a.median_ms / b.median_ms).toFixed(2)}× (mins ${(a.min_ms / b.min_ms).toFixed(2)}×)` : '–');
  lines.push('', `2 threads vs 1 at T=128, fp32 (medians): Node ${times(at(node, 'fp32', 1), at(node, 'fp32', 2))}, Chromium ${times(at(chromium, 'fp32', 1), at(chromium, 'fp32', 2))}.`);
  lines.push(`q8 vs fp32 at T=128, 2 threads: Node ${times(at(node, 'fp32', 2), at(node, 'q8', 2))}, Chromium ${times(at(chromium, 'fp32', 2), at(chromium, 'q8', 2))}.`);
  for (const dtype of DTYPES) {
    lines.push(`Relaxed SIMD vs SIMD128 in Chromium at T=128, ${dtype}: 1 thread ${times(at(chromium, dtype, 1), at(relaxed, dtype, 1))}, 2 threads ${times(at(chromium, dtype, 2), at(relaxed, dtype, 2))}.`);
  }

  lines.push('', 'GEMM (LinearForward: packed weights; f32 4x8 SIMD128 microkernel, q8 4x8c2 SIMD128 microkernel with int16 dot products), GFLOP/s (q8: GOP/s) median / best', '');
  lines.push('| shape (M x K x N) | dtype | native 1t | wasm 1t (Node) | wasm 2t (Node) |', '|---|---|---:|---:|---:|');
  const gemm = engine.filter((r) => r.bench === 'gemm');
  for (const g of gemm.filter((r) => r.where.startsWith('native'))) {
    const cell = (where) => {
      const r = gemm.find((x) => x.where.startsWith(where) && x.m === g.m && x.shape === g.shape && x.dtype === g.dtype);
      return r ? `${r.gflops_median} / ${r.gflops_best}` : '–';
    };
    lines.push(`| ${g.m}x${g.k}x${g.n} (${g.shape}) | ${g.dtype} | ${cell('native')} | ${cell('wasm simd (')} | ${cell('wasm simd-threads')} |`);
  }
  const quantize = engine.filter((r) => r.bench === 'quantize_rows' && r.where.startsWith('wasm simd ('));
  if (quantize.length) {
    lines.push('', `q8 activations quantized into row tiles (the first step of every q8 GEMM), wasm 1t (Node), ns per value median / best: ${quantize.map((r) => `${r.m}x${r.k} ${r.ns_per_value_median} / ${r.ns_per_value_best}`).join(', ')}.`);
  }
  for (const r of engine.filter((x) => x.bench === 'peak')) {
    lines.push('', `Ceiling, ${r.where}: 8 SIMD128 mul + 8 add per step, operands in registers (bert-bench peak): ${r.gflops_median} GFLOP/s median (${r.gflops_best} best).`);
  }
  const tfjs = peers.filter((r) => r.runtime === 'tfjs-backend-wasm' && r.kind === 'gemm' && r.threads === 1);
  if (tfjs.length) {
    lines.push('', 'TF.js WASM (XNNPACK) tf.matMul in Chromium, 1 thread, same run (GFLOP/s median / best):', '');
    for (const r of tfjs) lines.push(`- ${r.name}: ${r.gflops_median} / ${r.gflops_best}`);
  }

  for (const r of engine.filter((x) => x.bench === 'pool')) {
    lines.push('', `Thread pool hand-off, ${r.where}, ${r.threads} threads: ${r.us_per_run_median} µs per Run median (${r.us_per_run_best} best).`);
  }

  lines.push('', 'Load and memory', '');
  const from = (r) => `${r.where}, ${r.dtype}${r.folder ? ` (${r.folder})` : ''}`;
  for (const r of engine.filter((x) => x.bench === 'load')) {
    lines.push(`- ${from(r)}: load ${r.load_ms} ms, first answer ${r.first_answer_ms} ms after the start, peak memory ${r.peak_memory_mb} MB`);
  }
  for (const r of engine.filter((x) => x.bench === 'memory')) lines.push(`- ${from(r)}: peak memory after fill-mask at 16, 128 and 512 tokens ${r.peak_memory_mb} MB (f32 weights: 438 MB)`);
  for (const r of engine.filter((x) => x.bench === 'quantize')) {
    lines.push(`- npx bert-wasm quantize: ${r.ms} ms; model.safetensors ${r.f32_bytes.toLocaleString('en')} -> ${r.q8_bytes.toLocaleString('en')} bytes (${((100 * r.q8_bytes) / r.f32_bytes).toFixed(1)}%)`);
  }
  for (const r of ours.filter((x) => x.seq === 16)) lines.push(`- JS API, ${r.env}, ${r.backend}, ${r.dtype}, ${r.threads} thread(s): load ${r.load_ms} ms, first answer ${r.first_answer_ms} ms${r.peak_rss_mb ? `, process RSS ${r.peak_rss_mb} MB` : ''}`);
  for (const r of ours.filter((x) => x.kind === 'load-overhead')) {
    lines.push(`- ${r.env}, ${r.variant}, ${r.dtype}, ${r.threads} thread(s), cache off, medians of ${r.rounds}: fetching and reading the files ${r.fetch_ms} ms, load() ${r.load_ms} ms: ${r.overhead_ms} ms beyond the download (mins: ${r.overhead_min_ms} ms); writing ${r.first_touch_mb} MB (the weights in compute form) into fresh WebAssembly memory alone takes ${r.first_touch_ms} ms here`);
  }

  lines.push('', 'Accuracy against torch (float32) over every position of the token pattern: max |logit difference|, mean KL(torch || ours) of the softmax, share of positions with the same top-1 token and the same top-5 set', '');
  lines.push('| runtime | dtype | T | max abs diff | KL | top-1 | top-5 |', '|---|---|---:|---:|---:|---:|---:|');
  for (const r of [...engine, ...peers].filter((x) => x.bench === 'reference' && !x.folder)) {
    lines.push(`| ${r.where} | ${r.dtype} | ${r.tokens} | ${r.max_abs_diff_vs_torch} | ${r.kl_vs_torch} | ${r.top1_agreement} | ${r.top5_agreement} |`);
  }

  lines.push('', '| .wasm | bytes | gzip -9 |', '|---|---:|---:|');
  for (const s of wasmSizes) lines.push(`| ${s.file} | ${s.bytes.toLocaleString('en')} | ${s.gzip_bytes.toLocaleString('en')} |`);
  return lines.join('\n');
}

ensureCheckpoint();
buildAll();
const machine = {
  date: new Date().toISOString().slice(0, 10),
  cpu: execSync("lscpu | sed -n 's/^Model name: *//p'").toString().trim() || cpus()[0].model,
  cores: cpus().length,
  node: process.version,
};
const results = {
  machine,
  wasmSizes: sizes(),
  engine: part('engine', engineBench, []),
  ours: [...part('node', nodeBench, []), ...(await part('chromium', chromiumBench, []))],
  peers: withPeers ? part('peers', peerBench, []) : [],
};
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 1));
const md = report(results);
writeFileSync(join(out, 'results.md'), md + '\n');
console.log(md);
