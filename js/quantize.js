// Writes a q8 copy of a checkpoint folder (Node): config and tokenizer files as they are, and a
// model.safetensors whose matrices are I8 rows with F32 scales (io/tensors.h's WriteQ8Checkpoint): a
// quarter of the download, loaded with no options as a q8 model. The engine streams the weights in, so
// memory stays near the q8 size.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BertError, unwrap } from './errors.js';
import { startEngine } from './runtime.js';
import { openModel, poolingFolder, resolveSource, streamToEngine } from './sources.js';

// The folder's small files, by the name each is written under.
const TEXT_FILES = {
  config: 'config.json',
  tokenizer: 'tokenizer.json',
  vocab: 'vocab.txt',
  tokenizerConfig: 'tokenizer_config.json',
  modules: 'modules.json',
  sentenceBertConfig: 'sentence_bert_config.json',
};

/**
 * Quantizes the checkpoint at `source` (a folder path or URL, or its files) into the folder `out`.
 * Resolves to {files: [written names], bytes: {in, out}} (model.safetensors' sizes).
 */
export async function quantize(source, out, { onProgress, signal, cache } = {}) {
  if (typeof out !== 'string' || !out) throw new BertError('E_INVALID_ARGUMENT', 'the output folder must be a path');
  const files = await openModel(resolveSource(source), { signal, onProgress, cache });
  let quantizer;
  try {
    const engine = await startEngine('simd', 1);
    quantizer = new engine.WasmQuantizer();
    unwrap(quantizer.begin(files.texts.config, files.weights.size ?? -1));
    await streamToEngine(files.weights, engine, (ptr, length) => unwrap(quantizer.write(ptr, length)), files.onBytes);
    if (signal?.aborted) throw new BertError('E_ABORTED', 'quantize aborted');
    unwrap(quantizer.finish());
    const written = [];
    const write = async (name, data) => {
      const path = join(out, name);
      await mkdir(dirname(path), { recursive: true }).catch((error) => {
        throw new BertError('E_IO', `${dirname(path)}: ${error.message}`, { cause: error });
      });
      await writeFile(path, data).catch((error) => {
        throw new BertError('E_IO', `${path}: ${error.message}`, { cause: error });
      });
      written.push(name);
    };
    for (const [key, name] of Object.entries(TEXT_FILES)) if (files.texts[key]) await write(name, files.texts[key]);
    const pooling = files.texts.modules && poolingFolder(files.texts.modules);
    if (pooling && files.texts.poolingConfig) await write(`${pooling}/config.json`, files.texts.poolingConfig);
    const bytes = quantizer.bytes();  // a view of wasm memory, written before anything else runs there
    await write('model.safetensors', bytes);
    return { files: written, bytes: { in: files.weights.size, out: bytes.byteLength } };
  } catch (error) {
    files.weights.close();  // not after success: closing a download also stops its copy into the cache
    throw error;
  } finally {
    quantizer?.delete();
  }
}
