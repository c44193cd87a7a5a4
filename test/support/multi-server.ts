// Several real server processes on one PostgreSQL log, and the checks the
// multi-server tests make of that log against what clients were told.
import postgres from "postgres";
import type { EventRow } from "./db-file.ts";
import { visible } from "./events.ts";
import type { Harness } from "./harness.ts";
import type { ServerProcess } from "./server-process.ts";
import { deliveryProblems, seqs, type TrackedSession } from "./sessions.ts";
import { range } from "./values.ts";

/**
 * `count` server processes on `url`, started at once (they race to migrate).
 * Server i connects as application_name `chitchat-s<i>` (PGAPPNAME), so a test
 * can find its backends in pg_stat_activity.
 */
export function startServers(
  h: Harness,
  url: string,
  count: number,
  args: string[] = [],
): Promise<ServerProcess[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      h.server(url, args, 60_000, { PGAPPNAME: `chitchat-s${i}` }),
    ),
  );
}

/** Runs one SQL query on the database at `url` (a connection of its own, closed after). */
export async function pgQuery(
  url: string,
  query: string,
  ...params: (string | number)[]
): Promise<Record<string, unknown>[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return [...(await sql.unsafe(query, params))];
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** How many of the lines `server` logged are `<event> participant=<id> …`. */
export function logCount(server: ServerProcess, event: string, participantId: string): number {
  return server.stdout.text.split(` ${event} participant=${participantId} `).length - 1;
}

/** Every event in the PostgreSQL log at `url`, in seq order, read with SQL. */
export async function readPgEvents(url: string): Promise<EventRow[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`
      select seq, logical_time, kind, participant_id, name, content, message_id, sent_at_ms
      from events order by seq`;
    return rows.map((r) => ({
      seq: Number(r.seq),
      logicalTime: Number(r.logical_time),
      kind: r.kind as EventRow["kind"],
      participantId: r.participant_id as string,
      name: r.name as string,
      content: r.content as string,
      messageId: (r.message_id as string | null) ?? null,
      sentAtMs: Number(r.sent_at_ms),
    }));
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** What a publisher was told: its event's place, and what it sent. */
export interface AckRecord {
  participantId: string;
  content: string;
  seq: number;
  logicalTime: number;
}

/**
 * Everything wrong with the log given the acks clients got (empty when it keeps
 * its promises): seq dense from 1, Lamport time strictly increasing, each ack's
 * event at its seq with its time, author and content (none lost), and no message
 * stored twice (contents are unique per test; message ids unique per author).
 */
export function logProblems(rows: readonly EventRow[], acks: readonly AckRecord[]): string[] {
  const problems: string[] = [];
  rows.forEach((row, i) => {
    if (row.seq !== i + 1) problems.push(`row ${i} has seq ${row.seq}`);
    const prev = rows[i - 1];
    if (prev && row.logicalTime <= prev.logicalTime) {
      problems.push(`seq ${row.seq}: logical time ${row.logicalTime} <= ${prev.logicalTime}`);
    }
  });
  for (const ack of acks) {
    const row = rows[ack.seq - 1];
    if (
      !row ||
      row.seq !== ack.seq ||
      row.logicalTime !== ack.logicalTime ||
      row.kind !== "message" ||
      row.participantId !== ack.participantId ||
      row.content !== ack.content
    ) {
      problems.push(`acked ${JSON.stringify(ack)} but the log has ${JSON.stringify(row)}`);
    }
  }
  const contents = new Set<string>();
  const messageIds = new Set<string>();
  for (const row of rows) {
    if (row.kind !== "message") continue;
    if (contents.has(row.content)) problems.push(`seq ${row.seq} stores ${row.content} twice`);
    contents.add(row.content);
    if (row.messageId !== null) {
      const key = `${row.participantId}/${row.messageId}`;
      if (messageIds.has(key)) problems.push(`seq ${row.seq} repeats message id ${key}`);
      messageIds.add(key);
    }
  }
  return problems;
}

/** Each message in the log sent `content`, counted (a count above 1 is a duplicate). */
export function storedCounts(rows: readonly EventRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) {
    if (row.kind === "message") counts.set(row.content, (counts.get(row.content) ?? 0) + 1);
  }
  return counts;
}

/**
 * What each session delivered against the log: it should have seen every event
 * from its own JOIN to `top` once, in order, exactly as stored. Returns the total
 * of missing and repeated seqs, and every problem found.
 */
export function deliveryReport(
  sessions: readonly TrackedSession[],
  rows: readonly EventRow[],
): { gaps: number; duplicates: number; problems: string[] } {
  let gaps = 0;
  let duplicates = 0;
  const problems: string[] = [];
  for (const s of sessions) {
    const name = s.session.info?.name ?? "?";
    const from = s.session.info?.seq ?? 0;
    const got = deliveryProblems(seqs(s.events), range(from, rows.length));
    gaps += got.missing.length;
    duplicates += got.duplicated.length;
    if (got.missing.length + got.duplicated.length + got.outOfOrder.length > 0) {
      problems.push(`${name}: ${JSON.stringify(got)}`);
    }
    for (const { replayed: _, ...event } of s.events) {
      const row = rows[event.seq - 1];
      const stored = row && JSON.stringify(visible(row));
      if (stored !== JSON.stringify(event)) {
        problems.push(`${name} saw ${JSON.stringify(event)} but the log has ${stored}`);
      }
    }
  }
  return { gaps, duplicates, problems };
}
