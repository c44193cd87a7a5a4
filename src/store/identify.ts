import { existsSync, rmSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { readMigrationFiles } from "drizzle-orm/migrator";

/** drizzle's record of the migrations applied to a database. */
const MIGRATIONS_TABLE = "__drizzle_migrations";
/** The tables our first migration creates; a log without them is someone else's. */
const OUR_TABLES = ["events", "participants", "log_info"];

/**
 * Refuses, before anything writes to it, a file that is not a ChitChat event
 * log: not SQLite at all, another application's database, or a log from a newer
 * ChitChat (a migration this version does not know). Opening such a file for
 * writing would switch it to WAL mode and create our tables in it; drizzle would
 * also silently skip a newer schema. A missing or empty file is a new log.
 * Throws an Error whose message is one sentence naming the file.
 */
export function checkIsChitChatLog(path: string, migrationsFolder: string): void {
  if (path === ":memory:" || !existsSync(path) || statSync(path).size === 0) return;
  // Reading a WAL database leaves an empty -wal and -shm beside it; a refused file
  // should be left as we found it.
  const sideFiles = [`${path}-wal`, `${path}-shm`].filter((f) => !existsSync(f));
  try {
    refuseForeign(path, migrationsFolder);
  } catch (error) {
    for (const file of sideFiles) {
      if (existsSync(file) && (!file.endsWith("-wal") || statSync(file).size === 0)) rmSync(file);
    }
    throw error;
  }
}

function refuseForeign(path: string, migrationsFolder: string): void {
  let tables: string[];
  let applied: { hash: string; createdAt: number }[] = [];
  const db = openReadOnly(path);
  try {
    tables = (
      db.prepare("select name from sqlite_master where type = 'table' order by name").all() as {
        name: string;
      }[]
    ).map((row) => row.name);
    if (tables.includes(MIGRATIONS_TABLE)) {
      applied = db
        .prepare(`select hash, created_at as createdAt from ${MIGRATIONS_TABLE}`)
        .all() as typeof applied;
    }
  } catch (error) {
    throw new Error(
      `${path} is not a SQLite database (${(error as Error).message}); refusing to touch it`,
    );
  } finally {
    db.close();
  }
  if (tables.length === 0) return;
  const missing = [MIGRATIONS_TABLE, ...OUR_TABLES].filter((t) => !tables.includes(t));
  if (missing.length > 0) {
    const shown = tables.filter((t) => !t.startsWith("sqlite_")).join(", ");
    throw new Error(
      `${path} is a SQLite database of another application (tables: ${shown}), not a ChitChat event log; refusing to change it`,
    );
  }
  const known = readMigrationFiles({ migrationsFolder });
  const knownHashes = new Set(known.map((m) => m.hash));
  const newest = Math.max(0, ...known.map((m) => m.folderMillis));
  const unknown = applied.filter((m) => !knownHashes.has(m.hash));
  if (unknown.some((m) => Number(m.createdAt) > newest)) {
    throw new Error(
      `${path} was written by a newer ChitChat (its schema has ${unknown.length} migration(s) this version does not know); refusing to open it: upgrade ChitChat`,
    );
  }
  if (unknown.length > 0) {
    throw new Error(
      `${path} has a schema history this ChitChat does not recognise (${unknown.length} unknown migration(s)); refusing to open it`,
    );
  }
}

function openReadOnly(path: string): Database.Database {
  try {
    return new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`cannot open ${path}: ${(error as Error).message}`);
  }
}
