// Model files from wherever they live: a folder URL (e.g. Hugging Face's .../resolve/main/), a local
// folder in Node (the host's, see node.js), or {config, vocab, weights, ...} given as URLs, paths, bytes
// or Blobs. Each file is opened first (so the total size is known up front when servers say it), then
// streamed.
import { BertError } from './errors.js';
import { host } from './runtime.js';

/** Bytes per read and per write into the engine. */
export const CHUNK = 4 << 20;

function aborted(signal) {
  return new BertError('E_ABORTED', `model load aborted${signal.reason ? `: ${signal.reason}` : ''}`);
}

function checkSignal(signal) {
  if (signal?.aborted) throw aborted(signal);
}

/** The files of a model folder, by their role (the sentence-transformers Pooling config aside). */
export const FOLDER_FILES = {
  config: 'config.json',
  tokenizer: 'tokenizer.json',
  vocab: 'vocab.txt',
  tokenizerConfig: 'tokenizer_config.json',
  modules: 'modules.json',
  sentenceBertConfig: 'sentence_bert_config.json',
  weights: 'model.safetensors',
};

/**
 * The file specs of a source: {config, tokenizer, vocab, tokenizerConfig, modules, sentenceBertConfig,
 * weights, poolingConfig(path), folder}. In a folder every file but config.json and model.safetensors
 * may be missing; given one by one, the files given must exist.
 */
export function resolveSource(source) {
  if (typeof source === 'string' || source instanceof URL) {
    const folder = String(source);
    const join = (name) => {
      if (host.isLocalFile(folder) && !folder.startsWith('file:')) return folder.replace(/[\\/]+$/, '') + '/' + name;
      const base = new URL(folder.endsWith('/') ? folder : folder + '/', host.base());
      return new URL(name, base);
    };
    return {
      ...Object.fromEntries(Object.entries(FOLDER_FILES).map(([role, name]) => [role, join(name)])),
      poolingConfig: (path) => join(`${path}/config.json`),
      folder: true,
    };
  }
  if (source && typeof source === 'object' && source.config && source.weights && (source.vocab || source.tokenizer)) {
    const { config, tokenizer = null, vocab = null, tokenizerConfig = null, modules = null, weights } = source;
    const { sentenceBertConfig = null, poolingConfig = null } = source;
    return { config, tokenizer, vocab, tokenizerConfig, modules, sentenceBertConfig, poolingConfig: () => poolingConfig, weights, folder: false };
  }
  throw new BertError(
    'E_BAD_SOURCE',
    'source must be a folder URL or path, or {config, vocab (or tokenizer), weights} given as URLs, paths, bytes or Blobs',
  );
}

// The Pooling module's folder that a sentence-transformers modules.json names ("1_Pooling"), or null.
function poolingFolder(modulesText) {
  try {
    const modules = JSON.parse(modulesText);
    const pooling = Array.isArray(modules) && modules.find((m) => typeof m?.type === 'string' && m.type.endsWith('Pooling'));
    return typeof pooling?.path === 'string' ? pooling.path : null;
  } catch {
    return null;  // the engine reports a malformed modules.json
  }
}

/**
 * Opens a model's files and reads the small ones. Returns {texts (file name -> text, '' when absent),
 * weights (open, to stream), onBytes (reports streamed bytes), pooling (the sentence-transformers Pooling
 * folder whose config.json is texts.poolingConfig, or null), cached() (settles once the cache holds its
 * copies of the downloaded files, or gave up on them)}. The tokenizer needs tokenizer.json
 * (preferred in a folder) or vocab.txt. Whatever fails, every opened file is closed.
 */
export async function openModel(files, { signal, onProgress, cache = true }) {
  const opened = [];
  const copies = [];
  const useCache = cache !== false && host.cache.available();
  const open = async (spec, optional) => {
    const file = spec ? await openFile(spec, { optional, signal, cache: useCache, copies }) : null;
    if (file) opened.push(file);
    return file;
  };
  try {
    const optional = files.folder;
    const [config, tokenizer, tokenizerConfig, modules, sentenceBertConfig, weights] = await Promise.all([
      open(files.config, false),
      open(files.tokenizer, optional),
      open(files.tokenizerConfig, optional),
      open(files.modules, optional),
      open(files.sentenceBertConfig, optional),
      open(files.weights, false),
    ]);
    const vocab = tokenizer && files.folder ? null : await open(files.vocab, optional);
    if (!tokenizer && !vocab) throw new BertError('E_BAD_VOCAB', 'the model has neither tokenizer.json nor vocab.txt');
    // `cached`: how many of the bytes loaded came from the cache rather than the network.
    let loaded = 0;
    let cached = 0;
    const count = (n, file) => {
      loaded += n;
      if (file.cached) cached += n;
    };
    const modulesText = modules ? await readText(modules, count) : '';
    const pooling = (modulesText && poolingFolder(modulesText)) || null;
    const poolingConfig = pooling ? await open(files.poolingConfig(pooling), optional) : null;

    const total = opened.every((f) => f.size !== undefined) ? opened.reduce((sum, f) => sum + f.size, 0) : undefined;
    const onBytes = (n, file) => {
      count(n, file);
      onProgress?.({ loaded, total, cached });
    };
    onProgress?.({ loaded, total, cached });
    const small = { config, vocab, tokenizer, tokenizerConfig, sentenceBertConfig, poolingConfig };
    const texts = { modules: modulesText };
    await Promise.all(Object.entries(small).map(async ([name, file]) => (texts[name] = file ? await readText(file, onBytes) : '')));
    return { texts, weights, onBytes, pooling, cached: () => Promise.all(copies) };
  } catch (error) {
    opened.forEach((file) => file.close());
    throw error;
  }
}

function describe(spec) {
  if (typeof spec === 'string' || spec instanceof URL) return String(spec);
  if (typeof Blob !== 'undefined' && spec instanceof Blob) return spec.name ? `file ${spec.name}` : 'Blob';
  if (spec instanceof ArrayBuffer || ArrayBuffer.isView(spec)) return `${spec.constructor.name} bytes`;
  return `a ${spec === null ? 'null' : typeof spec} (${String(spec).slice(0, 40)})`;
}

/**
 * Opens one file. Returns {name, size (bytes or undefined), chunks(): async iterator of Uint8Array,
 * close()}, or null for an optional file that does not exist. Reading all chunks closes it. With `cache`,
 * a downloaded file is copied into the cache as it is read; `copies` collects those writes (they never
 * reject: a failing cache costs a warning).
 */
export async function openFile(spec, { optional = false, signal, cache = false, copies = [] } = {}) {
  checkSignal(signal);
  const name = describe(spec);
  if (spec instanceof ArrayBuffer || ArrayBuffer.isView(spec)) {
    const bytes = spec instanceof ArrayBuffer ? new Uint8Array(spec) : new Uint8Array(spec.buffer, spec.byteOffset, spec.byteLength);
    return { name, size: bytes.byteLength, async *chunks() { yield bytes; }, close() {} };
  }
  if (typeof Blob !== 'undefined' && spec instanceof Blob) {
    return { name, size: spec.size, chunks: () => streamChunks(spec.stream(), signal, name, spec.size), close() {} };
  }
  if (typeof spec === 'string' || spec instanceof URL) {
    if (host.isLocalFile(spec)) return host.openLocalFile(spec, { optional, checkSignal: () => checkSignal(signal) });
    const hit = cache ? await openCached(spec, name, optional, signal) : undefined;
    return hit !== undefined ? hit : openUrl(spec, name, optional, signal, cache, copies);
  }
  throw new BertError('E_BAD_SOURCE', `cannot read a model file from ${name}: expected a URL, a path, bytes or a Blob`);
}

let warned = false;
function cacheFailed(error) {
  if (!warned) console.warn(`bert-wasm: model files are not cached (${error?.message ?? error}); loads use the network`);
  warned = true;
}

// The cached file, or undefined when there is none (or the cache fails); null for a remembered absence.
async function openCached(url, name, optional, signal) {
  let hit;
  try {
    hit = await host.cache.match(String(url));
  } catch (error) {
    return cacheFailed(error);
  }
  if (!hit || (hit.absent && !optional)) return undefined;
  if (hit.absent) return null;
  const stream = hit.stream();
  return {
    name,
    size: hit.size,
    cached: true,
    chunks: () => streamChunks(stream, signal, `cached ${name}`, hit.size),
    close: () => stream.cancel().catch(() => {}),
  };
}

async function openUrl(url, name, optional, signal, cache, copies) {
  // Its own controller: closing the file must also stop the copy going into the cache.
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal?.addEventListener('abort', onAbort);
  let response;
  try {
    response = await fetch(url, { signal: controller.signal });
  } catch (error) {
    signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted) throw aborted(signal);
    throw new BertError('E_FETCH', `GET ${name} failed: ${error?.message ?? error}`, { cause: error });
  }
  if (!response.ok) {
    response.body?.cancel().catch(() => {});
    if (optional && response.status === 404) {
      if (cache) copies.push(host.cache.put(String(url), null).catch(cacheFailed));
      return null;
    }
    throw new BertError('E_FETCH', `GET ${name}: HTTP ${response.status} ${response.statusText}`.trim());
  }
  // No model file is HTML: this is a login, captive-portal or error page served with status 200.
  if (/^\s*text\/html/i.test(response.headers.get('content-type') ?? '')) {
    response.body?.cancel().catch(() => {});
    throw new BertError('E_FETCH', `GET ${name}: the server sent an HTML page, not the model file (a login or error page?)`);
  }
  // A compressed transfer's Content-Length counts compressed bytes: then the size is unknown.
  const length = response.headers.get('content-encoding') ? null : response.headers.get('content-length');
  const size = length === null ? undefined : Number(length);
  let body = response.body;
  if (cache && size !== undefined) {
    const [mine, copy] = body.tee();
    body = mine;
    copies.push(host.cache.put(String(url), copy, size).catch((error) => controller.signal.aborted || cacheFailed(error)));
  }
  return {
    name,
    size,
    response,  // held: Node's fetch cancels the body of a Response collected as garbage
    chunks: () => streamChunks(body, signal, `GET ${name}`, size),
    close: () => {
      signal?.removeEventListener('abort', onAbort);
      controller.abort();
      body.cancel().catch(() => {});
    },
  };
}

// The chunks of a stream; a broken stream, or one shorter than its announced `size`, is E_FETCH naming
// `what` (the request or file) and the bytes that came.
async function* streamChunks(stream, signal, what, size) {
  const reader = stream.getReader();
  const expected = size === undefined ? '' : ` of ${size}`;
  let received = 0;
  try {
    for (;;) {
      checkSignal(signal);
      let step;
      try {
        step = await reader.read();
      } catch (error) {
        if (signal?.aborted) throw aborted(signal);
        const reason = error?.cause?.message ?? error?.message ?? error;
        throw new BertError('E_FETCH', `${what}: the transfer broke after ${received}${expected} bytes (${reason})`, { cause: error });
      }
      if (step.done) {
        if (size !== undefined && received !== size) {
          throw new BertError('E_FETCH', `${what}: received ${received} bytes, but ${size} were announced`);
        }
        return;
      }
      received += step.value.byteLength;
      yield step.value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** Reads a whole (small) file as UTF-8 text, reporting bytes as they arrive. */
export async function readText(file, onBytes) {
  const parts = [];
  let length = 0;
  for await (const chunk of file.chunks()) {
    parts.push(chunk.slice());
    length += chunk.byteLength;
    onBytes(chunk.byteLength, file);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * Streams a file through a staging buffer in engine memory to `write(ptr, length)`, chunk by chunk:
 * neither JS nor wasm ever holds the whole file.
 */
export async function streamToEngine(file, engine, write, onBytes) {
  const capacity = CHUNK;
  const staging = engine._malloc(capacity);
  if (!staging) throw new BertError('E_OUT_OF_MEMORY', `cannot allocate ${capacity} bytes of WebAssembly memory`);
  try {
    for await (const chunk of file.chunks()) {
      for (let at = 0; at < chunk.byteLength; at += capacity) {
        const piece = chunk.subarray(at, Math.min(at + capacity, chunk.byteLength));
        engine.HEAPU8.set(piece, staging);  // HEAPU8 is re-read: memory may have grown
        write(staging, piece.byteLength);
      }
      onBytes(chunk.byteLength, file);
    }
  } finally {
    engine._free(staging);
  }
}
