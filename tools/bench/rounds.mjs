// Alternating rounds in Node, for a noisy machine: bert-wasm and onnxruntime-web, each in its own process,
// one after the other, N times; prints each round's medians at T=128 and their ratio, then the median
// ratio over the rounds. Needs what `npm run bench -- --peers` sets up (dist/, build/bert-base-random and
// build/peerbench with its int8 model).
//   node tools/bench/rounds.mjs [--rounds=5] [--threads=2] [--dtype=q8|fp32] [--isa=simd|relaxed]
// (--isa=relaxed: our relaxed builds, for a Node with relaxed SIMD on, 22 or later)
import { execSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const option = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const rounds = Number(option('rounds', 5));
const threads = Number(option('threads', 2));
const dtype = option('dtype', 'q8');
const isa = option('isa', 'simd');
const peerModel = dtype === 'q8' ? 'model_int8.onnx' : 'model.onnx';
const T = 128;

const run = (cmd, cwd) => JSON.parse(execSync(cmd, { cwd, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 }).toString());
const atT = (rows) => rows.find((r) => r.seq === T);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ratios = [];
for (let i = 1; i <= rounds; i++) {
  const ours = atT(run(`node tools/bench/node.mjs build/bert-base-random ${threads} ${dtype} ${isa}`, root));
  const peer = atT(run(`node bench/ortweb_node.mjs ${threads} ${peerModel}`, join(root, 'build/peerbench')));
  ratios.push(peer.median_ms / ours.median_ms);
  console.log(`round ${i}: bert-wasm ${dtype} (${ours.backend}) ${ours.median_ms} ms (min ${ours.min_ms}), onnxruntime-web ${peerModel} ` +
    `${peer.median_ms} ms (min ${peer.min_ms}): ${ratios.at(-1).toFixed(2)}x`);
}
console.log(`T=${T}, ${threads} thread(s): bert-wasm ${dtype} is ${median(ratios).toFixed(2)}x onnxruntime-web's ${peerModel} ` +
  `(median of ${rounds} rounds; range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x)`);
