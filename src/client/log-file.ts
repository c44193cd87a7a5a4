import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** An append-only text file, one line per write. */
export interface LogFile {
  readonly path: string;
  write(line: string): void;
  close(): void;
}

/**
 * Opens `path` for appending, creating its folder. Writes are synchronous:
 * a chat line is small, and the file then holds every event even when the
 * process exits right after.
 */
export function openLogFile(path: string): LogFile {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number | undefined = openSync(path, "a");
  return {
    path,
    write(line) {
      if (fd !== undefined) writeSync(fd, `${line}\n`);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
