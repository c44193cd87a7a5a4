import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { createLogReads, type LogReads } from "./reads.ts";

/** A read-only view of an event log, safe beside a running server (WAL). */
export interface LogReader extends Omit<LogReads, "logId"> {
  readonly logId: string;
  close(): void;
}

/**
 * Opens an existing event log read-only: it never creates, migrates or writes.
 * Throws an Error with a readable message when `path` is not a ChitChat log.
 */
export function openLogReader(path: string): LogReader {
  if (!existsSync(path)) {
    throw new Error(
      `there is no event log at ${path} (the server creates it when it first starts)`,
    );
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`cannot open ${path}: ${(error as Error).message}`);
  }
  try {
    sqlite.pragma("busy_timeout = 5000");
    const tables = new Set(
      sqlite
        .prepare("select name from sqlite_master where type = 'table'")
        .pluck()
        .all() as string[],
    );
    for (const table of ["events", "participants", "log_info"]) {
      if (!tables.has(table)) {
        throw new Error(`${path} is not a ChitChat event log (it has no ${table} table)`);
      }
    }
    const reads = createLogReads(drizzle({ client: sqlite }), sqlite);
    const logId = reads.logId();
    if (logId === undefined) throw new Error(`${path} is not a ChitChat event log (no log id)`);
    return { ...reads, logId, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    if (error instanceof Error && /file is not a database/.test(error.message)) {
      throw new Error(`${path} is not a ChitChat event log (not an SQLite database)`);
    }
    throw error;
  }
}
