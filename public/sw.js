// Service worker of Store uptime: keeps the app shell (page, wasm, worker, styles, sample
// data) in the Cache API on first visit, so the page opens and makes reports offline.
// It caches only this app's own files and never sees or stores user data: the user's CSV
// files are read from disk by the web worker and never requested over the network.
//
// scripts/post-build.mjs replaces the two placeholders below at build time.
const VERSION = "BUILD_VERSION";
const SHELL = ["BUILD_SHELL_FILES"];
const CACHE = "store-uptime-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // `reload`: straight from the server, never a stale copy from the HTTP cache (the
      // worker's files keep one name across builds).
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("store-uptime-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    // The page itself: fresh when online, the cached copy when not.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put("./", copy));
          }
          return response;
        })
        .catch(() => caches.match("./").then((hit) => hit || caches.match("./index.html"))),
    );
    return;
  }
  // Hashed assets never change under one name: cache first.
  event.respondWith(
    caches.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request)),
  );
});
