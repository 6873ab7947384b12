// A tiny router over node:http: exact "METHOD /path" routes plus "/prefix/*" wildcards,
// JSON answers, /healthz built in, and a listen() that prints the readiness line.

import http from "node:http";
import type { Logger } from "@acme/logger";

export type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  params: { rest: string },
) => unknown | Promise<unknown>;

/** Keys are "GET /products" or "GET /products/*". */
export type Routes = Record<string, Handler>;

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

function match(routes: Routes, method: string, path: string): [Handler, string] | undefined {
  const exact = routes[`${method} ${path}`];
  if (exact) return [exact, ""];
  for (const [key, handler] of Object.entries(routes)) {
    const [m, pattern] = key.split(" ", 2);
    if (m !== method || !pattern?.endsWith("/*")) continue;
    const prefix = pattern.slice(0, -1);
    if (path.startsWith(prefix)) return [handler, path.slice(prefix.length)];
  }
  return undefined;
}

export function createService(name: string, routes: Routes, logger: Logger): http.Server {
  const all: Routes = {
    "GET /healthz": (_req, res) => sendJson(res, 200, { status: "ok", service: name }),
    ...routes,
  };
  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const found = match(all, req.method ?? "GET", url.pathname);
    if (!found) {
      sendJson(res, 404, { error: "not found", path: url.pathname });
      return;
    }
    try {
      await found[0](req, res, { rest: found[1] });
    } catch (err) {
      logger.error("request failed", { path: url.pathname, error: String(err) });
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
    }
  });
}

/** Listens, logs the readiness line, and closes gracefully on SIGTERM/SIGINT. */
export function listen(
  server: http.Server,
  logger: Logger,
  port: number,
  host = "0.0.0.0",
  shutdownTimeoutMs = 5000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      logger.info(`listening on http://${host}:${actual}`, { port: actual });
      resolve();
    });
    const stop = (signal: string) => {
      logger.info("shutting down", { signal });
      server.close(() => process.exit(0));
      setTimeout(() => process.exit(1), shutdownTimeoutMs).unref();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
