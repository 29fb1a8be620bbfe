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

const FILES = {
  simd: { glue: 'bert-wasm-simd.js', esm: 'bert-wasm-simd.mjs', wasm: 'bert-wasm-simd.wasm' },
  'simd-threads': {
    glue: 'bert-wasm-simd-threads.js',
    esm: 'bert-wasm-simd-threads.mjs',
    wasm: 'bert-wasm-simd-threads.wasm',
    worker: 'bert-wasm-simd-threads.worker.js',
  },
};

/** The folder URL of `assetBase`: where a copy of the package's dist/ folder is served. */
export const assetFolder = (assetBase) => new URL(String(assetBase).replace(/\/?$/, '/'), host.base());

// URLs of a variant's files: under `assetBase` when given (a CDN, an app's resources), else next to this
// module, spelled out so that bundlers find and emit them (they follow `new URL('...', import.meta.url)`).
function variantUrls(variant, assetBase) {
  if (assetBase !== undefined) {
    const wasm = new URL('wasm/', assetFolder(assetBase));
    return Object.fromEntries(Object.entries(FILES[variant]).map(([kind, name]) => [kind, new URL(name, wasm)]));
  }
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
 * Instantiates one engine (its own memory and, for threads, its own worker pool).
 * @returns {Promise<object>} the Emscripten module
 */
export async function startEngine(variant, threads, assetBase) {
  try {
    return await host.createEngine(variantUrls(variant, assetBase), { pthreadPoolSize: Math.max(0, threads - 1) });
  } catch (error) {
    const where = assetBase === undefined ? '' : ` from ${assetBase}`;
    throw new BertError('E_WASM', `could not start the ${variant} WebAssembly engine${where}: ${error?.message ?? error}`, {
      cause: error,
    });
  }
}
