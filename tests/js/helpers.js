// Shared helpers of the Jest suite: where the test checkpoints live, their goldens, a local static HTTP
// server, numeric comparisons and error checks.
import { expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BertError } from '../../dist/node.js';

/** ../shared/models beside the repository (CI clones the repo with ../shared next to it). */
export const MODELS = fileURLToPath(new URL('../../../shared/models/', import.meta.url));
/** The repository root. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export const modelDir = (name) => join(MODELS, name);

/** The files of the tiny-random folder, in the Hugging Face layout. */
export const FOLDER_FILES = ['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors'];
/** What a folder load asks for: every file it may use (optional ones answer 404 when absent). */
export const FOLDER_REQUESTS = [...FOLDER_FILES, 'tokenizer.json', 'modules.json', 'sentence_bert_config.json'];

export function folderSize(name, files = FOLDER_FILES) {
  return files.reduce((sum, f) => sum + statSync(join(modelDir(name), f)).size, 0);
}

const goldens = new Map();
/** ../shared/models/<name>/golden.json, parsed once per test file. */
export function loadGolden(name) {
  if (!goldens.has(name)) goldens.set(name, JSON.parse(readFileSync(join(modelDir(name), 'golden.json'), 'utf8')));
  return goldens.get(name);
}

export const goldenCase = (name, id) => loadGolden(name).cases.find((c) => c.id === id);

/** Both WebAssembly builds, as [name, load options] rows for describe.each. */
export const VARIANTS = [
  ['simd', { variant: 'simd' }],
  ['simd-threads', { variant: 'simd-threads', threads: 2 }],
];

export function flatten(nested) {
  return Array.isArray(nested) ? nested.flat(Infinity) : [nested];
}

/** Largest |ours[i] - golden[i]| with golden a (nested) array; the lengths must match. */
export function maxAbsDiff(ours, golden) {
  const flat = flatten(golden);
  expect(ours.length).toBe(flat.length);
  let max = 0;
  for (let i = 0; i < flat.length; i++) max = Math.max(max, Math.abs(ours[i] - flat[i]));
  return max;
}

/** Row `i` of a row-major 2-D tensor {data, dims: [rows, cols]}, as a plain array. */
export function row(tensor, i) {
  const cols = tensor.dims.at(-1);
  return Array.from(tensor.data.subarray(i * cols, (i + 1) * cols));
}

/**
 * The error `work` (a promise or a function, sync or async) fails with; fails the test if it succeeds
 * or throws something other than a BertError with `code` and a message matching `message`.
 */
export async function bertError(work, code, message) {
  let error;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(BertError);
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('BertError');
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  if (message) expect(error.message).toMatch(message);
  return error;
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A static HTTP server on 127.0.0.1 (port 0) that serves files with a Content-Length. `folders` is a
 * directory, or {urlPrefix: directory} (e.g. {'': dir, 'slow/': dir}: the longest matching prefix wins).
 * `routes` overrides paths (relative to the root, e.g. 'slow/vocab.txt'): a value is
 *   {status} (e.g. 404), {file: absolute path}, {body: bytes or string}, and/or
 *   {trickle: {chunk, delayMs}} to send the body slowly in pieces, {noLength: true} to send it chunked
 *   without a Content-Length.
 * Other paths answer 404. `requests` lists the paths asked for.
 */
export async function startServer(folders, routes = {}) {
  const prefixes = Object.entries(typeof folders === 'string' ? { '': folders } : folders)
    .sort(([a], [b]) => b.length - a.length);
  const local = (path) => {
    const [prefix, dir] = prefixes.find(([p]) => path.startsWith(p)) ?? [];
    const rest = dir === undefined ? '' : path.slice(prefix.length);
    return rest && !rest.includes('..') && !rest.includes('/') ? join(dir, rest) : null;
  };
  const requests = [];
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    requests.push(path);
    const route = routes[path] ?? {};
    try {
      if (route.status && route.status !== 200) {
        res.writeHead(route.status, { 'Content-Type': 'text/plain' }).end(`status ${route.status}`);
        return;
      }
      let body;
      if (route.body !== undefined) body = Buffer.from(route.body);
      else if (route.file) body = await readFile(route.file);
      else if (local(path)) body = await readFile(local(path));
      else throw Object.assign(new Error('not found'), { code: 'ENOENT' });
      const headers = { 'Content-Type': 'application/octet-stream' };
      if (!route.noLength) headers['Content-Length'] = body.byteLength;
      res.writeHead(200, headers);
      if (route.noLength && !route.trickle) {
        // Transfer-Encoding: chunked, in a few pieces.
        const piece = Math.ceil(body.byteLength / 4) || 1;
        for (let offset = 0; offset < body.byteLength; offset += piece) res.write(body.subarray(offset, offset + piece));
        res.end();
        return;
      }
      if (!route.trickle) {
        res.end(body);
        return;
      }
      const { chunk, delayMs } = route.trickle;
      for (let offset = 0; offset < body.byteLength && !res.destroyed; offset += chunk) {
        res.write(body.subarray(offset, offset + chunk));
        await delay(delayMs);
      }
      res.end();
    } catch (error) {
      if (res.headersSent) res.destroy();
      else res.writeHead(error.code === 'ENOENT' || error.code === 'EISDIR' ? 404 : 500).end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    requests,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Active worker-thread resources of this process (the threads build's pthread pool shows as MessagePorts). */
// OS threads of this process: an engine's pthread workers are real threads (and, being unref'd, are
// not listed among Node's active resources). Compare with a baseline taken after a warm-up load, by
// when Node's own helper threads exist.
export function osThreads() {
  return readdirSync('/proc/self/task').length;
}

/** Waits (up to `ms`) until `check()` is true; returns its last value. */
export async function waitFor(check, ms = 10000) {
  const end = Date.now() + ms;
  let ok = check();
  while (!ok && Date.now() < end) {
    await delay(20);
    ok = check();
  }
  return ok;
}

/** `npm pack` of the repository into `dir`: the tarball's path, as a user's `npm install` takes it. */
export async function packPackage(dir) {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: REPO, timeout: 120000 });
  return join(dir, JSON.parse(stdout)[0].filename);
}

/**
 * The `node` binary of an exact Node version, from npm's node-<platform>-<arch> package (the binary the
 * `node` package installs), fetched once into build/node/<version>/.
 */
export async function nodeBinary(version) {
  const dir = join(REPO, 'build/node', version);
  const bin = join(dir, 'package/bin/node');
  if (existsSync(bin)) return bin;
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const spec = `node-${process.platform}-${process.arch}@${version}`;
  const { stdout } = await promisify(execFile)('npm', ['pack', spec, '--pack-destination', staging, '--json'], { timeout: 300000 });
  const tarball = join(staging, JSON.parse(stdout)[0].filename);
  await promisify(execFile)('tar', ['-xzf', tarball, '-C', staging]);
  rmSync(tarball);
  renameSync(staging, dir);  // whole or not at all
  return bin;
}
