import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { EVENT_KINDS } from "../protocol/events.ts";

/**
 * The event log: one row per event, in `seq` order. Column order and names are
 * chosen for `sqlite3 data/chitchat.db 'select * from events'`.
 */
export const events = sqliteTable(
  "events",
  {
    /** Position in the log: 1, 2, 3, … with no holes. */
    seq: integer("seq").primaryKey(),
    /** Lamport time; strictly increasing with seq. */
    logicalTime: integer("logical_time").notNull(),
    /** Wall-clock time, readable; derived from sent_at_ms, so it costs no space. */
    sentAt: text("sent_at").generatedAlwaysAs(
      sql`strftime('%Y-%m-%dT%H:%M:%fZ', sent_at_ms / 1000.0, 'unixepoch')`,
      { mode: "virtual" },
    ),
    kind: text("kind", { enum: EVENT_KINDS }).notNull(),
    name: text("name").notNull(),
    content: text("content").notNull(),
    participantId: text("participant_id").notNull(),
    /** Client-chosen id that makes a publish idempotent; null when none was given. */
    messageId: text("message_id"),
    sentAtMs: integer("sent_at_ms").notNull(),
  },
  (t) => [
    uniqueIndex("events_logical_time").on(t.logicalTime),
    // message_id first: clients send time-ordered ids (UUIDv7), so new entries
    // land at the index's right edge instead of one page per sender per commit.
    uniqueIndex("events_message_id")
      .on(t.messageId, t.participantId)
      .where(sql`${t.messageId} is not null`),
    check("events_kind", sql`${t.kind} in ('join', 'message', 'leave')`),
  ],
);

/** Everyone who ever joined, with the hash of their session token. */
export const participants = sqliteTable(
  "participants",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** sha256 of the session token, hex; the token itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    joinedSeq: integer("joined_seq").notNull(),
    joinedAt: integer("joined_at").notNull(),
    /** Set by the LEAVE event; null while the participant is in the chat. */
    leftSeq: integer("left_seq"),
    leftAt: integer("left_at"),
  },
  (t) => [index("participants_present").on(t.id).where(sql`${t.leftSeq} is null`)],
);

/** One row: the identity of this log, made when the database is created. */
export const logInfo = sqliteTable(
  "log_info",
  {
    singleton: integer("singleton").primaryKey(),
    logId: text("log_id").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [check("log_info_singleton", sql`${t.singleton} = 1`)],
);
