// The BertModel API, run in a Web Worker so that inference never blocks the page: the same task methods
// (from the one task table), returning promises, and a tokenizer whose methods return promises.
import { BertError } from './index.js';
import { assetFolder } from './runtime.js';
import { TASKS } from './tasks.js';

export { BertError };

// A worker that stops without a word (closed, crashed, killed for memory) fires no event. It holds a Web
// Lock for its lifetime instead: the page asks for the same lock, and gets it when the worker is gone.
const lockName = () => `bert-wasm-worker-${Date.now()}-${Math.random().toString(36).slice(2)}`;

// A worker's script must be same-origin; one on a CDN is imported from a same-origin blob instead.
function workerScript(url) {
  if (url.origin === location.origin) return url;
  return URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
}

export class BertWorkerModel {
  #worker;
  #pending = new Map();  // id -> {resolve, reject, onProgress}
  #nextId = 0;
  #lock = globalThis.navigator?.locks ? lockName() : null;
  #watching = null;  // AbortController of the page's request for the worker's lock
  #dead = null;      // the error every call gets once the worker is gone
  info = null;

  constructor(worker) {
    this.#worker = worker;
    worker.onmessage = ({ data }) => {
      this.#watch();  // the worker holds its lock before its first message
      const call = this.#pending.get(data.id);
      if (!call) return;
      if (data.progress) return call.onProgress?.(data.progress);
      this.#pending.delete(data.id);
      if (data.error) call.reject(new BertError(data.error.code, data.error.message));
      else call.resolve(data.result);
    };
    worker.onerror = (event) => this.#failAll(new BertError('E_WORKER', `the model worker failed: ${event.message ?? 'unknown error'}`));
  }

  #failAll(error) {
    for (const call of this.#pending.values()) call.reject(error);
    this.#pending.clear();
  }

  #watch() {
    if (!this.#lock || this.#watching) return;
    this.#watching = new AbortController();
    navigator.locks.request(this.#lock, { signal: this.#watching.signal }, () => {
      this.#worker?.terminate();
      this.#worker = null;
      this.#dead = new BertError('E_WORKER', 'the model worker stopped (closed, crashed or out of memory)');
      this.#failAll(this.#dead);
    }).catch(() => {});  // aborted by dispose()
  }

  #call(method, args, onProgress) {
    if (!this.#worker) return { promise: Promise.reject(this.#dead ?? new BertError('E_DISPOSED', 'this model was disposed')) };
    const id = this.#nextId++;
    return { id, promise: new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      this.#worker.postMessage({ id, method, args });
    }) };
  }

  /**
   * Starts a worker and loads a model in it. Same source and options as BertModel.load; relative URLs
   * are resolved against the page. Blobs and Files are passed to the worker as they are.
   */
  static async load(source, { threads, variant, onProgress, signal, assetBase, cache, dtype } = {}) {
    if (typeof Worker !== 'function') {
      throw new BertError('E_WORKER', 'Web Workers are not available here (Node has none): use BertModel from bert-wasm');
    }
    // Spelled out for bundlers, which emit the worker they find in `new Worker(new URL(...))`.
    const folder = assetBase === undefined ? undefined : assetFolder(assetBase);
    const worker = folder === undefined
      ? new Worker(new URL('./bert-worker.js', import.meta.url), { type: 'module' })
      : new Worker(workerScript(new URL('bert-worker.js', folder)), { type: 'module' });
    const client = new BertWorkerModel(worker);
    const absolute = (s) => (typeof s === 'string' || s instanceof URL ? new URL(s, location.href).href : s);
    const portable =
      typeof source === 'string' || source instanceof URL
        ? absolute(source)
        : Object.fromEntries(Object.entries(source ?? {}).map(([k, v]) => [k, absolute(v)]));
    const options = { threads, variant, cache, dtype, assetBase: folder?.href };
    const { id, promise } = client.#call('load', [portable, options, client.#lock], onProgress);
    const onAbort = () => client.#worker?.postMessage({ id: -1, method: 'abort', args: [id] });
    signal?.addEventListener('abort', onAbort);
    try {
      client.info = await promise;
      return client;
    } catch (error) {
      client.dispose();
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  tokenizer = {
    encode: (text, pair, options) => this.#call('tokenizer.encode', [text, pair, options]).promise,
    decode: (ids, options) => this.#call('tokenizer.decode', [ids, options]).promise,
  };

  static {
    for (const name of Object.keys(TASKS)) {
      this.prototype[name] = function (...args) {
        return this.#call(name, args).promise;
      };
    }
  }

  /** Ends the worker and frees everything; later calls reject with E_DISPOSED. */
  dispose() {
    this.#watching?.abort();
    this.#worker?.terminate();
    this.#worker = null;
    this.#dead = null;
    for (const call of this.#pending.values()) call.reject(new BertError('E_DISPOSED', 'this model was disposed'));
    this.#pending.clear();
  }
}
