// The SQLite file read directly, once the server process that wrote it is gone.
import Database from "better-sqlite3";

/** A row of the `events` table, with the columns a client can see. */
export interface EventRow {
  seq: number;
  logicalTime: number;
  kind: "join" | "message" | "leave";
  participantId: string;
  name: string;
  content: string;
  messageId: string | null;
  sentAtMs: number;
}

/** Every event in the log file at `path`, in seq order; opens it read-only. */
export function readEvents(path: string): EventRow[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare(
        `select seq, logical_time as logicalTime, kind, participant_id as participantId,
                name, content, message_id as messageId, sent_at_ms as sentAtMs
         from events order by seq`,
      )
      .all() as EventRow[];
  } finally {
    db.close();
  }
}
