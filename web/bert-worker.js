// Runs a BertModel inside a Web Worker (started by worker-client.js). Messages in:
// {id, method, args}; out: {id, progress} while loading, then {id, result} or {id, error: {code, message}}.
// The methods are the task table's, plus load, abort, the tokenizer's encode/decode and dispose.
import { BertError, BertModel } from './index.js';
import { TASKS } from './tasks.js';

let model = null;
const loads = new Map();  // id -> AbortController of a load in progress

async function call(id, method, args) {
  if (method === 'load') {
    const [source, options, lock] = args;
    // Held until this worker ends, however it ends: the page watches it (see worker-client.js).
    if (lock) await new Promise((held) => navigator.locks.request(lock, () => (held(), new Promise(() => {}))));
    const controller = new AbortController();
    loads.set(id, controller);
    try {
      model = await BertModel.load(source, {
        ...options,
        signal: controller.signal,
        onProgress: (progress) => postMessage({ id, progress }),
      });
      return model.info;
    } finally {
      loads.delete(id);
    }
  }
  if (method === 'abort') {
    loads.get(args[0])?.abort();
    return null;
  }
  if (!model) throw new BertError('E_NOT_LOADED', 'no model is loaded in this worker');
  if (Object.hasOwn(TASKS, method)) return model[method](...args);
  switch (method) {
    case 'tokenizer.encode': return model.tokenizer.encode(...args);
    case 'tokenizer.decode': return model.tokenizer.decode(...args);
    case 'dispose':
      model.dispose();
      return null;
    default: throw new BertError('E_INVALID_ARGUMENT', `unknown method ${method}`);
  }
}

// Typed arrays in results move to the page instead of being copied.
function transferables(value, out = []) {
  if (ArrayBuffer.isView(value)) out.push(value.buffer);
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => transferables(v, out));
  return out;
}

self.onmessage = async ({ data: { id, method, args } }) => {
  try {
    const result = await call(id, method, args);
    postMessage({ id, result }, transferables(result));
  } catch (error) {
    postMessage({ id, error: { code: error.code ?? 'E_WORKER', message: error.message ?? String(error) } });
  }
};
