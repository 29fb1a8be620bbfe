// The demo's service worker. It does two things for hosts that only serve files (GitHub Pages, S3, a
// USB stick's web server):
//  - every response of the app gets the COOP/COEP headers that cross-origin isolation needs, so the page
//    and its workers get threads even though the host cannot send those headers;
//  - the app's own files (the page and dist/) are kept, so the demo opens offline after one visit.
// Model files are left alone: the package keeps them in its own cache (dist/cache.js), and a second copy
// of a 440 MB checkpoint here would double what the visitor's disk holds.
const APP_CACHE = 'bert-wasm-demo-app';
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

// The app: the files at the top of the scope (the page, its script and style, default-model.json, this
// worker) and the package under dist/. Anything deeper (models/…) is a model file.
function isAppFile(url) {
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return false;
  return /^(dist\/.*|[^/]*)$/.test(url.pathname.slice(scope.pathname.length));
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method === 'GET' && isAppFile(url)) event.respondWith(networkFirst(event, url));
});

// The network's answer when there is one (the app stays current), else the kept copy; both isolated.
// Copies are kept by path: a deep link (?model=…&text=…) opens offline whatever its query.
async function networkFirst(event, url) {
  const cache = await caches.open(APP_CACHE);
  const key = url.origin + url.pathname;
  let response;
  try {
    response = await fetch(event.request);
    // Kept beside the answer, not before it; a full disk costs only offline use.
    if (response.ok) event.waitUntil(cache.put(key, response.clone()).catch(() => {}));
  } catch (error) {
    response = await cache.match(key);
    if (!response) throw error;
  }
  return isolated(response);
}

function isolated(response) {
  if (response.type === 'opaqueredirect' || response.status === 0) return response;  // cannot be rebuilt
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
