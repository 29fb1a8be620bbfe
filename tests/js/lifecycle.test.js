// How the package behaves inside a host Node process, checked in fresh child processes: a script that
// uses a model exits by itself, and loading models leaves the process's own handlers alone.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, bertError, modelDir } from './helpers.js';

const DIST = pathToFileURL(join(REPO, 'dist/node.js')).href;
const TINY = modelDir('tiny-random');
let dir;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bert-wasm-lifecycle-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs an ES module script with node; kills it if it has not exited after `limitMs` (a process that
 * never exits is the failure, not the time it takes). Resolves {code, signal, stdout, stderr, killed}.
 */
function runScript(name, source, limitMs = 15000) {
  const file = join(dir, name);
  writeFileSync(file, source);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr: stderr.slice(0, 2000), killed });
    });
  });
}

test.each([
  ['default options (threads where available)', '{}', undefined],
  ['simd-threads, 2 threads', "{ variant: 'simd-threads', threads: 2 }", 'simd-threads'],
  // The threaded build on one thread once never finished starting (its pool was empty): exit 13.
  ['simd-threads, 1 thread', "{ variant: 'simd-threads', threads: 1 }", 'simd-threads'],
  ['simd', "{ variant: 'simd' }", 'simd'],
])('a script that loads a model with %s and never calls dispose() exits by itself', async (name, options, variant) => {
  const result = await runScript(`no-dispose-${name.replace(/\W+/g, '-')}.mjs`, `
    import { BertModel } from ${JSON.stringify(DIST)};
    const model = await BertModel.load(${JSON.stringify(TINY)}, ${options});
    const [predictions] = await model.fillMask('The capital of France is [MASK].', { topK: 1 });
    console.log(JSON.stringify({ variant: model.info.variant, top: predictions[0].tokenStr }));
  `);
  expect({ killed: result.killed, code: result.code }).toEqual({ killed: false, code: 0 });
  expect(JSON.parse(result.stdout).top).toBe('difficulty');
  if (variant) expect(JSON.parse(result.stdout).variant).toBe(variant);
}, 60000);

test('loading and disposing models adds no process-wide listeners and no warnings', async () => {
  const result = await runScript('listeners.mjs', `
    import { BertModel } from ${JSON.stringify(DIST)};
    const warnings = [];
    process.on('warning', (w) => warnings.push(w.name));
    const events = ['uncaughtException', 'unhandledRejection', 'exit'];
    const count = () => Object.fromEntries(events.map((e) => [e, process.listenerCount(e)]));
    const before = count();
    for (let i = 0; i < 12; i++) {
      const model = await BertModel.load(${JSON.stringify(TINY)}, i % 2 ? { variant: 'simd' } : { variant: 'simd-threads', threads: 2 });
      model.dispose();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));  // let warnings be emitted
    console.log(JSON.stringify({ before, after: count(), warnings }));
  `);
  expect(result.code).toBe(0);
  const { before, after, warnings } = JSON.parse(result.stdout);
  expect(after).toEqual(before);
  expect(warnings).toEqual([]);
}, 60000);

test("a host's own unhandledRejection handler still keeps the process alive after a load", async () => {
  const result = await runScript('host-handler.mjs', `
    import { BertModel } from ${JSON.stringify(DIST)};
    process.on('unhandledRejection', (reason) => console.log('host handled: ' + reason.message));
    const model = await BertModel.load(${JSON.stringify(TINY)}, { variant: 'simd' });
    model.dispose();
    Promise.reject(new Error('app failure'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    console.log('still running');
  `);
  expect({ code: result.code, stdout: result.stdout }).toEqual({
    code: 0,
    stdout: 'host handled: app failure\nstill running\n',
  });
}, 60000);

describe('bert-wasm/worker outside a browser', () => {
  test('BertWorkerModel.load rejects with E_WORKER, not a ReferenceError', async () => {
    const { BertWorkerModel } = await import('../../dist/worker-client.js');
    await bertError(BertWorkerModel.load('/nowhere/'), 'E_WORKER', /Web Workers are not available/);
  });
});
