// bert-wasm's JS API in Node on the BERT-base checkpoint: node tools/bench/node.mjs DIR THREADS DTYPE [--quick]
import { BertModel } from '../../dist/node.js';
import { benchBertWasm } from './measure.js';

const [dir, threads, dtype] = process.argv.slice(2);
const rows = await benchBertWasm(BertModel, dir, {
  threads: Number(threads),
  dtype,
  variant: Number(threads) > 1 ? 'simd-threads' : 'simd',  // the report's Node rows are SIMD128's
  quick: process.argv.includes('--quick'),
  env: `Node ${process.version}`,
});
const rssMb = +(process.memoryUsage().rss / 1e6).toFixed(0);
console.log(JSON.stringify(rows.map((r) => ({ ...r, peak_rss_mb: rssMb }))));
