import type { Database } from "better-sqlite3";
import { and, asc, desc, eq, getTableName, isNull, lt, lte, sql } from "drizzle-orm";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import type { LogEvent, LogTop, ParticipantRow } from "./event-log.ts";
import { events, logInfo, participants } from "./schema.ts";

/**
 * Everything that reads a SQLite log, as prepared statements on its indexes.
 * The server's log, its history thread and the read-only inspector share
 * these, so all read alike.
 */
export interface LogReads {
  /** The log's id, or undefined when `log_info` is empty. */
  logId(): string | undefined;
  /** The newest seq and logical time (0, 0 for an empty log). */
  top(): LogTop;
  /** Up to `limit` events with seq > `afterSeq`, oldest first. */
  readAfterSeq(afterSeq: number, limit: number): LogEvent[];
  /** The newest `limit` events with logical time < `before`, oldest first. */
  readBefore(before: number, limit: number): LogEvent[];
  /** The seq of the newest event with logical time <= `logicalTime` (0 if none). */
  seqAtOrBefore(logicalTime: number): number;
  /** The event a participant published with this message id, if any. */
  findByMessageId(participantId: string, messageId: string): LogEvent | undefined;
  findParticipant(id: string): ParticipantRow | undefined;
  /** Participants who joined and have not left, in join order. */
  presentParticipants(): ParticipantRow[];
  /** Everyone who ever joined, in join order. */
  allParticipants(): ParticipantRow[];
}

const eventColumns = {
  seq: events.seq,
  logicalTime: events.logicalTime,
  kind: events.kind,
  participantId: events.participantId,
  name: events.name,
  content: events.content,
  sentAtMs: events.sentAtMs,
};

/**
 * Prepares the log's read statements once, over an open (and migrated)
 * database: `db` is drizzle over `sqlite`.
 */
export function createLogReads(db: BetterSQLite3Database, sqlite: Database): LogReads {
  const p = sql.placeholder;
  const selectLogId = db.select({ logId: logInfo.logId }).from(logInfo).prepare();
  // Replay reads every event of the log through this one, so it skips
  // drizzle's mapping of each row (a fifth of a page's read time): the
  // columns are aliased to LogEvent's keys and better-sqlite3 builds the rows.
  const aliased = Object.entries(eventColumns)
    .map(([key, column]) => `"${column.name}" as "${key}"`)
    .join(", ");
  const selectAfter = sqlite.prepare<[number, number], LogEvent>(
    `select ${aliased} from "${getTableName(events)}" where "${events.seq.name}" > ? order by "${events.seq.name}" limit ?`,
  );
  const selectBefore = db
    .select(eventColumns)
    .from(events)
    .where(lt(events.logicalTime, p("before")))
    .orderBy(desc(events.logicalTime))
    .limit(p("limit"))
    .prepare();
  const selectSeqAtOrBefore = db
    .select({ seq: events.seq })
    .from(events)
    .where(lte(events.logicalTime, p("logicalTime")))
    .orderBy(desc(events.logicalTime))
    .limit(1)
    .prepare();
  const selectTop = db
    .select({ seq: events.seq, logicalTime: events.logicalTime })
    .from(events)
    .orderBy(desc(events.seq))
    .limit(1)
    .prepare();
  const selectByMessageId = db
    .select(eventColumns)
    .from(events)
    .where(and(eq(events.participantId, p("participantId")), eq(events.messageId, p("messageId"))))
    .prepare();
  const selectParticipant = db
    .select()
    .from(participants)
    .where(eq(participants.id, p("id")))
    .prepare();
  const selectPresent = db
    .select()
    .from(participants)
    .where(isNull(participants.leftSeq))
    .orderBy(asc(participants.joinedSeq))
    .prepare();
  const selectAll = db.select().from(participants).orderBy(asc(participants.joinedSeq)).prepare();

  return {
    logId: () => selectLogId.get()?.logId,
    top: () => selectTop.get() ?? { seq: 0, logicalTime: 0 },
    readAfterSeq: (afterSeq, limit) => selectAfter.all(afterSeq, limit),
    readBefore: (before, limit) => selectBefore.all({ before, limit }).reverse(),
    seqAtOrBefore: (logicalTime) => selectSeqAtOrBefore.get({ logicalTime })?.seq ?? 0,
    findByMessageId: (participantId, messageId) =>
      selectByMessageId.get({ participantId, messageId }),
    findParticipant: (id) => selectParticipant.get({ id }),
    presentParticipants: () => selectPresent.all(),
    allParticipants: () => selectAll.all(),
  };
}
