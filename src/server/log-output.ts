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
 *
 * Lines are handed on together, not one system call each: a busy commit logs
 * a line per event, and the loop does nothing else meanwhile. They are held
 * for at most FLUSH_MS (or until FLUSH_CHARS are waiting: 64K characters, up to
 * 256 KB of UTF-8, counted without encoding each line), which at 10k
 * publishes/s is one write per ~100 lines instead of one per turn of the loop
 * (docs/PERFORMANCE.md). What is held is written at exit; a SIGKILL loses at
 * most FLUSH_MS of lines (the event log itself is unaffected).
 */
const FLUSH_MS = 10;
const FLUSH_CHARS = 64 * 1024;

const require = createRequire(import.meta.url);

export function createServerLogger({ format, level, logFile }: ServerLoggerOptions): Logger {
  // pino is loaded only when there is a file: a plain text start does not wait for it.
  const file = logFile
    ? (require("pino") as typeof import("pino")).destination({
        dest: logFile,
        sync: true,
        append: true,
        mkdir: true,
      })
    : undefined;
  let pending = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending === "") return;
    const text = pending;
    pending = "";
    process.stdout.write(text);
    file?.write(text);
  };
  process.on("exit", flush);
  const destination: LogDestination = {
    write(line) {
      pending += line;
      if (pending.length >= FLUSH_CHARS) flush();
      else if (!timer) {
        timer = setTimeout(flush, FLUSH_MS);
        timer.unref?.();
      }
    },
  };
  return createLogger({ format, level, destination });
}
