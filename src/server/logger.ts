import { createRequire } from "node:module";
import type { DestinationStream } from "pino";

// pino is loaded by the first JSON logger: text logging, the default, does not wait for it.
const require = createRequire(import.meta.url);

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ["text", "json"] as const;
/** text: `<ISO time> <LEVEL> <component> <event> key=value …`; json: one object per line. */
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** One line per event, at a level, stamped with the component that logged it. */
export interface Logger {
  /** What an operator chasing one client's problem wants, and nobody else (`--log-level debug`). */
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that stamps another component name. */
  child(component: string): Logger;
}

/** Where whole lines (each ending in a newline) go; pino's destinations are one. */
export interface LogDestination {
  write(line: string): unknown;
}

export interface LoggerOptions {
  component?: string;
  format?: LogFormat;
  /** The least severe level written (info by default). */
  level?: LogLevel;
  /** Where lines go; stdout by default. */
  destination?: LogDestination;
  /** Instead of a destination: called with each line, without its newline. */
  write?: (line: string) => void;
  /** The clock of text lines (JSON lines take pino's). */
  now?: () => Date;
}

const BARE = /^[\w.:/@#+-]+$/;
const SEVERITY: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

function formatValue(value: string | number | boolean | null): string {
  if (typeof value !== "string") return String(value);
  return BARE.test(value) ? value : JSON.stringify(value);
}

// Many lines share a millisecond under load: their time is formatted once.
let isoMs = Number.NaN;
let iso = "";

export function formatLine(
  time: Date,
  level: LogLevel,
  component: string,
  event: string,
  fields: LogFields = {},
): string {
  const ms = time.getTime();
  if (ms !== isoMs) {
    isoMs = ms;
    iso = time.toISOString();
  }
  let line = `${iso} ${level.toUpperCase()} ${component} ${event}`;
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
  }
  return line;
}

const stdout: LogDestination = { write: (line) => process.stdout.write(line) };

/**
 * The server log (S7). JSON goes through pino: its serializer is the fast one,
 * and its layout (level, time, msg) is what log pipelines read; the event is
 * `msg`, the component and the fields are keys of their own. Text keeps the
 * logfmt-style lines, written to the same destination.
 */
export function createLogger({
  component = "server",
  format = "text",
  level = "info",
  destination,
  write,
  now = () => new Date(),
}: LoggerOptions = {}): Logger {
  const out: LogDestination =
    destination ?? (write ? { write: (line) => write(line.slice(0, -1)) } : stdout);
  if (format === "json") return jsonLogger(component, level, out);
  const least = SEVERITY[level];
  const textLogger = (name: string): Logger => {
    const emit = (lineLevel: LogLevel, event: string, fields?: LogFields) => {
      if (SEVERITY[lineLevel] < least) return;
      out.write(`${formatLine(now(), lineLevel, name, event, fields)}\n`);
    };
    return {
      debug: (event, fields) => emit("debug", event, fields),
      info: (event, fields) => emit("info", event, fields),
      warn: (event, fields) => emit("warn", event, fields),
      error: (event, fields) => emit("error", event, fields),
      child: textLogger,
    };
  };
  return textLogger(component);
}

function jsonLogger(component: string, level: LogLevel, out: LogDestination): Logger {
  const pino = require("pino") as typeof import("pino");
  const root = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    out as DestinationStream,
  );
  // Every component is a child of the root, so no line carries two components.
  const wrap = (name: string): Logger => {
    const logger = root.child({ component: name });
    return {
      debug: (event, fields) => logger.debug(fields ?? {}, event),
      info: (event, fields) => logger.info(fields ?? {}, event),
      warn: (event, fields) => logger.warn(fields ?? {}, event),
      error: (event, fields) => logger.error(fields ?? {}, event),
      child: wrap,
    };
  };
  return wrap(component);
}

/** A logger that drops everything (for tests that do not read logs). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
