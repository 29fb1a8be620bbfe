// q8 checkpoints: quantize() and `bert-wasm quantize` write a folder whose model.safetensors holds I8
// matrices with F32 scales (described in its __metadata__), under 30% of the weights in f32; it loads with no
// options as q8 and answers exactly as the original loaded with dtype 'q8'; 'fp32' on it is refused.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BertModel, quantize } from '../../dist/node.js';
import { REPO, bertError, loadGolden, modelDir, startServer } from './helpers.js';

const run = promisify(execFile);
let work;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bert-wasm-quantize-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The JSON header of a safetensors file.
function header(file) {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
}

// What a checkpoint's float tensors take as f32 (F16 and BF16 files are half of it).
function f32Bytes(file) {
  const { __metadata__, ...tensors } = header(file);
  const bytesPer = { F32: 4, F16: 2, BF16: 2 };
  return Object.values(tensors)
    .filter((t) => bytesPer[t.dtype])
    .reduce((sum, t) => sum + ((t.data_offsets[1] - t.data_offsets[0]) / bytesPer[t.dtype]) * 4, 0);
}

const maskedTexts = (name) => loadGolden(name).cases.filter((c) => c.masks?.length).map((c) => c.text);

describe.each(['tiny-random', 'small-random', 'tiny-distilbert'])('%s quantized', (name) => {
  let out;
  beforeAll(async () => {
    out = join(work, name);
    await quantize(modelDir(name), out, { cache: false });
  });

  test('the folder: config and tokenizer files as they were, I8 matrices with F32 scales, under 30% of f32', () => {
    for (const file of readdirSync(out).filter((f) => f !== 'model.safetensors')) {
      expect(readFileSync(join(out, file), 'utf8')).toBe(readFileSync(join(modelDir(name), file), 'utf8'));
    }
    expect(readdirSync(out)).toContain('config.json');
    const weights = join(out, 'model.safetensors');
    expect(statSync(weights).size).toBeLessThanOrEqual(0.3 * f32Bytes(join(modelDir(name), 'model.safetensors')));
    const { __metadata__: meta, ...tensors } = header(weights);
    expect(meta.quantization).toBe('q8');
    expect(meta.quantization_scheme).toMatch(/value = int8 \* <name>_scale\[row\]/);
    const matrices = Object.entries(tensors).filter(([, t]) => t.dtype === 'I8');
    expect(matrices.length).toBeGreaterThan(4);
    for (const [tensor, t] of matrices) expect(tensors[`${tensor}_scale`]).toMatchObject({ dtype: 'F32', shape: [t.shape[0]] });
    expect(Object.values(tensors).every((t) => t.dtype === 'I8' || t.dtype === 'F32')).toBe(true);
  });

  test('it loads with no options as q8 and answers as the original loaded as q8', async () => {
    const [folder, original] = await Promise.all([
      BertModel.load(out, { variant: 'simd' }),
      BertModel.load(modelDir(name), { variant: 'simd', dtype: 'q8' }),
    ]);
    try {
      expect(folder.info.dtype).toBe('q8');
      const texts = maskedTexts(name);
      expect(await folder.fillMask(texts, { topK: 10 })).toEqual(await original.fillMask(texts, { topK: 10 }));
      expect(Array.from((await folder.embed(texts)).data)).toEqual(Array.from((await original.embed(texts)).data));
    } finally {
      folder.dispose();
      original.dispose();
    }
  });
});

test("dtype 'fp32' on a q8 folder is E_INVALID_ARGUMENT, dtype 'q8' loads it", async () => {
  const out = join(work, 'tiny-random');
  if (!existsSync(out)) await quantize(modelDir('tiny-random'), out, { cache: false });
  await bertError(BertModel.load(out, { dtype: 'fp32' }), 'E_INVALID_ARGUMENT', /q8 checkpoint \(int8 weights\): load it with dtype 'q8' or without a dtype/);
  const model = await BertModel.load(out, { dtype: 'q8' });
  expect(model.info.dtype).toBe('q8');
  model.dispose();
});

test('task and sentence-transformers folders keep their heads, pooling folder and answers', async () => {
  for (const name of ['tiny-sentence-transformer', 'tiny-seqcls']) {
    const out = join(work, name);
    await quantize(modelDir(name), out, { cache: false });
    const [folder, original] = await Promise.all([BertModel.load(out), BertModel.load(modelDir(name), { dtype: 'q8' })]);
    try {
      const text = loadGolden(name).cases[0].text;
      if (name === 'tiny-seqcls') {
        expect(await folder.classify(text, { topK: null })).toEqual(await original.classify(text, { topK: null }));
      } else {
        expect(readFileSync(join(out, '1_Pooling/config.json'), 'utf8')).toBe(readFileSync(join(modelDir(name), '1_Pooling/config.json'), 'utf8'));
        expect(folder.info.embedding).toEqual(original.info.embedding);
        expect(Array.from((await folder.embed(text)).data)).toEqual(Array.from((await original.embed(text)).data));
      }
    } finally {
      folder.dispose();
      original.dispose();
    }
  }
});

test('a URL quantizes to the same bytes as the folder', async () => {
  const server = await startServer({ 'tiny/': modelDir('tiny-random') });
  try {
    const out = join(work, 'from-url');
    await quantize(`${server.url}tiny/`, out, { cache: false });
    if (!existsSync(join(work, 'tiny-random'))) await quantize(modelDir('tiny-random'), join(work, 'tiny-random'), { cache: false });
    expect(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(work, 'tiny-random/model.safetensors')))).toBe(true);
  } finally {
    await server.close();
  }
});

test('npx bert-wasm quantize: progress on stderr, the folder written; a wrong call prints the usage', async () => {
  const cli = join(REPO, 'dist/cli.js');
  const out = join(work, 'cli');
  const { stderr } = await run(process.execPath, [cli, 'quantize', modelDir('tiny-random'), out], { env: { ...process.env, BERT_WASM_CACHE: join(work, 'cache') } });
  expect(stderr).toMatch(/read [\d.]+ MB of [\d.]+ MB/);
  expect(stderr).toMatch(/model\.safetensors [\d.]+ MB -> [\d.]+ MB/);
  expect(header(join(out, 'model.safetensors')).__metadata__.quantization).toBe('q8');
  const usage = await run(process.execPath, [cli, 'quantize', modelDir('tiny-random')]).catch((e) => e);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/usage: bert-wasm quantize <folder\|url> <out-folder>/);
  const missing = await run(process.execPath, [cli, 'quantize', join(work, 'nowhere'), join(work, 'x')]).catch((e) => e);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/bert-wasm quantize: .*nowhere.*\(E_IO\)/);
});
