import { createRequire } from "node:module";
import {
  createLogger,
  type LogDestination,
  type LogFormat,
  type Logger,
  type LogLevel,
} from "./logger.ts";

export interface ServerLoggerOptions {
  format: LogFormat;
  level: LogLevel;
  /** Also append every line to this file (its folder is created). */
  logFile?: string;
}

/**
 * The server process's logger: every line to stdout and, with a log file, to
 * that file too. The file is pino's synchronous destination (sonic-boom): a
 * line is with the OS when the call returns, so nothing is lost at
 * process.exit. Stdout stays Bun's own buffered stream: Bun makes a piped
 * stdout non-blocking, and sonic-boom's sync mode sleeps 100 ms on each EAGAIN,
 * so a slow reader (a pipe to a log shipper) would stall the server (measured:
 * 5 MB took 10.7 s behind a reader that started 1.5 s late).
 */
const require = createRequire(import.meta.url);

export function createServerLogger({ format, level, logFile }: ServerLoggerOptions): Logger {
  const stdout: LogDestination = { write: (line) => process.stdout.write(line) };
  let destination: LogDestination = stdout;
  if (logFile) {
    // Loaded only when there is a file: a plain text start does not wait for pino.
    const pino = require("pino") as typeof import("pino");
    const file = pino.destination({ dest: logFile, sync: true, append: true, mkdir: true });
    destination = {
      write(line) {
        stdout.write(line);
        file.write(line);
      },
    };
  }
  return createLogger({ format, level, destination });
}
