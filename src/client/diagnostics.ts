import { createRequire } from "node:module";
import { Writable } from "node:stream";

// pino is loaded only for --log-format json, so the default start does not wait for it.
const require = createRequire(import.meta.url);

export const DIAGNOSTIC_FORMATS = ["text", "json"] as const;
/** The client's notes on stderr: as they read, or one JSON object per line (as the server's log). */
export type DiagnosticFormat = (typeof DIAGNOSTIC_FORMATS)[number];

/** Where the client's own notes go; the chat on stdout never changes with the format. */
export interface Diagnostics {
  /** A stream of note lines (the terminal's status output). */
  readonly notes: NodeJS.WritableStream;
  /** The last word before the process exits with an error. */
  fatal(message: string): void;
}

/**
 * text: notes as they are and `chitchat client: <message>`; json: through pino,
 * `{"level":"info","time":…,"component":"client","msg":"note","text":…}` per
 * note and `"level":"error","msg":"exit","error":…` for the last word.
 */
export function createDiagnostics(
  format: DiagnosticFormat,
  stderr: NodeJS.WritableStream,
): Diagnostics {
  if (format === "text") {
    return { notes: stderr, fatal: (message) => stderr.write(`chitchat client: ${message}\n`) };
  }
  const pino = require("pino") as typeof import("pino");
  const logger = pino(
    {
      base: { component: "client" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => stderr.write(line) },
  );
  let partial = "";
  const notes = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const text of lines) logger.info({ text }, "note");
      done();
    },
  });
  return { notes, fatal: (error) => logger.error({ error }, "exit") };
}
