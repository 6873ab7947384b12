// Billing: a plain node:http server (no http-kit), configured by @acme/config.

import http from "node:http";
import { ConfigError, humanDuration, loadConfig } from "@acme/config";
import { createLogger } from "@acme/logger";
import { invoices } from "./invoices";

const logger = createLogger("billing");

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function main(): void {
  let config;
  try {
    config = loadConfig("billing", { port: 3001, shutdownTimeout: "10s" });
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error(err.message);
      process.exit(2);
    }
    throw err;
  }

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && path === "/healthz") {
      return send(res, 200, { status: "ok", service: "billing" });
    }
    if (req.method === "GET" && path === "/invoices") {
      return send(res, 200, invoices);
    }
    const id = path.match(/^\/invoices\/([\w-]+)$/)?.[1];
    const invoice = invoices.find((i) => i.id === id);
    if (req.method === "GET" && invoice) {
      return send(res, 200, invoice);
    }
    send(res, 404, { error: "not found", path });
  });

  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    logger.info(`listening on http://${config.host}:${port}`, {
      port,
      shutdownGrace: humanDuration(config.shutdownTimeoutMs),
    });
  });
  process.once("SIGTERM", () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
  });
}

main();
