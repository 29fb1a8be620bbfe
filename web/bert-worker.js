// Runs a BertModel inside a Web Worker (started by worker-client.js). Messages in:
// {id, method, args}; out: {id, progress} while loading, then {id, result} or {id, error: {code, message}}.
import { BertError, BertModel } from './index.js';

let model = null;
const loads = new Map();  // id -> AbortController of a load in progress

async function call(id, method, args) {
  if (method === 'load') {
    const [source, options] = args;
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
  switch (method) {
    case 'fillMask': return model.fillMask(...args);
    case 'embed': return model.embed(...args);
    case 'encode': return model.encode(...args);
    case 'tokenize': return model.tokenizer.encode(...args);
    case 'decode': return model.tokenizer.decode(...args);
    case 'dispose':
      model.dispose();
      return null;
    default: throw new BertError('E_INVALID_ARGUMENT', `unknown method ${method}`);
  }
}

// Float32Arrays in results move to the page instead of being copied.
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
