// Service configuration read once from the environment, validated, with durations such as
// SHUTDOWN_TIMEOUT=10s parsed by `ms`.

import ms from "ms";
import { createLogger } from "@acme/logger";

export interface ServiceConfig {
  service: string;
  host: string;
  port: number;
  /** How long in-flight requests get after SIGTERM. */
  shutdownTimeoutMs: number;
}

export interface Defaults {
  port: number;
  shutdownTimeout?: string;
}

export class ConfigError extends Error {}

function parsePort(raw: string, variable: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${variable}=${raw} is not a TCP port (0-65535)`);
  }
  return port;
}

function parseDuration(raw: string, variable: string): number {
  const value = ms(raw as ms.StringValue);
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new ConfigError(`${variable}=${raw} is not a duration such as 500ms, 10s or 1m`);
  }
  return value;
}

export function loadConfig(
  service: string,
  defaults: Defaults,
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig {
  const config: ServiceConfig = {
    service,
    host: env.HOST ?? "0.0.0.0",
    port: env.PORT ? parsePort(env.PORT, "PORT") : defaults.port,
    shutdownTimeoutMs: parseDuration(
      env.SHUTDOWN_TIMEOUT ?? defaults.shutdownTimeout ?? "5s",
      "SHUTDOWN_TIMEOUT",
    ),
  };
  createLogger("config").debug("configuration loaded", { ...config });
  return config;
}

/** A duration in words, for logs and API answers. */
export function humanDuration(milliseconds: number): string {
  return ms(milliseconds, { long: true });
}
