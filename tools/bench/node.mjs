// bert-wasm's JS API in Node on the BERT-base checkpoint:
//   node tools/bench/node.mjs DIR THREADS DTYPE [simd|relaxed] [--quick]
// The report's Node rows are SIMD128's; `relaxed` runs the relaxed builds (Node 22+, or Node 20 with
// --experimental-wasm-relaxed-simd).
import { BertModel } from '../../dist/node.js';
import { benchBertWasm } from './measure.js';

const [dir, threads, dtype, isa = 'simd'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rows = await benchBertWasm(BertModel, dir, {
  threads: Number(threads),
  dtype,
  variant: `${isa}${Number(threads) > 1 ? '-threads' : ''}`,
  quick: process.argv.includes('--quick'),
  env: `Node ${process.version}`,
});
const rssMb = +(process.memoryUsage().rss / 1e6).toFixed(0);
console.log(JSON.stringify(rows.map((r) => ({ ...r, peak_rss_mb: rssMb }))));
