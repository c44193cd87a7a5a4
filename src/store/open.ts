import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { EventLog } from "./event-log.ts";
import { checkIsChitChatLog } from "./identify.ts";
import { logInfo } from "./schema.ts";
import { createSqliteLog } from "./sqlite-log.ts";

/** drizzle-kit's output, applied at every open. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));

/**
 * How much of the file SQLite reads through a memory map instead of a read()
 * per 4 KiB page. A replay reads the log front to back; on this kind of
 * machine (a sandbox where each system call is dear) the first pass over the
 * file after opening took 82 ms per 100k events with read() and 31 ms mapped.
 * Mapped pages are the kernel's page cache (clean, shared, reclaimable), but
 * they count in the process's RSS once touched: at most this much.
 */
export const MMAP_BYTES = 256 * 1024 * 1024;

/** How hard SQLite works to keep a commit: FULL fsyncs the WAL on every commit. */
export type Synchronous = "full" | "normal";

export interface OpenEventLogOptions {
  /** Database file; its folder is created. */
  path: string;
  synchronous?: Synchronous;
  now?: () => number;
}

/**
 * Opens (creating and migrating if needed) the SQLite event log at `path`.
 * A file that is not a ChitChat log, or is from a newer ChitChat, is refused untouched.
 */
export function openEventLog({ path, synchronous = "full", now }: OpenEventLogOptions): EventLog {
  checkIsChitChatLog(path, MIGRATIONS_DIR);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma(`synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma(`mmap_size = ${MMAP_BYTES}`);
    const db = drizzle({ client: sqlite });
    migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    db.insert(logInfo)
      .values({ singleton: 1, logId: randomUUID(), createdAtMs: (now ?? Date.now)() })
      .onConflictDoNothing()
      .run();
    const info = db.select().from(logInfo).get();
    if (!info) throw new Error("log_info is empty after creation");
    return createSqliteLog({ sqlite, db, logId: info.logId, now });
  } catch (error) {
    sqlite.close();
    throw error;
  }
}
