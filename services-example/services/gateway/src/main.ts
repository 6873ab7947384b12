// Gateway: forwards /api/<service>/... to the service named in BILLING_URL / CATALOG_URL.

import http from "node:http";
import { loadConfig } from "@acme/config";
import { createService, listen, sendJson } from "@acme/http-kit";
import { createLogger } from "@acme/logger";

const logger = createLogger("gateway");
const config = loadConfig("gateway", { port: 3000 });

const upstreams: Record<string, string> = {
  billing: process.env.BILLING_URL ?? "http://billing:3001",
  catalog: process.env.CATALOG_URL ?? "http://catalog:3002",
};

function forward(target: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
  const upstream = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", (err) => {
    logger.warn("upstream unreachable", { target: target.href, error: err.message });
    if (!res.headersSent) sendJson(res, 502, { error: "upstream unreachable" });
  });
  req.pipe(upstream);
}

const server = createService(
  "gateway",
  {
    "GET /routes": (_req, res) => sendJson(res, 200, upstreams),
    "GET /api/*": (req, res, { rest }) => {
      const [name, ...path] = rest.split("/");
      const base = upstreams[name ?? ""];
      if (!base) return sendJson(res, 404, { error: "unknown service", service: name });
      forward(new URL("/" + path.join("/"), base), req, res);
    },
  },
  logger,
);

listen(server, logger, config.port, config.host, config.shutdownTimeoutMs).catch((err) => {
  logger.error("cannot listen", { error: String(err) });
  process.exit(1);
});
