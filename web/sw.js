// The service worker: the explorer offline after one visit. It keeps one version of the whole site, the files
// web/precache.js lists (the page, both wasm modules, the zoo and the data), in a cache named after the
// version. Online, every request goes to the network as if there were no worker (so the page always runs the
// server's files, all of one version); offline, it is answered from the cache of the active version only, so
// old wasm never meets new JavaScript. A new version is cached whole at install, before it takes over, and
// the old cache is deleted when it does.
importScripts('precache.js');

const CACHE = `vae-explorer-${self.PRECACHE.version}`;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Each file fetched past every HTTP cache (`no-store`, and a query of the version), and kept under its plain
    // URL. All or nothing: one failure fails the install, and the old version stays.
    const all = await Promise.all(['./', ...self.PRECACHE.files].map(async (f) => {
      const r = await fetch(`${f}?v=${self.PRECACHE.version}`, { cache: 'no-store' });
      if (!r.ok) throw new Error(`${f}: ${r.status}`);
      return [f, r];
    }));
    for (const [f, r] of all) await cache.put(new URL(f, self.registration.scope).href, r);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('vae-explorer-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  // GET, and HEAD (the zoo checks each model's file with HEAD at start).
  if ((request.method !== 'GET' && request.method !== 'HEAD') || new URL(request.url).origin !== self.location.origin) return;
  const cached = async () => {
    const cache = await caches.open(CACHE);
    const url = new URL(request.url);
    url.hash = '';
    url.search = '';
    const hit = await cache.match(url.href) ?? (request.mode === 'navigate' ? await cache.match(new URL('./', self.registration.scope).href) : undefined);
    return hit && request.method === 'HEAD' ? new Response(null, { status: hit.status, headers: hit.headers }) : hit;
  };
  event.respondWith((async () => {
    // Known to be offline: the cache at once (no failed request to report). Otherwise the network, and the
    // cache if the network fails after all.
    if (!self.navigator.onLine) return (await cached()) ?? Response.error();
    try {
      return await fetch(request);
    } catch (e) {
      const hit = await cached();
      if (hit) return hit;
      throw e;
    }
  })());
});
