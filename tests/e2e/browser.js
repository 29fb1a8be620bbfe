// Headless Debian Chromium driven by playwright-core, on a fresh profile, plus the demo server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../demo/serve.mjs';

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts the demo server ({isolation}) and a browser; returns {page, server, close()}. */
export async function openDemo({ isolation = true, viewport = { width: 1200, height: 900 } } = {}) {
  const server = await startServer({ port: 0, isolation });
  const profile = mkdtempSync(join(tmpdir(), 'bert-wasm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return {
    page,
    server,
    errors,
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Loads the page with a model and waits until it is ready. */
export async function gotoDemo(demo, { model, text } = {}) {
  const params = new URLSearchParams();
  if (model) params.set('model', model);
  if (text) params.set('text', text);
  await demo.page.goto(`${demo.server.url}?${params}`);
  await demo.page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
}

/** Replaces the sentence as a visitor would (typing), then waits for its predictions. */
export async function typeSentence(page, text) {
  await page.fill('#sentence', '');
  await page.type('#sentence', text, { delay: 5 });
  return waitForPredictions(page, text);
}

export async function waitForPredictions(page, text) {
  await page.waitForFunction(
    (t) => document.querySelector('#predictions')?.dataset.text === t && document.body.dataset.state === 'ready',
    text,
    { timeout: 60000 },
  );
  return page.$$eval('.mask-card', (cards) =>
    cards.map((card) => [...card.querySelectorAll('.prediction')].map((p) => ({ token: p.dataset.token, score: Number(p.dataset.score) }))),
  );
}
