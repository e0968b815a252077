// A tiny static file server for the browser tests and for serving dist/ by hand:
// loopback only, correct MIME types (application/wasm), no caching, and a log of every
// request it answered (the tests check that nothing but this server is ever asked).
// With `compress` (or COMPRESS=1) it answers br or gzip as the browser accepts, like a real
// host, so the benchmark's first-load bytes are what a user would transfer.
//
//   [COMPRESS=1] node tests/browser/static-server.mjs DIR [PORT]     (PORT 0 = any free port)
import { createServer } from "node:http";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".csv": "text/csv; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/** Types worth compressing (wasm, scripts, text); images and unknown types go as they are. */
const COMPRESSIBLE = /^(text\/|application\/(wasm|json|manifest\+json)|image\/svg)/;

/** `body` encoded as the request accepts (br first), or null to send it as it is. */
export function encode(body, type, acceptEncoding = "") {
  if (!COMPRESSIBLE.test(type) || body.length < 256) return null;
  const accepted = new Set(
    acceptEncoding
      .split(",")
      .map((part) => part.trim().split(";"))
      .filter(([, q]) => !q || Number(q.trim().replace(/^q=/, "")) > 0)
      .map(([name]) => name.trim().toLowerCase()),
  );
  const accepts = (name) => accepted.has(name);
  if (accepts("br")) {
    // Quality 11 (what hosts precompress with) for the few files of a build.
    return ["br", brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })];
  }
  if (accepts("gzip")) return ["gzip", gzipSync(body, { level: 9 })];
  return null;
}

/**
 * Serves `root` on 127.0.0.1:`port`; resolves to { url, port, log, close }.
 * `options.compress`: answer with Content-Encoding br/gzip when accepted (cached per file).
 */
export function startServer(root, port = 0, options = {}) {
  const base = resolve(root);
  const log = [];
  const compress = options.compress ?? process.env.COMPRESS === "1";
  // Compressed bodies by path, encoding and mtime: brotli 11 of the wasm takes seconds.
  const cache = new Map();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    log.push({ method: req.method, path: url.pathname, time: Date.now() });
    let path = decodeURIComponent(url.pathname);
    if (path.endsWith("/")) path += "index.html";
    const file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end("forbidden");
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error("not a file");
      let body = await readFile(file);
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      const headers = { "Content-Type": type, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff" };
      if (compress) {
        headers.Vary = "Accept-Encoding";
        const accept = req.headers["accept-encoding"] ?? "";
        const key = `${file}\0${info.mtimeMs}\0${accept}`;
        if (!cache.has(key)) cache.set(key, encode(body, type, accept));
        const encoded = cache.get(key);
        if (encoded) {
          headers["Content-Encoding"] = encoded[0];
          body = encoded[1];
        }
      }
      headers["Content-Length"] = body.length;
      res.writeHead(200, headers);
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const actual = server.address().port;
      resolvePromise({
        url: `http://127.0.0.1:${actual}/`,
        port: actual,
        log,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [dir = "dist", port = "8080"] = process.argv.slice(2);
  const server = await startServer(dir, Number(port)).catch((error) => {
    const why = error.code === "EADDRINUSE" ? `port ${port} is in use (set PORT=… to pick another)` : error.message;
    console.error(`static-server: cannot serve on 127.0.0.1:${port}: ${why}`);
    process.exit(1);
  });
  console.log(`serving ${resolve(dir)} on ${server.url}`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
