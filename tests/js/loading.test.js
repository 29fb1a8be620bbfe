// Loading: local folders, a local HTTP server (folder URLs, the {config, vocab, weights} form mixing
// URLs, paths, bytes and Blobs, tokenizer.json instead of vocab.txt), progress events and aborts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BertModel } from '../../dist/node.js';
import {
  FOLDER_FILES, FOLDER_REQUESTS, VARIANTS, bertError, folderSize, loadGolden, modelDir, osThreads, startServer, waitFor,
} from './helpers.js';

const TINY = modelDir('tiny-random');
const TOKENIZER_JSON = join(modelDir('bert-base-uncased'), 'tokenizer.json');
const PROBE = ['The capital of France is [MASK].', '[MASK] is the best [MASK] in the world!'];
const GOLDEN_TOP = 'difficulty';  // tiny-random's golden top token for PROBE[0]

/** What a model answers, to compare models loaded in different ways. */
async function answers(model) {
  return { fill: await model.fillMask(PROBE, { topK: 5 }), embed: await model.embed(PROBE) };
}

async function withModel(source, options, use) {
  const model = await BertModel.load(source, options);
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

function expectProgress(events, total) {
  expect(events.length).toBeGreaterThan(1);
  for (const [i, e] of events.entries()) {
    expect(e.total).toBe(total);
    expect(e.loaded).toBeGreaterThanOrEqual(i === 0 ? 0 : events[i - 1].loaded);
    expect(e.loaded).toBeLessThanOrEqual(total);
  }
  expect(events.at(-1).loaded).toBe(total);
  expect(events.filter((e) => e.loaded === total)).toHaveLength(1);  // nothing after the end
}

describe.each(VARIANTS)('%s build', (variantName, options) => {
  let server;
  let reference;  // answers of tiny-random loaded from its local folder
  beforeAll(async () => {
    // Every folder serves tiny-random's files, except for the overrides.
    const folders = Object.fromEntries(
      ['', 'slow/', 'no-vocab/', 'no-tokenizer-config/', 'missing-weights/', 'no-length/'].map((f) => [f, TINY]));
    server = await startServer(folders, {
      'slow/model.safetensors': { file: join(TINY, 'model.safetensors'), trickle: { chunk: 128 << 10, delayMs: 10 } },
      'no-vocab/vocab.txt': { status: 404 },
      'no-vocab/tokenizer.json': { file: TOKENIZER_JSON },
      'no-tokenizer-config/tokenizer_config.json': { status: 404 },
      'missing-weights/model.safetensors': { status: 404 },
      'no-length/model.safetensors': { file: join(TINY, 'model.safetensors'), noLength: true },
    });
    reference = await withModel(TINY, options, answers);
  });
  afterAll(() => server?.close());

  test('the reference answers are the golden ones', () => {
    expect(reference.fill[0][0][0].tokenStr).toBe(GOLDEN_TOP);
  });

  describe('local sources', () => {
    test('a folder path with and without a trailing slash, and a file: URL', async () => {
      expect(await withModel(`${TINY}/`, options, answers)).toEqual(reference);
      expect(await withModel(pathToFileURL(TINY), options, answers)).toEqual(reference);
      expect(await withModel(pathToFileURL(TINY).href, options, answers)).toEqual(reference);
    });

    test('progress: increasing loaded, total = the files on disk, a last event with loaded === total', async () => {
      const events = [];
      await withModel(TINY, { ...options, onProgress: (e) => events.push({ ...e }) }, async () => {});
      expectProgress(events, folderSize('tiny-random'));
    });
  });

  describe('HTTP', () => {
    const http = { ...options, cache: false };  // every load over the network
    test('a folder URL with and without a trailing slash', async () => {
      server.requests.length = 0;
      expect(await withModel(server.url, http, answers)).toEqual(reference);
      expect(server.requests.sort()).toEqual([...FOLDER_REQUESTS].sort());
      expect(await withModel(server.url.replace(/\/$/, ''), http, answers)).toEqual(reference);
      expect(await withModel(new URL(server.url), http, answers)).toEqual(reference);
    });

    test('progress over HTTP: total from Content-Length, last event loaded === total', async () => {
      const events = [];
      await withModel(server.url, { ...http, onProgress: (e) => events.push({ ...e }) }, async () => {});
      expectProgress(events, folderSize('tiny-random'));
    });

    test('progress without a Content-Length: total undefined, loaded still counts every byte', async () => {
      const events = [];
      const progress = { ...http, onProgress: (e) => events.push({ ...e }) };
      expect(await withModel(`${server.url}no-length/`, progress, answers)).toEqual(reference);
      expect(events.length).toBeGreaterThan(1);
      events.forEach((e, i) => {
        expect(e.total).toBeUndefined();
        if (i > 0) expect(e.loaded).toBeGreaterThanOrEqual(events[i - 1].loaded);
      });
      expect(events.at(-1).loaded).toBe(folderSize('tiny-random'));
    });

    test('the {config, vocab, tokenizerConfig, weights} form mixing a URL, a path, bytes and a Blob', async () => {
      const bytes = (name) => new Uint8Array(readFileSync(join(TINY, name)));
      const mixed = {
        config: new URL('config.json', server.url),
        vocab: join(TINY, 'vocab.txt'),
        tokenizerConfig: bytes('tokenizer_config.json'),
        weights: new Blob([bytes('model.safetensors')]),
      };
      expect(await withModel(mixed, http, answers)).toEqual(reference);
      const swapped = {
        config: new Blob([bytes('config.json')]),
        vocab: `${server.url}vocab.txt`,
        weights: bytes('model.safetensors').buffer,  // an ArrayBuffer
      };
      const events = [];
      expect(await withModel(swapped, { ...http, onProgress: (e) => events.push({ ...e }) }, answers)).toEqual(reference);
      expectProgress(events, folderSize('tiny-random', ['config.json', 'vocab.txt', 'model.safetensors']));
    });

    test('a folder with tokenizer.json instead of vocab.txt tokenizes identically', async () => {
      server.requests.length = 0;
      await withModel(`${server.url}no-vocab/`, http, async (model) => {
        expect(server.requests).not.toContain('no-vocab/vocab.txt');  // tokenizer.json holds the vocab
        expect(server.requests).toContain('no-vocab/tokenizer.json');
        for (const c of loadGolden('tiny-random').cases) {
          const enc = model.tokenizer.encode(c.text, c.pair ?? null);
          expect(enc.inputIds).toEqual(c.input_ids);
          expect(enc.tokenTypeIds).toEqual(c.token_type_ids);
          expect(enc.tokens).toEqual(c.tokens);
        }
        expect(await answers(model)).toEqual(reference);
      });
    });

    test('tokenizer_config.json missing (404) is fine', async () => {
      server.requests.length = 0;
      const events = [];
      const progress = { ...http, onProgress: (e) => events.push({ ...e }) };
      expect(await withModel(`${server.url}no-tokenizer-config`, progress, answers)).toEqual(reference);
      expect(server.requests).toContain('no-tokenizer-config/tokenizer_config.json');
      expectProgress(events, folderSize('tiny-random', ['config.json', 'vocab.txt', 'model.safetensors']));
    });

    test('E_FETCH when model.safetensors is 404, naming the file', async () => {
      const error = await bertError(BertModel.load(`${server.url}missing-weights/`, http), 'E_FETCH', /404/);
      expect(error.message).toContain('missing-weights/model.safetensors');
    });
  });

  describe('abort', () => {
    // No model is alive here: an aborted load leaves no engine threads behind.
    let baseline;
    beforeAll(async () => {
      (await BertModel.load(modelDir('tiny-random'), options)).dispose();  // warm-up, see osThreads()
      await waitFor(() => false, 200);
      baseline = osThreads();
    });
    afterEach(async () => {
      expect(await waitFor(() => osThreads() <= baseline)).toBe(true);
    });

    test('a signal aborted before load: E_ABORTED, for a folder path and a URL', async () => {
      const controller = new AbortController();
      controller.abort();
      await bertError(BertModel.load(TINY, { ...options, signal: controller.signal }), 'E_ABORTED', /abort/);
      await bertError(BertModel.load(server.url, { ...options, signal: controller.signal }), 'E_ABORTED', /abort/);
    });

    test('aborted during a slow HTTP load: E_ABORTED, and a later load succeeds', async () => {
      const controller = new AbortController();
      const smallFiles = folderSize('tiny-random', ['config.json', 'vocab.txt', 'tokenizer_config.json']);
      let abortedAt;
      const onProgress = ({ loaded }) => {
        // Abort once part of the (trickled) weights arrived: the load is surely in flight.
        if (abortedAt === undefined && loaded > smallFiles + (512 << 10)) {
          abortedAt = loaded;
          controller.abort();
        }
      };
      await bertError(BertModel.load(`${server.url}slow/`, { ...options, onProgress, signal: controller.signal }),
        'E_ABORTED', /abort/);
      expect(abortedAt).toBeLessThan(folderSize('tiny-random'));
      expect(await withModel(`${server.url}slow/`, options, answers)).toEqual(reference);
    });

    test('aborting after the load finished changes nothing', async () => {
      const controller = new AbortController();
      await withModel(server.url, { ...options, signal: controller.signal }, async (model) => {
        controller.abort();
        expect(await answers(model)).toEqual(reference);
      });
    });
  });
});
