export type LogLevel = "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** One line per event: `<ISO time> <LEVEL> <component> <event> key=value …`. */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that stamps another component name. */
  child(component: string): Logger;
}

export interface LoggerOptions {
  component?: string;
  /** Where lines go (without newline); stdout by default. */
  write?: (line: string) => void;
  now?: () => Date;
}

const BARE = /^[\w.:/@#+-]+$/;

function formatValue(value: string | number | boolean | null): string {
  if (typeof value !== "string") return String(value);
  return BARE.test(value) ? value : JSON.stringify(value);
}

export function formatLine(
  time: Date,
  level: LogLevel,
  component: string,
  event: string,
  fields: LogFields = {},
): string {
  let line = `${time.toISOString()} ${level.toUpperCase()} ${component} ${event}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
  }
  return line;
}

/** Builds a logfmt-style logger (the S7 server log). */
export function createLogger({
  component = "server",
  write = (line) => process.stdout.write(`${line}\n`),
  now = () => new Date(),
}: LoggerOptions = {}): Logger {
  const emit = (level: LogLevel, event: string, fields?: LogFields) => {
    const line = formatLine(now(), level, component, event, fields);
    write(line);
  };
  return {
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    child: (name) => createLogger({ component: name, write, now }),
  };
}

/** A logger that drops everything (for tests that do not read logs). */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
