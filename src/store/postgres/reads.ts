// The PostgreSQL log's read queries, shared by the servers' log (open.ts) and
// the read-only reader `bun run inspect` uses (reader.ts).
import { and, asc, desc, eq, gt, lt, lte } from "drizzle-orm";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { LogEvent, LogTop } from "../event-log.ts";
import { events, logTop } from "./schema.ts";

export const eventColumns = {
  seq: events.seq,
  logicalTime: events.logicalTime,
  kind: events.kind,
  participantId: events.participantId,
  name: events.name,
  content: events.content,
  sentAtMs: events.sentAtMs,
};

export interface PostgresReads {
  top(): Promise<LogTop>;
  /** Up to `limit` events with seq > afterSeq, oldest first. */
  readAfterSeq(afterSeq: number, limit: number): Promise<LogEvent[]>;
  /** The newest `limit` events before logical time `before`, oldest first. */
  readBefore(before: number, limit: number): Promise<LogEvent[]>;
  /** The seq of the newest event at or before `logicalTime` (0: none). */
  seqAtOrBefore(logicalTime: number): Promise<number>;
  findByMessageId(participantId: string, messageId: string): Promise<LogEvent | undefined>;
}

export function createPostgresReads(db: PostgresJsDatabase): PostgresReads {
  return {
    async top() {
      const [top] = await db
        .select({ seq: logTop.seq, logicalTime: logTop.logicalTime })
        .from(logTop);
      return top ?? { seq: 0, logicalTime: 0 };
    },
    readAfterSeq: (afterSeq, limit) =>
      db
        .select(eventColumns)
        .from(events)
        .where(gt(events.seq, afterSeq))
        .orderBy(asc(events.seq))
        .limit(limit),
    async readBefore(before, limit) {
      const rows = await db
        .select(eventColumns)
        .from(events)
        .where(lt(events.logicalTime, before))
        .orderBy(desc(events.logicalTime))
        .limit(limit);
      return rows.reverse();
    },
    async seqAtOrBefore(logicalTime) {
      const [row] = await db
        .select({ seq: events.seq })
        .from(events)
        .where(lte(events.logicalTime, logicalTime))
        .orderBy(desc(events.logicalTime))
        .limit(1);
      return row?.seq ?? 0;
    },
    async findByMessageId(participantId, messageId) {
      const [row] = await db
        .select(eventColumns)
        .from(events)
        .where(and(eq(events.participantId, participantId), eq(events.messageId, messageId)));
      return row;
    },
  };
}
