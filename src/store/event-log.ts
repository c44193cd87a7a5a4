import type { Database } from "better-sqlite3";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { joinSentence, leaveSentence } from "../protocol/events.ts";
import { createLogReads, type LogEvent, type LogReads, type LogTop } from "./reads.ts";
import { events, participants } from "./schema.ts";

export type { LogEvent, LogTop, ParticipantRow } from "./reads.ts";

/** Something to append; the log stamps `seq` and the Lamport time. */
export type EventDraft =
  | {
      kind: "join";
      participantId: string;
      name: string;
      /** The sender's clock (0 when it has none). */
      logicalTime: number;
      tokenHash: string;
    }
  | {
      kind: "message";
      participantId: string;
      name: string;
      logicalTime: number;
      content: string;
      messageId: string | null;
    }
  | { kind: "leave"; participantId: string; name: string; logicalTime: number };

export type AppendListener = (appended: readonly LogEvent[]) => void;

/**
 * The event log and its sequencer. `append` stamps every draft inside one
 * SQLite transaction (seq = top + 1, logical time = max(clock, draft) + 1), so
 * log order = Lamport order = delivery order. Listeners hear of events only
 * after they are committed.
 */
export interface EventLog extends Omit<LogReads, "logId"> {
  readonly logId: string;
  append(drafts: readonly EventDraft[]): LogEvent[];
  /** Registers a listener for committed events; returns a function that removes it. */
  onAppend(listener: AppendListener): () => void;
  close(): void;
}

export interface EventLogParts {
  sqlite: Database;
  db: BetterSQLite3Database;
  logId: string;
  now?: () => number;
  /** Hears a listener's exception; the append itself has committed and stands. */
  onListenerError?: (error: unknown) => void;
}

/** Builds the log over an open, migrated database (see `openEventLog`). */
export function createEventLog({
  sqlite,
  db,
  logId,
  now = Date.now,
  onListenerError = (error) => console.error("event log listener failed:", error),
}: EventLogParts): EventLog {
  const p = sql.placeholder;
  const insertEvent = db
    .insert(events)
    .values({
      seq: p("seq"),
      logicalTime: p("logicalTime"),
      kind: p("kind"),
      participantId: p("participantId"),
      name: p("name"),
      content: p("content"),
      messageId: p("messageId"),
      sentAtMs: p("sentAtMs"),
    })
    .prepare();
  const insertParticipant = db
    .insert(participants)
    .values({
      id: p("id"),
      name: p("name"),
      tokenHash: p("tokenHash"),
      joinedSeq: p("joinedSeq"),
      joinedAt: p("joinedAt"),
    })
    .prepare();
  const markLeft = db
    .update(participants)
    .set({ leftSeq: sql`${p("leftSeq")}`, leftAt: sql`${p("leftAt")}` })
    .where(and(eq(participants.id, p("id")), isNull(participants.leftSeq)))
    .prepare();
  const reads = createLogReads(db);

  let top: LogTop = reads.top();
  const listeners = new Set<AppendListener>();

  const stampAndInsert = sqlite.transaction((drafts: readonly EventDraft[]): LogEvent[] => {
    let { seq, logicalTime } = top;
    const sentAtMs = now();
    const stored: LogEvent[] = [];
    for (const draft of drafts) {
      seq += 1;
      logicalTime = Math.max(logicalTime, draft.logicalTime) + 1;
      let content: string;
      let messageId: string | null = null;
      switch (draft.kind) {
        case "join":
          content = joinSentence(draft.name, logicalTime);
          insertParticipant.run({
            id: draft.participantId,
            name: draft.name,
            tokenHash: draft.tokenHash,
            joinedSeq: seq,
            joinedAt: logicalTime,
          });
          break;
        case "leave":
          content = leaveSentence(draft.name, logicalTime);
          markLeft.run({ id: draft.participantId, leftSeq: seq, leftAt: logicalTime });
          break;
        case "message":
          content = draft.content;
          messageId = draft.messageId;
          break;
      }
      const event: LogEvent = {
        seq,
        logicalTime,
        kind: draft.kind,
        participantId: draft.participantId,
        name: draft.name,
        content,
        sentAtMs,
      };
      insertEvent.run({ ...event, messageId });
      stored.push(event);
    }
    return stored;
  });

  return {
    ...reads,
    logId,
    top: () => ({ ...top }),
    append(drafts) {
      if (drafts.length === 0) return [];
      const stored = stampAndInsert.immediate(drafts);
      const last = stored[stored.length - 1];
      if (last) top = { seq: last.seq, logicalTime: last.logicalTime };
      // The events are committed: a failing listener must not make the caller
      // think otherwise (it would retry and store a duplicate).
      for (const listener of listeners) {
        try {
          listener(stored);
        } catch (error) {
          onListenerError(error);
        }
      }
      return stored;
    },
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      sqlite.close();
    },
  };
}
