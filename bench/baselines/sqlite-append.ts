// The bare SQLite baseline: rows appended to the same `events` table (created
// by the project's own open + migrate) with the same synchronous mode, by a
// prepared single-row insert per transaction and by batches in one transaction.
// No clock, no listeners, no gRPC: the limit of the store's own part.
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Synchronous } from "../../src/store/open.ts";
import { openEventLog } from "../../src/store/open.ts";
import { tempDir } from "../../test/support/temp.ts";
import { nowMs } from "../lib/clock.ts";

export interface SqliteAppendResult {
  /** Rows per second, one autocommitted insert each. */
  singleRow: number;
  /** Rows per second, `batch` rows per transaction. */
  batched: number;
  batch: number;
}

const INSERT = `insert into events (seq, logical_time, kind, name, content, participant_id, message_id, sent_at_ms)
  values (?, ?, 'message', 'bench', ?, 'p', ?, ?)`;

/** Appends for about `durationMs` per variant in a fresh file and reports rows per second. */
export function measureSqliteAppend(
  synchronous: Synchronous,
  durationMs: number,
  batch = 128,
): SqliteAppendResult {
  using dir = tempDir("chitchat-bench-");
  const path = join(dir.path, "bare.db");
  openEventLog({ path, synchronous }).close();
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
    const insert = db.prepare(INSERT);
    let seq = 0;
    const row = () => {
      seq += 1;
      insert.run(seq, seq, `${nowMs().toFixed(3)} ${seq}`, `id-${seq}`, Date.now());
    };
    const rate = (step: () => number) => {
      const start = nowMs();
      let rows = 0;
      while (nowMs() - start < durationMs) rows += step();
      return (rows * 1000) / (nowMs() - start);
    };
    const singleRow = rate(() => {
      row();
      return 1;
    });
    const many = db.transaction(() => {
      for (let i = 0; i < batch; i++) row();
    });
    const batched = rate(() => {
      many.immediate();
      return batch;
    });
    return { singleRow, batched, batch };
  } finally {
    db.close();
  }
}
