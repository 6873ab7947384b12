// JSON-lines logger: one object per line on stdout, so log collectors need no parsing rules.

export type Level = "debug" | "info" | "warn" | "error";

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Fields): Logger;
}

function threshold(): number {
  const wanted = (process.env.LOG_LEVEL ?? "info").toLowerCase();
  return wanted in ORDER ? ORDER[wanted as Level] : ORDER.info;
}

export function createLogger(name: string, base: Fields = {}): Logger {
  const min = threshold();
  const write = (level: Level, msg: string, fields?: Fields): void => {
    if (ORDER[level] < min) return;
    const line = { time: new Date().toISOString(), level, name, msg, ...base, ...fields };
    process.stdout.write(JSON.stringify(line) + "\n");
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger(name, { ...base, ...fields }),
  };
}
