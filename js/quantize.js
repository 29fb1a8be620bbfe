// Writes a q8 copy of a checkpoint folder (Node): config and tokenizer files as they are, and a
// model.safetensors whose matrices are I8 rows with F32 scales (io/tensors.h's WriteQ8Checkpoint): a
// quarter of the download, loaded with no options as a q8 model. The engine streams the weights in, so
// memory stays near the q8 size.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BertError, unwrap } from './errors.js';
import { startEngine } from './runtime.js';
import { FOLDER_FILES, openModel, resolveSource, streamToEngine } from './sources.js';

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
    for (const [role, name] of Object.entries(FOLDER_FILES)) if (files.texts[role]) await write(name, files.texts[role]);
    if (files.pooling && files.texts.poolingConfig) await write(`${files.pooling}/config.json`, files.texts.poolingConfig);
    const bytes = quantizer.bytes();  // a view of wasm memory, written before anything else runs there
    await write(FOLDER_FILES.weights, bytes);
    await files.cached();
    return { files: written, bytes: { in: files.weights.size, out: bytes.byteLength } };
  } catch (error) {
    files.weights.close();  // not after success: closing a download also stops its copy into the cache
    throw error;
  } finally {
    quantizer?.delete();
  }
}
