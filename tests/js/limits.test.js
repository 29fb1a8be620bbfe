// Limits: a text of millions of characters costs what is kept of it; a batch of thousands answers as its
// texts one by one; topK past the vocabulary is a clear error; weights too large for wasm32 are
// E_OUT_OF_MEMORY naming the size before anything is allocated, and a heap the host will not grow fails
// the load, not the process.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BertModel } from '../../dist/node.js';
import { REPO, bertError, modelDir } from './helpers.js';

// "Word, ünïcödé 中文 punctuation!" and friends, `chars` characters in all.
function hugeText(chars, seed = 0) {
  const words = ['hello', 'world,', 'ünïcödé', '中文', 'unaffable', 'café!', '(quoted)', 'x\u0301y', 'naïve.', 'tokens'];
  const parts = [];
  for (let n = 0, i = seed; n < chars; i++) {
    const word = words[(i * 7 + (i >> 3)) % words.length];
    parts.push(word);
    n += word.length + 1;
  }
  return parts.join(' ');
}

describe('texts of millions of characters', () => {
  const big = hugeText(2_000_000);
  const prefix = big.slice(0, 20_000);  // far more than 512 tokens
  let classifier;
  let masked;
  beforeAll(async () => {
    classifier = await BertModel.load(modelDir('tiny-seqcls'), { variant: 'simd' });
    masked = await BertModel.load(modelDir('small-random'), { variant: 'simd' });
  });
  afterAll(() => {
    classifier.dispose();
    masked.dispose();
  });

  test('answer as their first 20,000 characters do', async () => {
    expect(big.length).toBeGreaterThan(1_990_000);
    expect(await classifier.classify(big)).toEqual(await classifier.classify(prefix));
    expect(await classifier.embed(big)).toEqual(await classifier.embed(prefix));
    const withMask = `The [MASK] is ${big}`;
    expect(await masked.fillMask(withMask)).toEqual(await masked.fillMask(withMask.slice(0, 20_000)));
    const pair = hugeText(1_500_000, 3);
    expect(await masked.nextSentence(big, pair)).toEqual(await masked.nextSentence(prefix, pair.slice(0, 20_000)));
    expect(masked.tokenizer.encode(big, pair)).toEqual(masked.tokenizer.encode(prefix, pair.slice(0, 20_000)));
    expect(masked.tokenizer.encode(big).inputIds).toHaveLength(512);
  });

  test('without truncation are E_TOO_LONG naming max_length', async () => {
    await bertError(classifier.classify(big, { truncation: false }), 'E_TOO_LONG', /more than max_length 512 tokens/);
    expect(() => classifier.tokenizer.encode(big, null, { truncation: false })).toThrow(/more than max_length 512/);
  });
});

test('a batch of 3,000 texts answers as each text alone', async () => {
  const model = await BertModel.load(modelDir('tiny-seqcls'), { variant: 'simd-threads', threads: 2 });
  const texts = Array.from({ length: 3000 }, (_, i) => `text number ${i}: ${hugeText(20 + (i % 300), i)}`);
  const batch = await model.classify(texts);
  const embeddings = await model.embed(texts, { pooling: 'mean' });
  expect(batch).toHaveLength(3000);
  const width = embeddings.dims[1];
  expect(embeddings.dims).toEqual([3000, width]);
  for (let i = 0; i < 3000; i += 97) {
    const [alone] = await model.classify(texts[i]);
    expect(batch[i][0].label).toBe(alone.label);
    expect(batch[i][0].score).toBeCloseTo(alone.score, 5);
    const { data, dims } = await model.embed(texts[i], { pooling: 'mean' });
    expect(dims).toEqual([1, width]);
    data.forEach((v, k) => expect(embeddings.data[i * width + k]).toBeCloseTo(v, 4));
  }
  model.dispose();
}, 120000);

test('topK is bounded by the vocabulary', async () => {
  const model = await BertModel.load(modelDir('tiny-random'), { variant: 'simd' });
  const { vocabSize } = model.info.config;
  await bertError(model.fillMask('a [MASK] b', { topK: vocabSize + 1 }), 'E_INVALID_ARGUMENT', new RegExp(`topK must be an integer in \\[1, ${vocabSize}\\]`));
  await bertError(model.fillMask('a [MASK] b', { topK: 2 ** 40 }), 'E_INVALID_ARGUMENT', /topK/);
  const [all] = await model.fillMask('a [MASK] b', { topK: vocabSize });  // one mask
  expect(all).toHaveLength(vocabSize);
  expect(new Set(all.map((p) => p.token)).size).toBe(vocabSize);
  model.dispose();
  const classifier = await BertModel.load(modelDir('tiny-seqcls'), { variant: 'simd' });
  await bertError(classifier.classify('a b', { topK: 2 ** 31 }), 'E_INVALID_ARGUMENT', /topK must be an integer in \[1, 2147483647\]/);
  expect(await classifier.classify('a b', { topK: 1000 })).toHaveLength(classifier.info.labels.length);  // every label
  classifier.dispose();
});

// A folder whose model.safetensors announces `tensors` F32 tensors of `elements` each, sends its header
// and then never ends: a load that fails before the data does not wait for it.
async function startHugeServer(tensors, elements) {
  const header = {};
  for (let i = 0; i < tensors; i++) header[`t${i}`] = { dtype: 'F32', shape: [elements], data_offsets: [i * elements * 4, (i + 1) * elements * 4] };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const server = createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.split('/').pop();
    if (name === 'model.safetensors') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });  // chunked: no size known
      return res.write(Buffer.concat([length, json]));
    }
    let body;
    try {
      body = readFileSync(join(modelDir('tiny-random'), name));
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => (server.closeAllConnections(), server.close()) };
}

describe('weights too large for WebAssembly', () => {
  test('more than wasm32 can address: E_OUT_OF_MEMORY naming the size, before any data', async () => {
    const server = await startHugeServer(10, 2 ** 27);  // 10 x 512 MiB of F32
    try {
      for (const variant of ['simd', 'simd-threads']) {
        await bertError(BertModel.load(server.url, { variant }), 'E_OUT_OF_MEMORY',
          /model\.safetensors \(10 tensors, in compute form plus the largest being packed\) needs 5905\.6 MB, more than the \d+\.\d MB WebAssembly \(wasm32\) memory can still hold/);
      }
    } finally {
      server.close();
    }
    const one = await startHugeServer(1, 2 ** 28);  // a single tensor of 1 GiB: wasm32 cannot index its bytes
    try {
      await bertError(BertModel.load(one.url, { variant: 'simd' }), 'E_OUT_OF_MEMORY',
        /model\.safetensors: tensor "t0": shape \[268435456\] is too large to load in this build/);
    } finally {
      one.close();
    }
  });

  test('a heap the host will not grow fails the load, and the process loads and answers after it', async () => {
    // A child process whose V8 lets wasm memories grow to 512 MB only, loading 2 x 300 MB of weights.
    const server = await startHugeServer(2, 75_000_000);
    const script = `
      import { BertModel } from ${JSON.stringify(pathToFileURL(join(REPO, 'dist/node.js')).href)};
      const errors = [];
      for (let i = 0; i < 5; i++) {
        await BertModel.load(process.argv[1], { variant: i % 2 ? 'simd-threads' : 'simd', threads: 2 }).then(
          () => errors.push('loaded'), (e) => errors.push(e.code + ': ' + e.message));
      }
      const model = await BertModel.load(process.argv[2], { variant: 'simd' });
      console.log(JSON.stringify({ errors, answer: await model.fillMask('the [MASK] works', { topK: 3 }) }));`;
    try {
      const out = await new Promise((resolve, reject) => {
        execFile(process.execPath, ['--wasm-max-mem-pages=8192', '--input-type=module', '-e', script, server.url, modelDir('tiny-random')],
          (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
      });
      expect(out.errors).toHaveLength(5);
      for (const error of out.errors) {
        expect(error).toMatch(/^E_OUT_OF_MEMORY: model\.safetensors \(2 tensors, .*\) needs 900\.0 MB, but WebAssembly memory could not grow to hold it$/);
      }
      const model = await BertModel.load(modelDir('tiny-random'), { variant: 'simd' });
      expect(out.answer).toEqual(await model.fillMask('the [MASK] works', { topK: 3 }));
      model.dispose();
    } finally {
      server.close();
    }
  }, 60000);
});
