// Durable before visible (DESIGN guarantee 3), with a real server process
// killed by SIGKILL while publishes are in flight, several times over one
// database: no acknowledged event is lost, no subscriber ever saw an event the
// log lacks, and the restarted server carries on the same seq and clock.
import { afterEach, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import type { Broadcast__Output } from "../../src/protocol/proto.ts";
import { type EventRow, readEvents } from "../support/db-file.ts";
import { broadcastAsRow, visible } from "../support/events.ts";
import type { Joined, Recorder, TestClient } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";
import { logLine } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const ROUNDS = 3;
const PUBLISHERS = 4;
/** Publishes each publisher keeps in flight (each lane awaits its ack before the next). */
const LANES = 4;
/** The kill comes once this round has at least this many acks. */
const ACKS_BEFORE_KILL = 300;
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
  seen: Broadcast__Output[],
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
  for (const event of seen) {
    const row = rows[event.seq - 1];
    const got = row && JSON.stringify(visible(row));
    if (got !== JSON.stringify(broadcastAsRow(event))) {
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

test(`SIGKILL during ${PUBLISHERS}x${LANES} concurrent publishers loses nothing, ${ROUNDS} rounds`, async () => {
  const db = h.dbPath();
  const acks: Ack[] = [];
  const failures: Failure[] = [];
  /** Everything the watcher's streams delivered, across all rounds. */
  const seen: Broadcast__Output[] = [];
  let publishers: Publisher[] = [];
  let watcher: Joined | undefined;
  let rows: EventRow[] = [];
  let logId = "";
  const stats: string[] = [];

  /** Subscribes the watcher from the last time it saw; records into `seen`. */
  const watch = (client: TestClient): Recorder => {
    const me = watcher as Joined;
    const since = seen.at(-1)?.logicalTime ?? me.logicalTime - 1;
    const stream = client.subscribe(me, { since });
    stream.call.on("data", (e: Broadcast__Output) => seen.push(e));
    return stream;
  };

  for (let round = 1; round <= ROUNDS; round += 1) {
    const roundStart = performance.now();
    const server = await h.server(db, GRACE);
    const startedMs = performance.now() - roundStart;
    // The restarted server starts from the top of the log it left behind.
    const top = rows.at(-1);
    expect(logLine(server.stdout.text, "listening")).toMatchObject({
      seq: String(top?.seq ?? 0),
      lt: String(top?.logicalTime ?? 0),
      ...(logId ? { logId } : {}),
    });

    const watchClient = h.client(server.address);
    if (round === 1) {
      watcher = await watchClient.join("Watcher");
      logId = watcher.logId;
      publishers = [];
      for (let i = 0; i < PUBLISHERS; i += 1) {
        const client = h.client(server.address);
        publishers.push({ who: await client.join(`P${i}`), client, clock: 0 });
      }
    } else {
      // Same participants, same tokens, new connections.
      for (const p of publishers) p.client = h.client(server.address);
    }
    const stream = watch(watchClient);
    // The watcher first catches up on what was committed before the last kill.
    const before = rows.length;
    await waitFor(() => (seen.at(-1)?.seq ?? 0) >= before, { what: "the watcher to catch up" });

    const roundAcks: Ack[] = [];
    const roundFailures: Failure[] = [];
    const lanes = publishers.flatMap((p, i) =>
      Array.from({ length: LANES }, (_, l) =>
        lane(p, round, `P${i}.${l}`, roundAcks, roundFailures),
      ),
    );
    await waitFor(() => roundAcks.length >= ACKS_BEFORE_KILL || roundFailures.length > 0, {
      what: `${ACKS_BEFORE_KILL} acks`,
    });
    expect(roundFailures).toEqual([]);
    server.proc.kill("SIGKILL");
    expect(await exitOf(server)).toMatchObject({ signal: "SIGKILL" });
    await Promise.all(lanes);
    await stream.waitForEnd();
    expect(stream.status?.code).toBe(grpc.status.UNAVAILABLE);

    // Every lane had a publish in flight at the kill, and it failed UNAVAILABLE.
    expect(roundFailures.length).toBe(PUBLISHERS * LANES);
    for (const f of roundFailures) expect(f.code, f.details).toBe(grpc.status.UNAVAILABLE);
    acks.push(...roundAcks);
    failures.push(...roundFailures);

    rows = readEvents(db);
    expect(logProblems(rows, acks, failures, seen)).toEqual([]);
    const committedUnacked = roundFailures.filter((f) => rows.some((r) => r.content === f.content));
    stats.push(
      `round ${round}: ${roundAcks.length} acks, ${roundFailures.length} in flight at the kill ` +
        `(${committedUnacked.length} of them committed), log top seq ${rows.length}, ` +
        `watcher saw ${seen.length}; server up in ${startedMs.toFixed(0)} ms, ` +
        `round took ${(performance.now() - roundStart).toFixed(0)} ms`,
    );
  }

  // One more start: it serves, continues seq and clock, and the old tokens work.
  const server = await h.server(db, GRACE);
  const top = rows.at(-1) as EventRow;
  expect(logLine(server.stdout.text, "listening")).toMatchObject({
    logId,
    seq: String(top.seq),
    lt: String(top.logicalTime),
  });
  const p0 = publishers[0] as Publisher;
  p0.client = h.client(server.address);
  const stream = watch(h.client(server.address));
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
  await waitFor(() => (seen.at(-1)?.seq ?? 0) >= newcomer.seq, { what: "the watcher to see all" });

  server.proc.kill("SIGTERM");
  expect(await exitOf(server)).toMatchObject({ code: 0 });
  expect(stream.status?.code).toBe(grpc.status.UNAVAILABLE);
  rows = readEvents(db);
  expect(logProblems(rows, acks, failures, seen)).toEqual([]);
  // Across every crash and resume, the watcher saw the whole log exactly once, in order.
  expect(seen.map(broadcastAsRow)).toEqual(rows.map(visible));
  expect(rows.length).toBe(newcomer.seq);
  expect(acks.length).toBeGreaterThanOrEqual(ROUNDS * ACKS_BEFORE_KILL);

  console.log(
    `crash test: ${ROUNDS} SIGKILL rounds on one db, ${acks.length} acks, ` +
      `${failures.length} publishes in flight at kills, ${rows.length} events in the log, ` +
      `watcher saw ${seen.length}\n  ${stats.join("\n  ")}`,
  );
  // Usually 3–5 s; the margin is for a loaded machine (each round starts a process).
}, 30_000);
