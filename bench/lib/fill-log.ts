// A big event log written straight into SQLite: publishing a million events
// over gRPC would take longer than the scenario that reads them. The file is
// created and migrated by the project's own openEventLog, then filled with
// valid events: dense seq, strictly increasing logical time, each participant's
// JOIN before its MESSAGEs and its LEAVE last (so nobody is left present).
import Database from "better-sqlite3";
import { joinSentence, leaveSentence } from "../../src/protocol/events.ts";
import { openEventLog } from "../../src/store/open.ts";

const PARTICIPANTS = 10;
const ROWS_PER_TRANSACTION = 50_000;

/** Creates `path` holding exactly `total` events (total ≥ 2 × PARTICIPANTS). */
export function fillLog(path: string, total: number): void {
  if (total < 2 * PARTICIPANTS) throw new Error(`fillLog: at least ${2 * PARTICIPANTS} events`);
  openEventLog({ path, synchronous: "normal" }).close();
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = OFF");
    const insertEvent = db.prepare(
      `insert into events (seq, logical_time, kind, name, content, participant_id, message_id, sent_at_ms)
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertParticipant = db.prepare(
      `insert into participants (id, name, token_hash, joined_seq, joined_at, left_seq, left_at)
       values (?, ?, ?, ?, ?, ?, ?)`,
    );
    const ids = Array.from(
      { length: PARTICIPANTS },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    const names = ids.map((_, i) => `filler${i}`);
    const joinedAt: number[] = [];
    const sentAt = Date.now() - total;
    // logical time = 2 × seq: strictly increasing and with the gaps real Lamport clocks have.
    const row = (seq: number): void => {
      const lt = 2 * seq;
      if (seq <= PARTICIPANTS) {
        const i = seq - 1;
        joinedAt[i] = lt;
        insertEvent.run(
          seq,
          lt,
          "join",
          names[i],
          joinSentence(names[i] as string, lt),
          ids[i],
          null,
          sentAt + seq,
        );
      } else if (seq > total - PARTICIPANTS) {
        const i = seq - (total - PARTICIPANTS) - 1;
        insertEvent.run(
          seq,
          lt,
          "leave",
          names[i],
          leaveSentence(names[i] as string, lt),
          ids[i],
          null,
          sentAt + seq,
        );
        insertParticipant.run(ids[i], names[i], "0".repeat(64), i + 1, joinedAt[i], seq, lt);
      } else {
        const i = seq % PARTICIPANTS;
        insertEvent.run(
          seq,
          lt,
          "message",
          names[i],
          `message number ${seq} from a filler participant`,
          ids[i],
          `m-${seq}`,
          sentAt + seq,
        );
      }
    };
    const chunk = db.transaction((from: number, to: number) => {
      for (let seq = from; seq <= to; seq++) row(seq);
    });
    for (let from = 1; from <= total; from += ROWS_PER_TRANSACTION) {
      chunk(from, Math.min(total, from + ROWS_PER_TRANSACTION - 1));
    }
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

/** MESSAGE events in a log filled by fillLog. */
export function messagesIn(total: number): number {
  return total - 2 * PARTICIPANTS;
}
