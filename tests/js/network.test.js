// Network faults while loading, against a local server that misbehaves on purpose: a connection closed
// mid-body, a Content-Length larger or smaller than the body, an HTML page instead of a file, redirects and
// a redirect loop. Each failure is a BertError with a code naming the URL and file, and the process can
// load again afterwards.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { BertModel } from '../../dist/node.js';
import { bertError, modelDir } from './helpers.js';

const TINY = modelDir('tiny-random');
const file = (name) => readFileSync(join(TINY, name));

// Routes: path -> (req, res) handler; other paths of tiny-random's folder are served plainly.
async function startFaultyServer(routes) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname.slice(1);
    const route = routes[path];
    if (route) return route(req, res);
    const name = path.split('/').pop();
    let body;
    try {
      body = file(name);
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'Content-Length': body.byteLength, 'Content-Type': 'application/octet-stream' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.url = `http://127.0.0.1:${server.address().port}/`;
  return server;
}

// Sends `body` with a Content-Length of `announced`, then closes the connection after `sent` bytes.
const sendPart = (body, { announced = body.byteLength, sent = body.byteLength } = {}) => (req, res) => {
  res.writeHead(200, { 'Content-Length': announced, 'Content-Type': 'application/octet-stream', Connection: 'close' });
  res.write(body.subarray(0, sent), () => res.socket.destroy());
};

describe('network faults', () => {
  let server;
  const weights = file('model.safetensors');
  beforeAll(async () => {
    server = await startFaultyServer({
      'cut/model.safetensors': sendPart(weights, { sent: weights.byteLength >> 1 }),
      'long/model.safetensors': sendPart(weights, { announced: weights.byteLength + 1000 }),
      'short/model.safetensors': sendPart(weights, { announced: weights.byteLength - 1000 }),
      'html/config.json': (req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Sign in</html>'),
      'error/vocab.txt': (req, res) => res.writeHead(500, { 'Content-Type': 'text/html' }).end('<h1>oops</h1>'),
      'moved/config.json': (req, res) => res.writeHead(302, { Location: '/config.json' }).end(),
      'moved/model.safetensors': (req, res) => res.writeHead(307, { Location: '/model.safetensors' }).end(),
      'loop/model.safetensors': (req, res) => res.writeHead(302, { Location: '/loop/model.safetensors' }).end(),
    });
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const load = (folder) => BertModel.load(`${server.url}${folder}/`, { variant: 'simd' });
  const url = (path) => new RegExp(`${server.url}${path}`.replace(/[.?]/g, '\\$&'));

  test('a connection closed mid-body is E_FETCH naming the URL and the bytes that came', async () => {
    const error = await bertError(load('cut'), 'E_FETCH', url('cut/model.safetensors'));
    expect(error.message).toMatch(new RegExp(`broke after \\d+ of ${weights.byteLength} bytes`));
  });

  test('a Content-Length larger than the body is E_FETCH', async () => {
    await bertError(load('long'), 'E_FETCH', url('long/model.safetensors'));
  });

  test('a Content-Length smaller than the body leaves a truncated file: E_BAD_WEIGHTS names the tensor past its end', async () => {
    await bertError(load('short'), 'E_BAD_WEIGHTS', /model\.safetensors: tensor .* fall outside the \d+-byte data section/);
  });

  test('an HTML page instead of a file is E_FETCH, an HTTP error page too', async () => {
    await bertError(load('html'), 'E_FETCH', /html\/config\.json: the server sent an HTML page/);
    await bertError(load('error'), 'E_FETCH', /error\/vocab\.txt: HTTP 500/);
  });

  test('redirects are followed; a redirect loop is E_FETCH naming the URL', async () => {
    const model = await load('moved');
    expect((await model.fillMask('the [MASK] works', { topK: 1 }))[0]).toHaveLength(1);
    model.dispose();
    await bertError(load('loop'), 'E_FETCH', url('loop/model.safetensors'));
  });

  test('after every fault a load from the same server works', async () => {
    const model = await load('plain');
    expect(model.info.architecture).toBe('BertForMaskedLM');
    model.dispose();
  });
});
