// Catalog: an ES module service. @acme/http-kit is CommonJS and entered through `exports`;
// the logger is depended on under the alias "log" (workspace:@acme/logger@*).

import { createService, listen, sendJson } from "@acme/http-kit";
import { createLogger } from "log";
import { products } from "./products.js";

const logger = createLogger("catalog");

const server = createService(
  "catalog",
  {
    "GET /products": (_req, res) => sendJson(res, 200, products),
    "GET /products/*": (_req, res, { rest }) => {
      const product = products.find((p) => p.sku === rest);
      sendJson(res, product ? 200 : 404, product ?? { error: "unknown sku", sku: rest });
    },
  },
  logger,
);

await listen(server, logger, Number(process.env.PORT ?? 3002), process.env.HOST ?? "0.0.0.0");
