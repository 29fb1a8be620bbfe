// The Node entry of bert-wasm (package.json's "node" condition): the API of index.js, with Node's host:
// local folders and files, the machine's cores, the engine's CommonJS glue loaded from disk, and a cache
// folder for downloaded model files.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BertError } from './errors.js';
import { useHost } from './runtime.js';
import { CHUNK } from './sources.js';

export * from './index.js';
export { quantize } from './quantize.js';

const hasScheme = (s) => /^[a-z][a-z0-9+.-]*:/i.test(s) && !/^[a-z]:[\\/]/i.test(s);  // not "C:\"
const toPath = (spec) => (String(spec).startsWith('file:') ? fileURLToPath(spec) : String(spec));

// Downloaded files in $BERT_WASM_CACHE, else $XDG_CACHE_HOME/bert-wasm, else ~/.cache/bert-wasm: one
// file per URL (named by its hash) beside a .json of its URL and size. Written to a temporary name and
// renamed when complete; read only when its size is still the recorded one.
const folderCache = {
  dir: () => process.env.BERT_WASM_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bert-wasm'),
  paths(url) {
    const base = join(this.dir(), createHash('sha256').update(url).digest('hex').slice(0, 32));
    return { data: base, meta: `${base}.json` };
  },
  available: () => true,

  async match(url) {
    const { data, meta } = this.paths(url);
    let entry;
    try {
      entry = JSON.parse(await readFile(meta, 'utf8'));
    } catch {
      return null;  // never stored (or unreadable: stored again)
    }
    if (entry.url !== url) return null;
    if (entry.absent) return { absent: true };
    const size = await stat(data).then((s) => s.size, () => -1);
    if (size !== entry.size) return null;
    return { size, stream: () => Readable.toWeb(createReadStream(data, { highWaterMark: CHUNK })) };
  },

  async put(url, body, size) {
    const { data, meta } = this.paths(url);
    await mkdir(this.dir(), { recursive: true });
    if (body) {
      const partial = `${data}.${process.pid}.${Date.now()}.partial`;
      try {
        await body.pipeTo(Writable.toWeb(createWriteStream(partial)));
        if ((await stat(partial)).size !== size) throw new Error(`${url}: ${size} bytes announced, others came`);
        await rename(partial, data);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    }
    await writeFile(meta, JSON.stringify(body ? { url, size } : { url, absent: true }));
  },

  async clear() {
    await rm(this.dir(), { recursive: true, force: true });
    return true;
  },
};

// The host's own global Worker (none in Node), as it was before any engine started: engines may start
// concurrently, and each puts this back.
const hostWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');

useHost({
  sharedMemory: () => true,
  cores: async () => (availableParallelism ? availableParallelism() : cpus().length),
  base: () => pathToFileURL(`${process.cwd()}/`).href,

  // The glue is a CommonJS script; Emscripten 3.1.6's loader cannot fetch file paths, so the bytes are
  // passed in. The threaded glue sets a global Worker (worker_threads') to start its pool; the host's
  // globals are put back as they were, or Web Worker code (BertWorkerModel) would take Node for a browser.
  async createEngine(urls, options) {
    if (urls.glue.protocol !== 'file:') throw new Error(`in Node, assetBase must be a local folder, not ${urls.glue}`);
    const create = createRequire(import.meta.url)(fileURLToPath(urls.glue));
    options.wasmBinary = await readFile(urls.wasm);
    try {
      const engine = await create(options);
      engine.unrefWorkers();  // the pool is complete here: all workers are created up front
      return engine;
    } finally {
      if (hostWorker) Object.defineProperty(globalThis, 'Worker', hostWorker);
      else delete globalThis.Worker;
    }
  },

  cache: folderCache,

  isLocalFile: (spec) => (spec instanceof URL ? spec.protocol === 'file:' : !hasScheme(spec) || spec.startsWith('file:')),

  /** Opens a path or file: URL like sources.js's openFile; null for a missing optional file. */
  async openLocalFile(spec, { optional, checkSignal }) {
    const path = toPath(spec);
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
            checkSignal();
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
  },
});
