// onnxruntime-web's logits against the torch reference, measured as bert-bench measures ours (max
// |difference|, mean KL(torch || ort) of the softmax, top-1 and top-5 agreement over every position):
//   node tools/bench/ort_accuracy.mjs PEERBENCH_DIR MODEL.onnx   (one JSON line per T in 16, 128)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [folder, modelFile] = process.argv.slice(2);
const peerbench = resolve(folder);
const ort = await import(pathToFileURL(createRequire(join(peerbench, 'package.json')).resolve('onnxruntime-web')).href);
const VOCAB = 30522;

// The peerbench token pattern (no [MASK]): what the reference logits were computed on.
const pattern = (t) => Array.from({ length: t }, (_, i) => (i === 0 ? 101 : i === t - 1 ? 102 : ((1000 + i * 7919) % 29000) + 1000));

function logSumExp(x) {
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

function topK(x, k) {
  return Array.from(x.keys()).sort((a, b) => x[b] - x[a]).slice(0, k).sort((a, b) => a - b).join();
}

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';
const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(join(peerbench, 'model', modelFile))), {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
});
for (const t of [16, 128]) {
  const int64 = (values) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, t]);
  const { logits } = await session.run({
    input_ids: int64(pattern(t)),
    attention_mask: int64(new Array(t).fill(1)),
    token_type_ids: int64(new Array(t).fill(0)),
  });
  const bytes = readFileSync(join(peerbench, 'model', `reference_logits_b1_t${t}.bin`));
  const reference = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let max = 0;
  let kl = 0;
  let top1 = 0;
  let top5 = 0;
  for (let pos = 0; pos < t; pos++) {
    const theirs = logits.data.subarray(pos * VOCAB, (pos + 1) * VOCAB);
    const torch = reference.subarray(pos * VOCAB, (pos + 1) * VOCAB);
    const zTheirs = logSumExp(theirs);
    const zTorch = logSumExp(torch);
    let klPos = 0;
    for (let i = 0; i < VOCAB; i++) {
      max = Math.max(max, Math.abs(theirs[i] - torch[i]));
      const logP = torch[i] - zTorch;
      klPos += Math.exp(logP) * (logP - (theirs[i] - zTheirs));
    }
    kl += klPos / t;
    top1 += topK(theirs, 1) === topK(torch, 1) ? 1 / t : 0;
    top5 += topK(theirs, 5) === topK(torch, 5) ? 1 / t : 0;
  }
  console.log(JSON.stringify({
    bench: 'reference', where: 'onnxruntime-web (Node)', dtype: modelFile.includes('int8') ? 'int8' : 'fp32', tokens: t,
    max_abs_diff_vs_torch: +max.toPrecision(3), kl_vs_torch: +kl.toPrecision(3), top1_agreement: +top1.toFixed(4),
    top5_agreement: +top5.toFixed(4),
  }));
}
await session.release();
process.exit(0);
