import { randomUUID } from "node:crypto";
import { asc, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { AppendResult, EventDraft, EventLog, LogEvent } from "../event-log.ts";
import { createLeases } from "./leases.ts";
import { migrateAndInit } from "./migrate.ts";
import { createPostgresReads } from "./reads.ts";
import { participantColumns, participants } from "./schema.ts";
import { createLogTail } from "./tail.ts";
import { isUnreachable, orUnavailable } from "./unavailable.ts";

/** The channel the append function notifies with the new top seq. */
const CHANNEL = "chitchat_log";

export interface OpenPostgresLogOptions {
  /** postgres:// or postgresql:// URL. */
  url: string;
  now?: () => number;
  /** Connections for appends and reads (the tail's LISTEN takes one more). */
  poolSize?: number;
  /** How often the tail reads the log's end without a notification, in ms. */
  pollMs?: number;
  /** How long to wait for a connection before calling the database unreachable, in s. */
  connectTimeoutS?: number;
  /** How long a server's lease lasts without renewal (the hub renews it every fifth of it). */
  leaseTtlMs?: number;
  /** Present participants the chat holds, across every server (a join past it is refused as "full"). */
  maxParticipants?: number;
  /** Hears a listener's exception; the events stand. */
  onListenerError?: (error: unknown) => void;
  /** Hears the tail failing to read (the database away); it retries by itself. */
  onTailError?: (error: unknown) => void;
}

/** One entry of chitchat_append's answer (migrations/postgres/0005_global_participant_cap.sql). */
type StampedRow =
  | {
      status: "stored" | "duplicate";
      seq: number;
      logicalTime: number;
      name: string;
      content: string;
      sentAtMs: number;
    }
  | { status: "refused"; reason: "not_present" | "held" | "full" };

/**
 * Opens the event log kept in the PostgreSQL database at `url`, migrating it first
 * if this is the first server to arrive. Several servers may open one database:
 * they share one log, one order and one clock, and each one's listeners hear
 * every event, whoever appended it.
 */
export async function openPostgresLog({
  url,
  now = Date.now,
  poolSize = 8,
  pollMs = 250,
  connectTimeoutS = 5,
  leaseTtlMs = 5000,
  maxParticipants = Number.POSITIVE_INFINITY,
  onListenerError = (error) => console.error("event log listener failed:", error),
  onTailError = () => {},
}: OpenPostgresLogOptions): Promise<EventLog> {
  const connection = {
    connect_timeout: connectTimeoutS,
    onnotice: () => {},
    // postgres.js waits up to 20 s between attempts by default; a server back from an
    // outage should be used within a second.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  };
  const setup = postgres(url, { ...connection, max: 1 });
  let logId: string;
  try {
    logId = await orUnavailable(() => migrateAndInit(setup, now));
  } finally {
    await setup.end({ timeout: 1 });
  }

  const client = postgres(url, { ...connection, max: poolSize });
  const db = drizzle({ client });

  const reads = createPostgresReads(db);

  const leases = createLeases(db, randomUUID(), leaseTtlMs);
  // NULL: no cap (chitchat_append, migrations/postgres/0005_global_participant_cap.sql).
  const cap = Number.isFinite(maxParticipants) ? maxParticipants : null;

  let startSeq: number;
  try {
    startSeq = (await orUnavailable(reads.top)).seq;
  } catch (error) {
    await client.end({ timeout: 1 });
    throw error;
  }
  const tail = createLogTail({
    startSeq,
    readAfterSeq: reads.readAfterSeq,
    onListenerError,
    onReadError: (error) => {
      if (!isUnreachable(error)) onTailError(error);
    },
  });
  let listening: { unlisten(): Promise<void> } | undefined;
  const listen = client
    .listen(
      CHANNEL,
      (payload) => {
        if (Number(payload) > tail.lastSeq) tail.poke();
      },
      // (Re)subscribed, maybe after a lost connection: catch up on what was missed.
      () => tail.poke(),
    )
    .then(
      (request) => {
        listening = request;
      },
      // The poll below keeps the tail going without notifications.
      (error) => onTailError(error),
    );
  const poll = setInterval(() => tail.poke(), pollMs);

  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new Error("the event log is closed");
  };

  return {
    logId,
    backend: "postgres",
    leases,
    async append(drafts: readonly EventDraft[]): Promise<AppendResult[]> {
      ensureOpen();
      if (drafts.length === 0) return [];
      const batch = drafts.map((draft) =>
        draft.kind === "join" ? { ...draft, nameKey: draft.name.toLowerCase() } : draft,
      );
      const sentAtMs = now();
      const [row] = await orUnavailable(
        () =>
          client<
            { stamped: StampedRow[] }[]
          >`select chitchat_append(${JSON.stringify(batch)}::jsonb, ${sentAtMs}, ${leases.serverId}, ${leaseTtlMs}, ${cap}) as stamped`,
      );
      if (!row || row.stamped.length !== drafts.length) {
        throw new Error("chitchat_append answered a different number of results than drafts");
      }
      const stored: LogEvent[] = [];
      const results = row.stamped.map((stamped, i): AppendResult => {
        const draft = drafts[i] as EventDraft;
        if (stamped.status === "refused") return { status: "refused", reason: stamped.reason };
        const event: LogEvent = {
          seq: stamped.seq,
          logicalTime: stamped.logicalTime,
          kind: stamped.status === "duplicate" ? "message" : draft.kind,
          participantId: draft.participantId,
          name: stamped.name,
          content: stamped.content,
          sentAtMs: stamped.sentAtMs,
        };
        if (stamped.status === "stored") stored.push(event);
        return { status: stamped.status, event };
      });
      if (stored.length > 0) tail.offer(stored);
      return results;
    },
    onAppend: (listener) => tail.add(listener),
    top: () => orUnavailable(reads.top),
    readAfterSeq: (afterSeq, limit) => orUnavailable(() => reads.readAfterSeq(afterSeq, limit)),
    readBefore: (before, limit) => orUnavailable(() => reads.readBefore(before, limit)),
    seqAtOrBefore: (logicalTime) => orUnavailable(() => reads.seqAtOrBefore(logicalTime)),
    findByMessageId: (participantId, messageId) =>
      orUnavailable(() => reads.findByMessageId(participantId, messageId)),
    findParticipant: (id) =>
      orUnavailable(async () => {
        const [row] = await db
          .select(participantColumns)
          .from(participants)
          .where(eq(participants.id, id));
        return row;
      }),
    presentParticipants: () =>
      orUnavailable(() =>
        db
          .select(participantColumns)
          .from(participants)
          .where(isNull(participants.leftSeq))
          .orderBy(asc(participants.joinedSeq)),
      ),
    allParticipants: () =>
      orUnavailable(() =>
        db.select(participantColumns).from(participants).orderBy(asc(participants.joinedSeq)),
      ),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      tail.close();
      await listen;
      await listening?.unlisten().catch(() => {});
      await client.end({ timeout: 1 });
    },
  };
}
