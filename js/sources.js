// Model files from wherever they live: a folder URL (e.g. Hugging Face's .../resolve/main/), a local
// folder in Node, or {config, vocab, weights, ...} given as URLs, paths, bytes or Blobs. Each file is
// opened first (so the total size is known up front when servers say it), then streamed.
import { BertError } from './errors.js';
import { isNode } from './runtime.js';

const CHUNK = 4 << 20;

const hasScheme = (s) => /^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[a-z]:[\\/]/i.test(s);  // not "C:\"

function aborted(signal) {
  return new BertError('E_ABORTED', `model load aborted${signal.reason ? `: ${signal.reason}` : ''}`);
}

function checkSignal(signal) {
  if (signal?.aborted) throw aborted(signal);
}

/**
 * The file specs of a source: {config, vocab, tokenizer, tokenizerConfig, weights}; in a folder,
 * vocab.txt may be replaced by tokenizer.json and tokenizer_config.json is optional.
 */
export function resolveSource(source) {
  if (typeof source === 'string' || source instanceof URL) {
    const folder = String(source);
    const join = (name) => {
      if (isNode && !hasScheme(folder)) return folder.replace(/[\\/]+$/, '') + '/' + name;
      const base = new URL(folder.endsWith('/') ? folder : folder + '/', globalThis.location?.href);
      return new URL(name, base);
    };
    return {
      config: join('config.json'),
      vocab: join('vocab.txt'),
      tokenizer: join('tokenizer.json'),
      tokenizerConfig: join('tokenizer_config.json'),
      weights: join('model.safetensors'),
      folder: true,
    };
  }
  if (source && typeof source === 'object' && source.config && source.weights && (source.vocab || source.tokenizer)) {
    return {
      config: source.config,
      vocab: source.vocab ?? null,
      tokenizer: source.tokenizer ?? null,
      tokenizerConfig: source.tokenizerConfig ?? null,
      weights: source.weights,
      folder: false,
    };
  }
  throw new BertError(
    'E_BAD_SOURCE',
    'source must be a folder URL or path, or {config, vocab (or tokenizer), weights} given as URLs, paths, bytes or Blobs',
  );
}

function describe(spec) {
  if (typeof spec === 'string' || spec instanceof URL) return String(spec);
  if (typeof Blob !== 'undefined' && spec instanceof Blob) return spec.name ? `file ${spec.name}` : 'Blob';
  if (spec instanceof ArrayBuffer || ArrayBuffer.isView(spec)) return `${spec.constructor.name} bytes`;
  return `a ${spec === null ? 'null' : typeof spec} (${String(spec).slice(0, 40)})`;
}

/**
 * Opens one file. Returns {name, size (bytes or undefined), chunks(): async iterator of Uint8Array,
 * close()}, or null for an optional file that does not exist. Reading all chunks closes it.
 */
export async function openFile(spec, { optional = false, signal } = {}) {
  checkSignal(signal);
  const name = describe(spec);
  if (spec instanceof ArrayBuffer || ArrayBuffer.isView(spec)) {
    const bytes = spec instanceof ArrayBuffer ? new Uint8Array(spec) : new Uint8Array(spec.buffer, spec.byteOffset, spec.byteLength);
    return { name, size: bytes.byteLength, async *chunks() { yield bytes; }, close() {} };
  }
  if (typeof Blob !== 'undefined' && spec instanceof Blob) {
    return { name, size: spec.size, chunks: () => streamChunks(spec.stream(), signal), close() {} };
  }
  if (typeof spec === 'string' || spec instanceof URL) {
    const text = String(spec);
    if (isNode && (spec instanceof URL ? spec.protocol === 'file:' : !hasScheme(text) || text.startsWith('file:'))) {
      return openLocalFile(text, name, optional, signal);
    }
    return openUrl(spec, name, optional, signal);
  }
  throw new BertError('E_BAD_SOURCE', `cannot read a model file from ${name}: expected a URL, a path, bytes or a Blob`);
}

async function openUrl(url, name, optional, signal) {
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (signal?.aborted) throw aborted(signal);
    throw new BertError('E_FETCH', `GET ${name} failed: ${error?.message ?? error}`, { cause: error });
  }
  if (!response.ok) {
    response.body?.cancel().catch(() => {});
    if (optional && response.status === 404) return null;
    throw new BertError('E_FETCH', `GET ${name}: HTTP ${response.status} ${response.statusText}`.trim());
  }
  // A compressed transfer's Content-Length counts compressed bytes: then the size is unknown.
  const length = response.headers.get('content-encoding') ? null : response.headers.get('content-length');
  return {
    name,
    size: length === null ? undefined : Number(length),
    chunks: () => streamChunks(response.body, signal),
    close: () => response.body?.cancel().catch(() => {}),
  };
}

async function openLocalFile(pathOrUrl, name, optional, signal) {
  const [{ open }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
  const path = pathOrUrl.startsWith('file:') ? fileURLToPath(pathOrUrl) : pathOrUrl;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (optional && error.code === 'ENOENT') return null;
    throw new BertError('E_IO', `${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { cause: error });
  }
  const { size } = await handle.stat();
  return {
    name: path,
    size,
    async *chunks() {
      try {
        const buffer = new Uint8Array(Math.min(CHUNK, Math.max(size, 1)));
        for (;;) {
          checkSignal(signal);
          const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, null);
          if (bytesRead === 0) return;
          yield buffer.subarray(0, bytesRead);
        }
      } finally {
        await handle.close();
      }
    },
    close: () => handle.close().catch(() => {}),
  };
}

async function* streamChunks(stream, signal) {
  const reader = stream.getReader();
  try {
    for (;;) {
      checkSignal(signal);
      let step;
      try {
        step = await reader.read();
      } catch (error) {
        if (signal?.aborted) throw aborted(signal);
        throw new BertError('E_FETCH', `reading a model file failed: ${error?.message ?? error}`, { cause: error });
      }
      if (step.done) return;
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
    onBytes(chunk.byteLength);
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
      onBytes(chunk.byteLength);
    }
  } finally {
    engine._free(staging);
  }
}
