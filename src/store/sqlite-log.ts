import type { Database } from "better-sqlite3";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { joinSentence, leaveSentence } from "../protocol/events.ts";
import type {
  AppendListener,
  AppendResult,
  EventDraft,
  EventLog,
  LogEvent,
  LogTop,
} from "./event-log.ts";
import { effectiveName, nameKey } from "./names.ts";
import { createLogReads } from "./reads.ts";
import { events, participants } from "./schema.ts";

export interface SqliteLogParts {
  sqlite: Database;
  db: BetterSQLite3Database;
  logId: string;
  now?: () => number;
  /** Hears a listener's exception; the append itself has committed and stands. */
  onListenerError?: (error: unknown) => void;
}

const NOT_PRESENT: AppendResult = { status: "refused", reason: "not_present" };

/**
 * The embedded backend. SQLite is synchronous, so an append stamps and stores
 * with nothing async in between, and listeners run right after the commit,
 * before the append's promise settles.
 */
export function createSqliteLog({
  sqlite,
  db,
  logId,
  now = Date.now,
  onListenerError = (error) => console.error("event log listener failed:", error),
}: SqliteLogParts): EventLog {
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
    // Only the (participant, message id) index can conflict: seq and logical
    // time are stamped here. A conflict is a retry, answered with the first event.
    .onConflictDoNothing()
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
  const reads = createLogReads(db, sqlite);

  let top: LogTop = reads.top();
  const listeners = new Set<AppendListener>();
  // This process is the log's only writer, so who is present, and under which
  // name, is known here without a read per message or per join (reading every
  // present name for each JOIN made joining N participants allocate N² rows);
  // a rolled-back batch undoes its changes.
  const present = new Map<string, string>(); // participant id → its name's key
  const takenNames = new Map<string, number>(); // name key → present participants with it
  const enter = (id: string, key: string) => {
    present.set(id, key);
    takenNames.set(key, (takenNames.get(key) ?? 0) + 1);
  };
  const exit = (id: string, key: string) => {
    present.delete(id);
    const count = takenNames.get(key) ?? 0;
    if (count > 1) takenNames.set(key, count - 1);
    else takenNames.delete(key);
  };
  for (const row of reads.presentParticipants()) enter(row.id, nameKey(row.name));

  const stampAndInsert = sqlite.transaction(
    (
      drafts: readonly EventDraft[],
      undo: Array<() => void>,
    ): { results: AppendResult[]; stored: LogEvent[] } => {
      let { seq, logicalTime } = top;
      const sentAtMs = now();
      const results: AppendResult[] = [];
      const stored: LogEvent[] = [];
      for (const draft of drafts) {
        const id = draft.participantId;
        let name = draft.name;
        if (draft.kind === "join") {
          name = effectiveName(draft.name, takenNames);
        } else if (!present.has(id)) {
          // A retry of a message stored before its sender left is still that message.
          const first =
            draft.kind === "message" && draft.messageId !== null
              ? reads.findByMessageId(id, draft.messageId)
              : undefined;
          results.push(first ? { status: "duplicate", event: first } : NOT_PRESENT);
          continue;
        }
        const event: LogEvent = {
          seq: seq + 1,
          logicalTime: Math.max(logicalTime, draft.logicalTime) + 1,
          kind: draft.kind,
          participantId: id,
          name,
          content: "",
          sentAtMs,
        };
        let messageId: string | null = null;
        switch (draft.kind) {
          case "join":
            event.content = joinSentence(name, event.logicalTime);
            break;
          case "leave":
            event.content = leaveSentence(name, event.logicalTime);
            break;
          case "message":
            event.content = draft.content;
            messageId = draft.messageId;
            break;
        }
        if (insertEvent.run({ ...event, messageId }).changes === 0) {
          // The log (or this batch) already holds this message id: nothing new.
          results.push({
            status: "duplicate",
            event: reads.findByMessageId(id, messageId as string) as LogEvent,
          });
          continue;
        }
        seq = event.seq;
        logicalTime = event.logicalTime;
        if (draft.kind === "join") {
          insertParticipant.run({
            id,
            name,
            tokenHash: draft.tokenHash,
            joinedSeq: seq,
            joinedAt: logicalTime,
          });
          const key = nameKey(name);
          enter(id, key);
          undo.push(() => exit(id, key));
        } else if (draft.kind === "leave") {
          markLeft.run({ id, leftSeq: seq, leftAt: logicalTime });
          const key = present.get(id) as string;
          exit(id, key);
          undo.push(() => enter(id, key));
        }
        stored.push(event);
        results.push({ status: "stored", event });
      }
      return { results, stored };
    },
  );

  const append = (drafts: readonly EventDraft[]): AppendResult[] => {
    if (drafts.length === 0) return [];
    const undo: Array<() => void> = [];
    let outcome: { results: AppendResult[]; stored: LogEvent[] };
    try {
      outcome = stampAndInsert.immediate(drafts, undo);
    } catch (error) {
      for (const step of undo.reverse()) step();
      throw error;
    }
    const { results, stored } = outcome;
    const last = stored[stored.length - 1];
    if (!last) return results;
    top = { seq: last.seq, logicalTime: last.logicalTime };
    // The events are committed: a failing listener must not make the caller
    // think otherwise (it would retry and store a duplicate).
    for (const listener of listeners) {
      try {
        listener(stored);
      } catch (error) {
        onListenerError(error);
      }
    }
    return results;
  };

  // Every method is synchronous underneath; a thrown error becomes a rejection.
  const later =
    <A extends unknown[], R>(f: (...args: A) => R) =>
    (...args: A): Promise<R> => {
      try {
        return Promise.resolve(f(...args));
      } catch (error) {
        return Promise.reject(error);
      }
    };

  return {
    logId,
    backend: "sqlite",
    append: later(append),
    onAppend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    top: () => Promise.resolve({ ...top }),
    readAfterSeq: later(reads.readAfterSeq),
    readAfterSeqNow: reads.readAfterSeq,
    readBefore: later(reads.readBefore),
    seqAtOrBefore: later(reads.seqAtOrBefore),
    findByMessageId: later(reads.findByMessageId),
    findParticipant: later(reads.findParticipant),
    presentParticipants: later(reads.presentParticipants),
    allParticipants: later(reads.allParticipants),
    close: later(() => {
      listeners.clear();
      sqlite.close();
    }),
  };
}
