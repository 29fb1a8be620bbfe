// The published types under `tsc --strict`, as a TypeScript project that installed the packed package
// sees them: every moduleResolution (node, node16, nodenext, bundler), with and without the DOM lib, for
// both entries (tests/js/types/*.ts).
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO, packPackage } from './helpers.js';

const run = promisify(execFile);
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const TIMEOUT = 120000;

let project;
beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'bert-wasm-types-'));
  const tarball = await packPackage(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project, timeout: TIMEOUT });
  for (const file of ['consumer.ts', 'consumer-dom.ts']) copyFileSync(join(REPO, 'tests/js/types', file), join(project, file));
}, TIMEOUT);
afterAll(() => project && rmSync(project, { recursive: true, force: true }));

const RESOLUTIONS = [
  ['node', 'esnext'],
  ['node16', 'node16'],
  ['nodenext', 'nodenext'],
  ['bundler', 'esnext'],
];

describe.each(RESOLUTIONS)('moduleResolution %s', (moduleResolution, module) => {
  test.each([['without the DOM lib', ['es2022'], ['consumer.ts']], ['with the DOM lib', ['es2022', 'dom'], ['consumer.ts', 'consumer-dom.ts']]])(
    '%s, tsc --strict passes',
    async (_, lib, files) => {
      const config = `tsconfig.${moduleResolution}.${lib.length}.json`;
      writeFileSync(join(project, config), JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module, moduleResolution, target: 'es2022', lib, types: [], skipLibCheck: false },
        files,
      }));
      const result = await run(process.execPath, [TSC, '-p', config], { cwd: project, timeout: TIMEOUT }).catch((e) => e);
      expect(`${result.stdout}${result.stderr ?? ''}`).toBe('');
    },
    TIMEOUT,
  );
});
