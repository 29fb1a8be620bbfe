// Finds and starts the right WebAssembly build: SIMD + threads where the environment allows shared
// memory (Node, cross-origin isolated pages), SIMD single-threaded otherwise.
import { BertError } from './errors.js';

export const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

export function canUseThreads() {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  return isNode || globalThis.crossOriginIsolated === true;
}

export async function defaultThreads() {
  if (isNode) {
    const os = await import('node:os');
    return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  }
  return globalThis.navigator?.hardwareConcurrency || 1;
}

// URLs of a variant's files, next to this module (bundlers follow `new URL(..., import.meta.url)`).
function variantUrls(variant) {
  return variant === 'simd-threads'
    ? {
        glue: new URL('./wasm/bert-wasm-simd-threads.js', import.meta.url),
        esm: new URL('./wasm/bert-wasm-simd-threads.mjs', import.meta.url),
        wasm: new URL('./wasm/bert-wasm-simd-threads.wasm', import.meta.url),
        worker: new URL('./wasm/bert-wasm-simd-threads.worker.js', import.meta.url),
      }
    : {
        glue: new URL('./wasm/bert-wasm-simd.js', import.meta.url),
        esm: new URL('./wasm/bert-wasm-simd.mjs', import.meta.url),
        wasm: new URL('./wasm/bert-wasm-simd.wasm', import.meta.url),
      };
}

/**
 * Instantiates one engine (its own memory and, for threads, its own worker pool).
 * @returns {Promise<object>} the Emscripten module
 */
export async function startEngine(variant, threads) {
  const urls = variantUrls(variant);
  const options = { pthreadPoolSize: Math.max(0, threads - 1) };
  try {
    if (isNode) {
      // The glue is a CommonJS script; Emscripten 3.1.6's loader cannot fetch file paths, so the
      // bytes are passed in.
      const [{ createRequire }, { readFile }, { fileURLToPath }] = await Promise.all([
        import('node:module'),
        import('node:fs/promises'),
        import('node:url'),
      ]);
      const create = createRequire(import.meta.url)(fileURLToPath(urls.glue));
      options.wasmBinary = await readFile(fileURLToPath(urls.wasm));
      const engine = await create(options);
      engine.unrefWorkers();  // the pool is complete here: all workers are created up front
      return engine;
    }
    const { default: create } = await import(/* webpackIgnore: true */ urls.esm.href);
    options.locateFile = (file) => (file.endsWith('.wasm') ? urls.wasm.href : urls.worker?.href ?? file);
    options.mainScriptUrlOrBlob = urls.glue.href;  // pthread workers load the classic script
    return await create(options);
  } catch (error) {
    throw new BertError('E_WASM', `could not start the ${variant} WebAssembly engine: ${error?.message ?? error}`, {
      cause: error,
    });
  }
}
