// The relaxed-SIMD builds. Node 20 has relaxed SIMD only behind --experimental-wasm-relaxed-simd: without
// it (this process) loads take the SIMD128 builds and asking for a relaxed one is E_WASM; with it (a child
// Node) loads take the relaxed builds by default, and they answer every task of the shared checkpoints as
// the SIMD128 build does (the fused multiply-add rounds differently, by ulps; q8's int32 sums are exact in
// both); a relaxed engine that fails its self-test gives way to the SIMD128 build, as Node 20's own
// baseline compiler does (it drops relaxed SIMD's 8-bit dot accumulator).
import { spawn } from 'node:child_process';
import { BertModel } from '../../dist/node.js';
import { bertError, modelDir, REPO } from './helpers.js';

// Runs an ES module in a child Node (with `flags`) from the repo's root; resolves to {code, stdout,
// stderr}. A child still running after `limitMs` is killed (code null).
function runNode(flags, source, limitMs = 100000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', source], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// Node 20 with relaxed SIMD on: with its baseline compiler (Liftoff), whose 8-bit dot is wrong, or with
// its optimizing compiler only.
const RELAXED = ['--experimental-wasm-relaxed-simd'];
const RELAXED_OPTIMIZED = [...RELAXED, '--no-liftoff'];

// Runs an ES module in a child Node with `flags`; resolves to what it printed, parsed.
async function printed(flags, source) {
  const { code, stdout, stderr } = await runNode(flags, source);
  if (code !== 0) throw new Error(`exit ${code}: ${stderr.slice(0, 2000)}`);
  return JSON.parse(stdout);
}

// Every task head of the shared checkpoints, f32 and q8: [checkpoint, load options, method, arguments].
const CALLS = [
  ['tiny-random', {}, 'fillMask', ['the [MASK] of the [MASK] works', { topK: 5 }]],
  ['tiny-random', { dtype: 'q8' }, 'fillMask', ['the [MASK] of the [MASK] works', { topK: 5 }]],
  ['small-random', {}, 'encode', ['a longer sentence with several words in it']],
  ['tiny-seqcls', {}, 'classify', [['good film', 'a bad one'], { topK: 2 }]],
  ['tiny-ner', {}, 'classifyTokens', ['John lives in Paris']],
  ['tiny-qa', {}, 'answer', ['who lives there?', 'John lives in Paris with his cat.']],
  ['tiny-sentence-transformer', {}, 'embed', [['one sentence', 'and another one']]],
  ['tiny-distilbert-sst2', { dtype: 'q8' }, 'classify', ['a fine day']],
];

const SCRIPT = (calls, variants) => `
  import { BertModel } from './dist/node.js';
  const out = [];
  for (const [name, options, method, args] of ${JSON.stringify(calls)}) {
    const row = {};
    for (const variant of ${JSON.stringify(variants)}) {
      const model = await BertModel.load(${JSON.stringify(modelDir(''))} + name, {
        ...options, variant: variant === 'default' ? undefined : variant, threads: 2,
      });
      row[variant] = { variant: model.info.variant, gemm: model.info.gemm, result: await model[method](...args) };
      model.dispose();
    }
    out.push(row);
  }
  console.log(JSON.stringify(out));
`;

// The leaves of a JSON value, in order.
const leaves = (value) => (value !== null && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [value]);

// Numbers within `tolerance` (scaled by magnitude); everything else (tokens, labels, offsets) equal.
function expectClose(ours, theirs, tolerance, what) {
  const [a, b] = [leaves(ours), leaves(theirs)];
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    if (typeof x === 'number' && !Number.isInteger(x)) {
      if (!(Math.abs(x - b[i]) <= tolerance * (1 + Math.abs(b[i])))) throw new Error(`${what}: leaf ${i}: ${x} vs ${b[i]}`);
    } else {
      expect(x).toEqual(b[i]);
    }
  });
}

test('without relaxed SIMD a load takes a SIMD128 build, and asking for a relaxed one is E_WASM', async () => {
  const model = await BertModel.load(modelDir('tiny-random'), { threads: 2 });
  expect(model.info.variant).toBe('simd-threads');
  const answer = await model.fillMask('the [MASK] works');
  model.dispose();
  await bertError(BertModel.load(modelDir('tiny-random'), { variant: 'relaxed' }), 'E_WASM', /relaxed/);
  const again = await BertModel.load(modelDir('tiny-random'), { variant: 'simd' });
  expect(await again.fillMask('the [MASK] works')).toEqual(answer);
  again.dispose();
});

test('a threaded build that cannot start ends its workers: the process exits', async () => {
  // Workers left running would hold the child open until it is killed.
  const { code, stdout } = await runNode([], `
    import { BertModel } from './dist/node.js';
    const error = await BertModel.load(${JSON.stringify(modelDir('tiny-random'))}, { variant: 'relaxed-threads', threads: 2 }).catch((e) => e);
    console.log(error.code);
  `, 20000);
  expect({ code, stdout }).toEqual({ code: 0, stdout: 'E_WASM\n' });
}, 30000);

test('with relaxed SIMD, loads take the relaxed builds and answer every task as SIMD128 does', async () => {
  const rows = await printed(RELAXED_OPTIMIZED, SCRIPT(CALLS, ['simd', 'relaxed', 'relaxed-threads', 'default']));
  expect(rows).toHaveLength(CALLS.length);
  rows.forEach((row, i) => {
    const what = `${CALLS[i][0]} ${JSON.stringify(CALLS[i][1])} ${CALLS[i][2]}`;
    expect([row.simd.variant, row.relaxed.variant, row['relaxed-threads'].variant, row.default.variant]).toEqual([
      'simd', 'relaxed', 'relaxed-threads', 'relaxed-threads',
    ]);
    for (const variant of ['relaxed', 'relaxed-threads', 'default']) expectClose(row[variant].result, row.simd.result, 1e-4, `${what} ${variant}`);
    // q8: SIMD128's int16 dot, or relaxed SIMD's 8-bit one (in one dot where this engine multiplies
    // unsigned bytes exactly, in two where it reads the top bit as a sign; where it saturates product
    // pairs, as Node 20 and 22 do on x86, the int16 dot again), the same in every relaxed engine of the process.
    const q8 = CALLS[i][1].dtype === 'q8';
    expect(row.simd.gemm).toBe(q8 ? 'q8-4x8c2-wasmsimd' : 'f32-4x8-wasmsimd');
    expect(q8 ? ['q8-4x8c4-wasmusdot', 'q8-4x8c4-wasmrelaxed', 'q8-4x8c2-wasmsimd'] : ['f32-4x8-wasmrelaxed']).toContain(row.relaxed.gemm);
    expect([row['relaxed-threads'].gemm, row.default.gemm]).toEqual([row.relaxed.gemm, row.relaxed.gemm]);
  });
}, 120000);

test('a relaxed engine that fails its self-test gives way to the SIMD128 build, for this and later loads', async () => {
  const out = await printed(RELAXED_OPTIMIZED, `
    import { BertModel } from './dist/node.js';
    import { host, useHost } from './dist/runtime.js';
    // An engine that computes wrongly: its self-test says so, as on Node 20's baseline compiler.
    const started = [];
    const create = host.createEngine;
    useHost({
      async createEngine(urls, options) {
        const engine = await create(urls, options);
        started.push(urls.wasm.pathname.split('/').pop());
        if (urls.wasm.pathname.includes('relaxed')) engine.microkernelsWork = () => false;
        return engine;
      },
    });
    const dir = ${JSON.stringify(modelDir('tiny-random'))};
    const variants = [];
    for (let i = 0; i < 2; i++) {
      const model = await BertModel.load(dir, { threads: 2 });
      variants.push(model.info.variant);
      model.dispose();
    }
    const asked = await BertModel.load(dir, { variant: 'relaxed' }).then(() => null, (e) => [e.code, e.message]);
    console.log(JSON.stringify({ variants, started, asked }));
  `);
  expect(out.variants).toEqual(['simd-threads', 'simd-threads']);
  // The first load tried relaxed once; the second went straight to SIMD128; the explicit ask was refused.
  expect(out.started).toEqual(['bert-wasm-relaxed-threads.wasm', 'bert-wasm-simd-threads.wasm', 'bert-wasm-simd-threads.wasm', 'bert-wasm-relaxed.wasm']);
  expect(out.asked[0]).toBe('E_WASM');
  expect(out.asked[1]).toMatch(/relaxed.*self-test/);
}, 60000);

// Node 20's baseline compiler computes relaxed_dot_i8x16_i7x16_add without its accumulator (later Nodes
// compute it right): the engine's own self-test must catch it there, with no help.
test('a real engine that computes relaxed SIMD wrongly fails the self-test: loads take SIMD128', async () => {
  const out = await printed(RELAXED, `
    import { BertModel } from './dist/node.js';
    const model = await BertModel.load(${JSON.stringify(modelDir('tiny-random'))}, { dtype: 'q8', threads: 2 });
    console.log(JSON.stringify({ variant: model.info.variant, answer: await model.fillMask('the [MASK] works', { topK: 5 }) }));
    model.dispose();
  `);
  const baselineIsWrong = process.versions.node.split('.')[0] === '20';
  expect(out.variant).toBe(baselineIsWrong ? 'simd-threads' : 'relaxed-threads');
  const simd = await BertModel.load(modelDir('tiny-random'), { dtype: 'q8', variant: 'simd' });
  expectClose(out.answer, await simd.fillMask('the [MASK] works', { topK: 5 }), 1e-4, 'q8 fill-mask');
  simd.dispose();
}, 60000);
