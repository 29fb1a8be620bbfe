// Finds and starts the right WebAssembly build, and holds what differs between hosts (`host`). Its
// defaults are the browser's (pages, workers, Electron renderers); the Node entry (node.js) replaces them
// with Node's. Nothing here imports a Node module, so bundlers take the browser path as it is.
import { browserCache } from './cache.js';
import { BertError } from './errors.js';

export const host = {
  sharedMemory: () => globalThis.crossOriginIsolated === true,
  cores: async () => globalThis.navigator?.hardwareConcurrency || 1,
  base: () => globalThis.location?.href,  // what relative URLs (assetBase) are relative to
  createEngine: createBrowserEngine,
  // Local files (paths, file: URLs): a browser has none to read.
  isLocalFile: () => false,
  openLocalFile: null,
  cache: browserCache,  // where downloaded model files are kept (see cache.js)
};

/** Installs another host's functions (see node.js). */
export const useHost = (overrides) => Object.assign(host, overrides);

export function canUseThreads() {
  return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object' && host.sharedMemory();
}

// The builds: SIMD128 everywhere WebAssembly SIMD is, relaxed SIMD (fused multiply-add, 8-bit dot) where
// the engine has it (Chrome and Edge 114+, Electron 25+, Node 22+); each with a threaded twin.
export const VARIANTS = ['simd', 'simd-threads', 'relaxed', 'relaxed-threads'];
const fileNames = (variant) => ({
  glue: `bert-wasm-${variant}.js`,
  esm: `bert-wasm-${variant}.mjs`,
  wasm: `bert-wasm-${variant}.wasm`,
  ...(variant.endsWith('-threads') && { worker: `bert-wasm-${variant}.worker.js` }),
});

/** The folder URL of `assetBase`: where a copy of the package's dist/ folder is served. */
export const assetFolder = (assetBase) => new URL(String(assetBase).replace(/\/?$/, '/'), host.base());

// URLs of a variant's files: under `assetBase` when given (a CDN, an app's resources), else next to this
// module, spelled out so that bundlers find and emit them (they follow `new URL('...', import.meta.url)`).
function variantUrls(variant, assetBase) {
  if (assetBase !== undefined) {
    const wasm = new URL('wasm/', assetFolder(assetBase));
    return Object.fromEntries(Object.entries(fileNames(variant)).map(([kind, name]) => [kind, new URL(name, wasm)]));
  }
  switch (variant) {
    case 'simd-threads':
      return {
        glue: new URL('./wasm/bert-wasm-simd-threads.js', import.meta.url),
        esm: new URL('./wasm/bert-wasm-simd-threads.mjs', import.meta.url),
        wasm: new URL('./wasm/bert-wasm-simd-threads.wasm', import.meta.url),
        worker: new URL('./wasm/bert-wasm-simd-threads.worker.js', import.meta.url),
      };
    case 'relaxed':
      return {
        glue: new URL('./wasm/bert-wasm-relaxed.js', import.meta.url),
        esm: new URL('./wasm/bert-wasm-relaxed.mjs', import.meta.url),
        wasm: new URL('./wasm/bert-wasm-relaxed.wasm', import.meta.url),
      };
    case 'relaxed-threads':
      return {
        glue: new URL('./wasm/bert-wasm-relaxed-threads.js', import.meta.url),
        esm: new URL('./wasm/bert-wasm-relaxed-threads.mjs', import.meta.url),
        wasm: new URL('./wasm/bert-wasm-relaxed-threads.wasm', import.meta.url),
        worker: new URL('./wasm/bert-wasm-relaxed-threads.worker.js', import.meta.url),
      };
    default:
      return {
        glue: new URL('./wasm/bert-wasm-simd.js', import.meta.url),
        esm: new URL('./wasm/bert-wasm-simd.mjs', import.meta.url),
        wasm: new URL('./wasm/bert-wasm-simd.wasm', import.meta.url),
      };
  }
}

// The smallest module using relaxed SIMD (f32x4.relaxed_madd, one of the instructions the kernels use;
// engines ship relaxed SIMD whole): it validates only where the engine has relaxed SIMD.
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];
const RELAXED_BODY = [0, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02, 0x0b];
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // \0asm, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,  // types: () -> v128
  0x03, 0x02, 0x01, 0x00,  // one function of type 0
  0x0a, RELAXED_BODY.length + 2, 0x01, RELAXED_BODY.length, ...RELAXED_BODY,
]);
let relaxedWorks;  // false once a relaxed engine failed to start or its self-test, in this realm

/** The variant a load gets by default: relaxed SIMD where it validates (and has not failed), threaded
 * when more than one thread is wanted and possible. */
export function defaultVariant(threads) {
  relaxedWorks ??= typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
  return `${relaxedWorks ? 'relaxed' : 'simd'}${threads > 1 && canUseThreads() ? '-threads' : ''}`;
}

async function createBrowserEngine(urls, options) {
  const { default: create } = await import(/* webpackIgnore: true */ /* @vite-ignore */ urls.esm.href);
  const worker = urls.worker && (await sameOriginUrl(urls.worker));
  options.locateFile = (file) => (file.endsWith('.wasm') ? urls.wasm.href : worker ?? file);
  options.mainScriptUrlOrBlob = urls.glue.href;  // pthread workers load the classic script
  // A call on the page's thread waits for the pool's workers: by design (BertWorkerModel is the way not to
  // block), so Emscripten's warning about it is not repeated to the console.
  options.printErr = (text) => text.startsWith('Blocking on the main thread') || console.error(text);
  return create(options);
}

// Bundlers inline small assets as data: URLs. A worker started from one has an opaque origin, which
// cross-origin isolation then forbids to load the glue; a blob: URL of the same bytes keeps the page's.
async function sameOriginUrl(url) {
  if (url.protocol !== 'data:') return url.href;
  return URL.createObjectURL(await (await fetch(url)).blob());
}

/**
 * Instantiates one engine (its own memory and, for threads, its own worker pool). The engine first
 * checks its kernels against their references (an engine may compile relaxed SIMD wrongly: Node 20's
 * baseline compiler drops the 8-bit dot's accumulator); one that fails, or does not start, is E_WASM,
 * and later default loads take the SIMD128 build.
 * @returns {Promise<object>} the Emscripten module
 */
export async function startEngine(variant, threads, assetBase) {
  // The options object becomes the Emscripten module (post.js gives it terminateWorkers), so a failure
  // at any step can end the pool: the threaded glue starts it before the module compiles. A threaded
  // build never finishes starting with an empty pool (Emscripten 3.1.6), so one thread still gets one.
  const options = { pthreadPoolSize: Math.max(1, threads - 1) };
  try {
    const engine = await host.createEngine(variantUrls(variant, assetBase), options);
    if (!engine.microkernelsWork()) throw new Error('it computes wrongly on this host (its kernels failed their self-test)');
    return engine;
  } catch (error) {
    options.terminateWorkers?.();
    if (variant.startsWith('relaxed')) relaxedWorks = false;
    const where = assetBase === undefined ? '' : ` from ${assetBase}`;
    throw new BertError('E_WASM', `could not start the ${variant} WebAssembly engine${where}: ${error?.message ?? error}`, {
      cause: error,
    });
  }
}
