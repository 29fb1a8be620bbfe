// Model files fetched once are kept for later loads, so a page or app works offline after its first visit.
// Browsers keep them in the Cache API; Node and Electron's main process in a folder (node.js installs
// that one as the host's). An entry is written whole or not at all (a broken transfer leaves nothing),
// and a file the folder lacks is remembered as absent. A cache that fails (quota, private browsing) is
// skipped with a warning: a load never fails because of it.

/** The browser's: the Cache API, under one cache name. */
export const browserCache = {
  name: 'bert-wasm-files-v1',
  available: () => typeof caches === 'object' && caches !== null,

  /** {size, stream()} of a stored file, {absent: true} for a remembered 404, or null. */
  async match(url) {
    const hit = await (await caches.open(this.name)).match(url);
    if (!hit) return null;
    if (hit.status === 404) return { absent: true };
    return { size: Number(hit.headers.get('content-length')), stream: () => hit.body };
  },

  /** Stores `body` (a ReadableStream of `size` bytes), or remembers the file as absent (body null). */
  async put(url, body, size) {
    const response = body
      ? new Response(body, { headers: { 'Content-Length': String(size), 'Content-Type': 'application/octet-stream' } })
      : new Response(null, { status: 404 });
    await (await caches.open(this.name)).put(url, response);
  },

  clear() {
    return this.available() ? caches.delete(this.name) : Promise.resolve(false);
  },
};
