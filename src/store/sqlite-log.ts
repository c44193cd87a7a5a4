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
import { effectiveName } from "./names.ts";
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
  const selectPresence = db
    .select({ leftSeq: participants.leftSeq })
    .from(participants)
    .where(eq(participants.id, p("id")))
    .prepare();
  const selectPresentNames = db
    .select({ name: participants.name })
    .from(participants)
    .where(isNull(participants.leftSeq))
    .prepare();
  const reads = createLogReads(db);

  let top: LogTop = reads.top();
  const listeners = new Set<AppendListener>();

  const isPresent = (id: string) => {
    const row = selectPresence.get({ id });
    return row !== undefined && row.leftSeq === null;
  };

  const stampAndInsert = sqlite.transaction(
    (drafts: readonly EventDraft[]): { results: AppendResult[]; stored: LogEvent[] } => {
      let { seq, logicalTime } = top;
      const sentAtMs = now();
      const results: AppendResult[] = [];
      const stored: LogEvent[] = [];
      for (const draft of drafts) {
        let content: string;
        let name = draft.name;
        let messageId: string | null = null;
        switch (draft.kind) {
          case "join":
            name = effectiveName(
              draft.name,
              selectPresentNames.all().map((row) => row.name),
            );
            break;
          case "leave":
            if (!isPresent(draft.participantId)) {
              results.push(NOT_PRESENT);
              continue;
            }
            break;
          case "message":
            messageId = draft.messageId;
            if (messageId !== null) {
              // Earlier in this batch too: the transaction sees its own rows.
              const first = reads.findByMessageId(draft.participantId, messageId);
              if (first) {
                results.push({ status: "duplicate", event: first });
                continue;
              }
            }
            if (!isPresent(draft.participantId)) {
              results.push(NOT_PRESENT);
              continue;
            }
            break;
        }
        seq += 1;
        logicalTime = Math.max(logicalTime, draft.logicalTime) + 1;
        switch (draft.kind) {
          case "join":
            content = joinSentence(name, logicalTime);
            insertParticipant.run({
              id: draft.participantId,
              name,
              tokenHash: draft.tokenHash,
              joinedSeq: seq,
              joinedAt: logicalTime,
            });
            break;
          case "leave":
            content = leaveSentence(name, logicalTime);
            markLeft.run({ id: draft.participantId, leftSeq: seq, leftAt: logicalTime });
            break;
          case "message":
            content = draft.content;
            break;
        }
        const event: LogEvent = {
          seq,
          logicalTime,
          kind: draft.kind,
          participantId: draft.participantId,
          name,
          content,
          sentAtMs,
        };
        insertEvent.run({ ...event, messageId });
        stored.push(event);
        results.push({ status: "stored", event });
      }
      return { results, stored };
    },
  );

  const append = (drafts: readonly EventDraft[]): AppendResult[] => {
    if (drafts.length === 0) return [];
    const { results, stored } = stampAndInsert.immediate(drafts);
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
