// Durable before visible (DESIGN guarantee 3), with a real server process
// killed by SIGKILL at a random moment while publishes are in flight, several
// times over one database: no acknowledged event is lost or stored twice, seq
// stays dense and Lamport time strictly increasing across restarts, and every
// subscriber — real client sessions that reconnect on their own through a TCP
// proxy that follows the restarted server — sees every event once, in order.
import { afterEach, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import type { ChatEvent } from "../../src/client/session.ts";
import { type EventRow, readEvents } from "../support/db-file.ts";
import { visible } from "../support/events.ts";
import type { Joined, TestClient } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";
import { logLine } from "../support/server-process.ts";
import { deliveryProblems, seqs, type TrackedSession } from "../support/sessions.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const ROUNDS = 5;
const PUBLISHERS = 4;
/** Publishes each publisher keeps in flight (each lane awaits its ack before the next). */
const LANES = 4;
/** Client sessions that only subscribe, reconnecting across every kill. */
const SUBSCRIBERS = 3;
/** The kill comes once the round has a random number of acks in this range. */
const MIN_ACKS_BEFORE_KILL = 50;
const MAX_ACKS_BEFORE_KILL = 500;
/** Long enough that nobody is announced as left while the test runs. */
const GRACE = ["--leave-grace-ms", "600000"];

interface Ack {
  round: number;
  participantId: string;
  seq: number;
  logicalTime: number;
  content: string;
}

interface Failure {
  round: number;
  content: string;
  code: number;
  details: string;
}

/** One publisher: a participant, its own connection and its Lamport clock. */
interface Publisher {
  who: Joined;
  client: TestClient;
  clock: number;
}

/** Publishes as fast as acks come back until the first failure (the kill). */
async function lane(
  p: Publisher,
  round: number,
  name: string,
  acks: Ack[],
  failures: Failure[],
): Promise<void> {
  for (let n = 0; ; n += 1) {
    const content = `r${round} ${name} #${n}`;
    p.clock += 1;
    try {
      const ack = await p.client.publish(p.who, content, { logicalTime: p.clock });
      p.clock = Math.max(p.clock, ack.logicalTime) + 1;
      acks.push({ round, participantId: p.who.participantId, content, ...ack });
    } catch (error) {
      const e = error as grpc.ServiceError;
      failures.push({ round, content, code: e.code, details: e.details });
      return;
    }
  }
}

/**
 * Checks the log file against everything the clients were told; returns every
 * problem found (an empty list when the log keeps all its promises).
 */
function logProblems(
  rows: EventRow[],
  acks: Ack[],
  failures: Failure[],
  seen: ChatEvent[],
): string[] {
  const problems: string[] = [];
  // seq is dense 1..N and logical time strictly increases with it.
  rows.forEach((row, i) => {
    if (row.seq !== i + 1) problems.push(`row ${i} has seq ${row.seq}`);
    const prev = rows[i - 1];
    if (prev && row.logicalTime <= prev.logicalTime) {
      problems.push(`seq ${row.seq}: logical time ${row.logicalTime} <= ${prev.logicalTime}`);
    }
  });
  // Every acknowledged publish is there, with the seq, time and content of its ack.
  for (const ack of acks) {
    const row = rows[ack.seq - 1];
    const want = { seq: ack.seq, logicalTime: ack.logicalTime, kind: "message" };
    const got = row && { seq: row.seq, logicalTime: row.logicalTime, kind: row.kind };
    if (
      !row ||
      JSON.stringify(got) !== JSON.stringify(want) ||
      row.participantId !== ack.participantId ||
      row.content !== ack.content
    ) {
      problems.push(`acked ${JSON.stringify(ack)} but the log has ${JSON.stringify(row)}`);
    }
  }
  // Nothing a subscriber saw is missing or different.
  for (const { replayed: _, ...event } of seen) {
    const row = rows[event.seq - 1];
    const got = row && JSON.stringify(visible(row));
    if (got !== JSON.stringify(event)) {
      problems.push(`a subscriber saw ${JSON.stringify(event)} but the log has ${got}`);
    }
  }
  // Every message in the log was sent once, and is acked or was in flight at a kill.
  const sent = new Set([...acks.map((a) => a.content), ...failures.map((f) => f.content)]);
  const stored = new Set<string>();
  for (const row of rows) {
    if (row.kind !== "message") continue;
    if (stored.has(row.content)) problems.push(`seq ${row.seq} stores ${row.content} twice`);
    if (!sent.has(row.content)) problems.push(`seq ${row.seq} stores ${row.content}, never sent`);
    stored.add(row.content);
  }
  return problems;
}

/** A whole number in [min, max]; the kill moments are random, and printed. */
const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

test(`SIGKILL at random moments during ${PUBLISHERS}x${LANES} concurrent publishers loses nothing, ${ROUNDS} rounds`, async () => {
  const db = h.dbPath();
  const acks: Ack[] = [];
  const failures: Failure[] = [];
  let publishers: Publisher[] = [];
  const subscribers: TrackedSession[] = [];
  let rows: EventRow[] = [];
  let logId = "";
  const stats: string[] = [];
  /** Everything every subscriber session delivered, across all rounds. */
  const seen = () => subscribers.flatMap((s) => s.events);
  /** Waits until every subscriber has delivered up to `seq`. */
  const allSeen = (seq: number, what: string) =>
    waitFor(() => subscribers.every((s) => (s.events.at(-1)?.seq ?? 0) >= seq), {
      timeoutMs: 15_000,
      what,
    });

  const firstStart = performance.now();
  const first = await h.server(db, GRACE);
  const firstUpMs = performance.now() - firstStart;
  const proxy = await h.proxy({ target: first.address });
  for (let round = 1; round <= ROUNDS; round += 1) {
    const roundStart = performance.now();
    const server = round === 1 ? first : await h.server(db, GRACE);
    const startedMs = round === 1 ? firstUpMs : performance.now() - roundStart;
    proxy.retarget(server.address);
    // The restarted server starts from the top of the log it left behind.
    const top = rows.at(-1);
    expect(logLine(server.stdout.text, "listening")).toMatchObject({
      seq: String(top?.seq ?? 0),
      lt: String(top?.logicalTime ?? 0),
      ...(logId ? { logId } : {}),
    });

    if (round === 1) {
      subscribers.push(
        ...(await h.joinedSessions(proxy.address, SUBSCRIBERS, "Sub", {
          backoff: { initialMs: 20, maxMs: 200 },
        })),
      );
      logId = subscribers[0]?.session.info?.logId ?? "";
      publishers = [];
      for (let i = 0; i < PUBLISHERS; i += 1) {
        const client = h.client(server.address);
        publishers.push({ who: await client.join(`P${i}`), client, clock: 0 });
      }
    } else {
      // Same participants, same tokens, new connections.
      for (const p of publishers) p.client = h.client(server.address);
    }
    // The sessions resume on their own and first catch up on what was committed before the kill.
    await allSeen(rows.length, `the subscribers to catch up in round ${round}`);

    const killAfter = randomInt(MIN_ACKS_BEFORE_KILL, MAX_ACKS_BEFORE_KILL);
    const roundAcks: Ack[] = [];
    const roundFailures: Failure[] = [];
    const lanes = publishers.flatMap((p, i) =>
      Array.from({ length: LANES }, (_, l) =>
        lane(p, round, `P${i}.${l}`, roundAcks, roundFailures),
      ),
    );
    await waitFor(() => roundAcks.length >= killAfter || roundFailures.length > 0, {
      what: `${killAfter} acks`,
    });
    expect(roundFailures).toEqual([]);
    server.proc.kill("SIGKILL");
    expect(await exitOf(server)).toMatchObject({ signal: "SIGKILL" });
    await Promise.all(lanes);

    // Every lane had a publish in flight at the kill, and it failed UNAVAILABLE.
    expect(roundFailures.length).toBe(PUBLISHERS * LANES);
    for (const f of roundFailures) expect(f.code, f.details).toBe(grpc.status.UNAVAILABLE);
    acks.push(...roundAcks);
    failures.push(...roundFailures);

    rows = readEvents(db);
    expect(logProblems(rows, acks, failures, seen())).toEqual([]);
    const committedUnacked = roundFailures.filter((f) => rows.some((r) => r.content === f.content));
    stats.push(
      `round ${round}: killed after ${roundAcks.length} acks (aimed at ${killAfter}), ` +
        `${roundFailures.length} in flight (${committedUnacked.length} of them committed), ` +
        `log top seq ${rows.length}; server up in ${startedMs.toFixed(0)} ms, ` +
        `round took ${(performance.now() - roundStart).toFixed(0)} ms`,
    );
  }

  // One more start: it serves, continues seq and clock, and the old tokens work.
  const server = await h.server(db, GRACE);
  proxy.retarget(server.address);
  const top = rows.at(-1) as EventRow;
  expect(logLine(server.stdout.text, "listening")).toMatchObject({
    logId,
    seq: String(top.seq),
    lt: String(top.logicalTime),
  });
  const p0 = publishers[0] as Publisher;
  p0.client = h.client(server.address);
  const after = await p0.client.publish(p0.who, "after the last crash", { logicalTime: 1 });
  expect(after.seq).toBe(top.seq + 1);
  expect(after.logicalTime).toBe(top.logicalTime + 1);
  acks.push({
    round: ROUNDS + 1,
    participantId: p0.who.participantId,
    content: "after the last crash",
    ...after,
  });
  const newcomer = await h.client(server.address).join("Newcomer");
  expect(newcomer).toMatchObject({ seq: top.seq + 2, logicalTime: top.logicalTime + 2, logId });
  await allSeen(newcomer.seq, "the subscribers to see everything");

  rows = readEvents(db);
  expect(logProblems(rows, acks, failures, seen())).toEqual([]);
  expect(rows.length).toBe(newcomer.seq);
  // Across every crash and resume, each subscriber saw the log from its JOIN exactly once, in order.
  let gaps = 0;
  let duplicates = 0;
  for (const s of subscribers) {
    const from = s.session.info?.seq ?? 0;
    const problems = deliveryProblems(seqs(s.events), range(from, rows.length));
    gaps += problems.missing.length;
    duplicates += problems.duplicated.length;
    expect(problems).toEqual({ missing: [], duplicated: [], outOfOrder: [] });
    expect(s.events.map(({ replayed: _, ...e }) => e)).toEqual(rows.slice(from - 1).map(visible));
  }
  expect(acks.length).toBeGreaterThanOrEqual(ROUNDS * MIN_ACKS_BEFORE_KILL);
  const stored = rows.filter((r) => r.kind === "message").length;
  const resumed = subscribers.reduce(
    (n, s) => n + s.statuses.filter((st) => st.type === "connected" && st.resumed).length,
    0,
  );

  console.log(
    `crash test: ${ROUNDS} SIGKILL rounds on one db, ${acks.length} acks (lost 0, duplicated 0), ` +
      `${failures.length} publishes in flight at kills, ${stored} messages and ${rows.length} events ` +
      `in the log, ${SUBSCRIBERS} subscriber sessions resumed ${resumed} times; ` +
      `delivery gaps ${gaps}, duplicates ${duplicates}\n  ${stats.join("\n  ")}`,
  );
  // Usually 6–10 s; the margin is for a loaded machine (each round starts a process).
}, 60_000);
