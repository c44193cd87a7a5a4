import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { EVENT_KINDS } from "../../protocol/events.ts";

// The PostgreSQL twin of ../schema.ts (SQLite): the same tables and columns, plus
// what several servers sharing one log need (`log_top`, `participants.name_key`).
// Logical times and seqs are below 2^53 (see MAX_LOGICAL_TIME), so JS numbers hold them.

/** The event log: one row per event, in `seq` order. */
export const events = pgTable(
  "events",
  {
    /** Position in the log: 1, 2, 3, … with no holes. */
    seq: bigint("seq", { mode: "number" }).primaryKey(),
    /** Lamport time; strictly increasing with seq. */
    logicalTime: bigint("logical_time", { mode: "number" }).notNull(),
    /** Wall-clock time, readable; derived from sent_at_ms. */
    sentAt: timestamp("sent_at", { withTimezone: true, precision: 3 }).generatedAlwaysAs(
      sql`to_timestamp(sent_at_ms / 1000.0)`,
    ),
    kind: text("kind", { enum: EVENT_KINDS }).notNull(),
    name: text("name").notNull(),
    content: text("content").notNull(),
    participantId: text("participant_id").notNull(),
    /** Client-chosen id that makes a publish idempotent; null when none was given. */
    messageId: text("message_id"),
    sentAtMs: bigint("sent_at_ms", { mode: "number" }).notNull(),
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
export const participants = pgTable(
  "participants",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** The name lowercased by JavaScript, so both backends agree on which names clash. */
    nameKey: text("name_key").notNull(),
    /** sha256 of the session token, hex; the token itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    joinedSeq: bigint("joined_seq", { mode: "number" }).notNull(),
    joinedAt: bigint("joined_at", { mode: "number" }).notNull(),
    /** Set by the LEAVE event; null while the participant is in the chat. */
    leftSeq: bigint("left_seq", { mode: "number" }),
    leftAt: bigint("left_at", { mode: "number" }),
    /** The server that answers for this participant (its JOIN's, or the one holding its stream). */
    holderId: text("holder_id"),
    /** Whether that server holds an open stream for it (else its leave grace runs there). */
    streaming: boolean("streaming").notNull().default(false),
  },
  (t) => [
    index("participants_present").on(t.id).where(sql`${t.leftSeq} is null`),
    index("participants_present_name").on(t.nameKey).where(sql`${t.leftSeq} is null`),
  ],
);

/** One row: the identity of this log, made by the first server to open the database. */
export const logInfo = pgTable(
  "log_info",
  {
    singleton: integer("singleton").primaryKey(),
    logId: text("log_id").notNull(),
    createdAtMs: bigint("created_at_ms", { mode: "number" }).notNull(),
  },
  (t) => [check("log_info_singleton", sql`${t.singleton} = 1`)],
);

/**
 * One row: the log's clock (newest seq and logical time). Every append locks it
 * FOR UPDATE, so appends from all servers take turns and stamp one total order.
 */
export const logTop = pgTable(
  "log_top",
  {
    singleton: integer("singleton").primaryKey(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    logicalTime: bigint("logical_time", { mode: "number" }).notNull(),
  },
  (t) => [check("log_top_singleton", sql`${t.singleton} = 1`)],
);

/** The servers sharing this log: each renews its lease (by the database's clock) every second. */
export const servers = pgTable("servers", {
  id: text("id").primaryKey(),
  /** Its gRPC address, as it advertises it. */
  address: text("address").notNull(),
  adminUrl: text("admin_url"),
  startedAtMs: bigint("started_at_ms", { mode: "number" }).notNull(),
  renewedAtMs: bigint("renewed_at_ms", { mode: "number" }).notNull(),
});

/** The columns of a participant as the log hands it out (ParticipantRow), for selects. */
export const participantColumns = {
  id: participants.id,
  name: participants.name,
  tokenHash: participants.tokenHash,
  joinedSeq: participants.joinedSeq,
  joinedAt: participants.joinedAt,
  leftSeq: participants.leftSeq,
  leftAt: participants.leftAt,
};
