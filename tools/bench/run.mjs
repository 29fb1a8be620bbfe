// npm run bench [-- --peers] [-- --quick]: bert-wasm on a BERT-base-shaped checkpoint, in Node and in
// headless Chromium, 1 and 2 threads, plus the GEMM table, load time, peak memory and .wasm sizes.
// --peers also runs onnxruntime-web (Node, Chromium) and TF.js from ../shared/peerbench in the same
// run and adds ratio columns. Writes build/bench/results.{json,md} and prints the tables.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../demo/serve.mjs';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const build = join(root, 'build');
const peerbench = join(build, 'peerbench');
const modelDir = join(build, 'bert-base-random');
const out = join(build, 'bench');
const quick = process.argv.includes('--quick');
const withPeers = process.argv.includes('--peers');
const log = (...a) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const sh = (cmd, opts = {}) => execSync(cmd, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28, ...opts }).toString();
const jsonLines = (text) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

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
  for (const [cmd, threads] of [[native, 1], [wasm('simd'), 1]]) {
    log(`model: ${cmd.split('/').pop()}`);
    rows.push(...jsonLines(sh(`${cmd} model ${modelDir} --threads ${threads} ${reference}`)));
  }
  return rows;
}

// 4. The JS API in Node (a process per thread count) and in Chromium (a fresh browser per thread count).
function nodeBench() {
  return [1, 2].flatMap((threads) => {
    log(`Node, ${threads} thread(s)`);
    return JSON.parse(sh(`node tools/bench/node.mjs ${modelDir} ${threads}${quick ? ' --quick' : ''}`));
  });
}

async function chromiumBench() {
  const server = await startServer({ port: 0, bertModel: modelDir, mounts: [['/bench/', join(root, 'tools/bench')]] });
  const rows = [];
  try {
    for (const threads of [1, 2]) {
      log(`Chromium, ${threads} thread(s)`);
      const profile = mkdtempSync(join(tmpdir(), 'bert-wasm-bench-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync'],
      });
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${new URL('/bench/page.html', server.url)}?threads=${threads}${quick ? '&quick=1' : ''}`);
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

// 5. The peers, same machine, same run: onnxruntime-web in Node and Chromium, TF.js's XNNPACK matMul.
function peerBench() {
  const steps = ['b_ortweb_node_t1', 'b_ortweb_node_t2', 'c_ortweb_chromium', 'e_tfjs_chromium'];
  log(`peers: ${steps.join(' ')}`);
  sh('[ -d node_modules/onnxruntime-web ] || npm ci --ignore-scripts --no-audit --no-fund >&2', { cwd: peerbench });
  sh('bash run_all.sh >&2', { cwd: peerbench, env: { ...process.env, ONLY: steps.join(' '), SKIP_INT8: '1', ...(quick ? { QUICK: '1' } : {}) } });
  return steps.flatMap((s) => JSON.parse(readFileSync(join(peerbench, `results/raw/${s}.json`), 'utf8')));
}

// Measured as tools/build.sh and ../shared/peerbench measure them: gzip -9.
function sizes() {
  return ['bert-wasm-simd.wasm', 'bert-wasm-simd-threads.wasm'].map((file) => {
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
  lines.push('Fill-mask (one [MASK]) on a BERT-base-shaped checkpoint, batch 1, fp32; median / min ms over repeated runs after warm-up.');
  if (peers.length) lines.push('Ratio = bert-wasm median / onnxruntime-web median (full forward with logits), same run, and in brackets min / min; below 1 is faster.');
  lines.push('', '| where | threads | T=16 | T=128 | T=512 | ' + (peers.length ? 'ORT-web T=16 | T=128 | T=512 | ratio 16 | 128 | 512 |' : ''));
  lines.push('|---|---:|---:|---:|---:|' + (peers.length ? '---:|---:|---:|---:|---:|---:|' : ''));
  for (const where of ['Node', 'Chromium']) {
    for (const threads of [1, 2]) {
      const mine = (t) => ours.find((r) => r.env.includes(where === 'Node' ? 'Node' : 'Chrome') && r.threads === threads && r.seq === t);
      const peer = (t) =>
        peers.find((r) => r.runtime === 'onnxruntime-web' && (where === 'Node' ? !r.browser : !!r.browser) && r.threads === threads && r.seq === t && r.model === 'model.onnx');
      let row = `| ${where} | ${threads} | ${ms(mine(16))} | ${ms(mine(128))} | ${ms(mine(512))} |`;
      if (peers.length) row += ` ${ms(peer(16))} | ${ms(peer(128))} | ${ms(peer(512))} | ${ratio(mine(16), peer(16))} | ${ratio(mine(128), peer(128))} | ${ratio(mine(512), peer(512))} |`;
      lines.push(row);
    }
  }
  const speedup = (where) => {
    const at = (threads) => ours.find((r) => r.env.includes(where) && r.threads === threads && r.seq === 128);
    return at(1) && at(2) ? `${(at(1).median_ms / at(2).median_ms).toFixed(2)}× (mins ${(at(1).min_ms / at(2).min_ms).toFixed(2)}×)` : '–';
  };
  lines.push('', `2 threads vs 1 at T=128 (medians): Node ${speedup('Node')}, Chromium ${speedup('Chrome')}.`);

  lines.push('', 'f32 GEMM (LinearForward: packed weights, 4x8 SIMD128 microkernel), GFLOP/s median / best', '');
  lines.push('| shape (M x K x N) | native 1t | wasm 1t (Node) | wasm 2t (Node) |', '|---|---:|---:|---:|');
  const gemm = engine.filter((r) => r.bench === 'gemm');
  for (const g of gemm.filter((r) => r.where.startsWith('native'))) {
    const cell = (where) => {
      const r = gemm.find((x) => x.where.startsWith(where) && x.m === g.m && x.shape === g.shape);
      return r ? `${r.gflops_median} / ${r.gflops_best}` : '–';
    };
    lines.push(`| ${g.m}x${g.k}x${g.n} (${g.shape}) | ${cell('native')} | ${cell('wasm simd (')} | ${cell('wasm simd-threads')} |`);
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

  lines.push('', 'Load, memory, accuracy', '');
  for (const r of engine.filter((x) => x.bench === 'load')) {
    lines.push(`- ${r.where}: load ${r.load_ms} ms, first answer ${r.first_answer_ms} ms after the start, peak memory ${r.peak_memory_mb} MB`);
  }
  for (const r of engine.filter((x) => x.bench === 'memory')) lines.push(`- ${r.where}: peak memory after fill-mask at 16, 128 and 512 tokens ${r.peak_memory_mb} MB (weights: 438 MB)`);
  for (const r of engine.filter((x) => x.bench === 'reference')) {
    lines.push(`- ${r.where}: max |logits - torch| at T=${r.tokens}: ${r.max_abs_diff_vs_torch}`);
  }
  for (const r of ours.filter((x) => x.seq === 16)) lines.push(`- JS API, ${r.env}, ${r.threads} thread(s): load ${r.load_ms} ms, first answer ${r.first_answer_ms} ms${r.peak_rss_mb ? `, process RSS ${r.peak_rss_mb} MB` : ''}`);

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
const results = { machine, wasmSizes: sizes(), engine: engineBench(), ours: [...nodeBench(), ...(await chromiumBench())], peers: withPeers ? peerBench() : [] };
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 1));
const md = report(results);
writeFileSync(join(out, 'results.md'), md + '\n');
console.log(md);
