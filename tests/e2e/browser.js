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

/**
 * Starts the demo server ({isolation}: COOP/COEP from the server, else served as a plain static host) and
 * a browser ({serviceWorkers: 'allow' or 'block'}); returns {page, server, close()}.
 */
export async function openDemo({ isolation = true, serviceWorkers, viewport } = {}) {
  const server = await startServer({ port: 0, isolation });
  const browser = await launchBrowser({ viewport, serviceWorkers });
  return {
    ...browser,
    server,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** A headless Chromium on a fresh profile; returns {page, context, errors (page errors), close()}. */
export async function launchBrowser({ viewport = { width: 1200, height: 900 }, serviceWorkers = 'allow' } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'bert-wasm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    viewport,
    serviceWorkers,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return {
    page,
    context,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Loads the page with a deep link (model, task, text, question, context) and waits until the model is
 * ready (on a first visit without isolation, after the page's reload for its service worker).
 */
export async function gotoDemo(demo, link = {}) {
  const params = new URLSearchParams(Object.entries(link).filter(([, v]) => v !== undefined));
  await demo.page.goto(`${demo.server.url}?${params}`);
  await demo.page.waitForSelector('body[data-state="ready"]', { timeout: 60000 });
}

/** Replaces the sentence as a visitor would (typing), then waits for its predictions. */
export async function typeSentence(page, text) {
  await page.fill('#sentence', '');
  await page.type('#sentence', text, { delay: 5 });
  return waitForPredictions(page, text);
}

/**
 * Waits until the results panel shows the outcome of exactly this input ({task, text} or {task,
 * question, context}) and the page is idle; returns the outcome ('result', 'empty' or 'error').
 */
export async function waitForResult(page, input) {
  await page.waitForFunction(
    (want) => {
      const panel = document.querySelector('#results-panel');
      return (
        document.body.dataset.state === 'ready' && panel.dataset.outcome &&
        Object.entries(want).every(([key, value]) => panel.dataset[key] === value)
      );
    },
    input,
    { timeout: 60000 },
  );
  return page.$eval('#results-panel', (panel) => panel.dataset.outcome);
}

export async function waitForPredictions(page, text) {
  await waitForResult(page, { task: 'fill-mask', text });
  return page.$$eval('.mask-card', (cards) =>
    cards.map((card) => [...card.querySelectorAll('.prediction')].map((p) => ({ token: p.dataset.token, score: Number(p.dataset.score) }))),
  );
}
