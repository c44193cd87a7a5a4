import { existsSync, linkSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { openLogReader } from "../store/reader.ts";

export interface BackupOptions {
  /** The live event log to copy (opened read-only). */
  db: string;
  /** Where the copy goes; never overwritten. */
  out: string;
}

/** What the verified copy holds. */
export interface BackupReport {
  db: string;
  out: string;
  logId: string;
  /** Events in the copy: seq 1..events with no hole. */
  events: number;
  /** The newest event's seq and logical time (0 and 0 for an empty log). */
  seq: number;
  logicalTime: number;
  bytes: number;
}

/** A refusal or a failed check: the message is one sentence for the operator. */
export class BackupError extends Error {}

/** Pages per backup step: all of them, so the copy is one read transaction's snapshot. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies a ChitChat event log with SQLite's online backup API while a server may
 * be writing it, then checks the copy before giving it its name: integrity, seq
 * dense from 1, logical time strictly increasing, the same log id. The copy is
 * written beside `out` under a temporary name and linked to `out` only once
 * verified (a link never replaces an existing file), so `out` is either absent
 * or a whole, checked log.
 */
export async function backupLog({ db, out }: BackupOptions): Promise<BackupReport> {
  if (resolve(db) === resolve(out)) {
    throw new BackupError(`--out ${out} is the log itself; give another file`);
  }
  if (existsSync(out)) {
    throw new BackupError(`${out} already exists; refusing to overwrite it (choose a new --out)`);
  }
  let logId: string;
  try {
    // Refuses a missing file, a file that is not SQLite, and another application's database.
    const reader = openLogReader(db);
    logId = reader.logId;
    reader.close();
  } catch (error) {
    throw new BackupError(`cannot back up ${db}: ${(error as Error).message}`);
  }
  try {
    mkdirSync(dirname(out), { recursive: true });
  } catch (error) {
    throw new BackupError(`cannot create the folder of ${out}: ${(error as Error).message}`);
  }
  const partial = `${out}.partial-${process.pid}`;
  try {
    const source = new Database(db, { readonly: true, fileMustExist: true });
    try {
      source.pragma("busy_timeout = 5000");
      await source.backup(partial, { progress: () => ALL_PAGES });
    } finally {
      source.close();
    }
    const report = verify(partial, logId);
    try {
      linkSync(partial, out);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new BackupError(
        code === "EEXIST"
          ? `${out} appeared while the backup was written; refusing to overwrite it`
          : `cannot name the copy ${out}: ${(error as Error).message}`,
      );
    }
    return { ...report, db, out, bytes: statSync(out).size };
  } finally {
    for (const file of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(file, { force: true });
  }
}

type Checked = Pick<BackupReport, "logId" | "events" | "seq" | "logicalTime">;

/** Checks the copy at `path` as a restored server would need it. */
function verify(path: string, logId: string): Checked {
  const copy = new Database(path, { fileMustExist: true });
  try {
    const integrity = copy.pragma("integrity_check", { simple: true });
    if (integrity !== "ok") {
      throw new BackupError(`the copy failed SQLite's integrity check: ${String(integrity)}`);
    }
    const copied = copy.prepare("select log_id from log_info").pluck().get() as string | undefined;
    if (copied !== logId) {
      throw new BackupError(`the copy's log id is ${copied}, not the log's ${logId}`);
    }
    const { count, first, last } = copy
      .prepare("select count(*) as count, min(seq) as first, max(seq) as last from events")
      .get() as { count: number; first: number | null; last: number | null };
    if (count > 0 && (first !== 1 || last !== count)) {
      throw new BackupError(
        `the copy's seq is not dense: ${count} events numbered ${first}..${last}`,
      );
    }
    const backwards = copy
      .prepare(
        `select count(*) from events a join events b on b.seq = a.seq + 1
         where b.logical_time <= a.logical_time`,
      )
      .pluck()
      .get() as number;
    if (backwards > 0) {
      throw new BackupError(
        `the copy's logical time does not increase with seq (${backwards} times)`,
      );
    }
    const top = copy
      .prepare("select seq, logical_time as logicalTime from events order by seq desc limit 1")
      .get() as { seq: number; logicalTime: number } | undefined;
    return { logId, events: count, seq: top?.seq ?? 0, logicalTime: top?.logicalTime ?? 0 };
  } finally {
    copy.close();
  }
}
