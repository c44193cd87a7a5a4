// Graceful shutdown of a real server process (DESIGN, "Shutdown"): SIGTERM and
// SIGINT refuse new calls, flush the pending commit and its acks, end every
// stream UNAVAILABLE "server shutting down", and exit 0 within 5 s; client
// sessions resume on the restarted server without a gap. The refusal and the
// flush are checked call by call in test/server/shutdown.test.ts.
import { afterEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { readEvents } from "../support/db-file.ts";
import { broadcastAsRow, visible } from "../support/events.ts";
import { grpcError, type Joined, type TestClient } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";
import { logLine, type ServerProcess } from "../support/server-process.ts";
import { deliveryProblems, publishContinuously, seqs } from "../support/sessions.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const SHUTTING_DOWN = { code: grpc.status.UNAVAILABLE, details: "server shutting down" };

/** Stops the server with `signal` and checks the exit and the two log lines. */
async function stopWith(server: ServerProcess, signal: "SIGTERM" | "SIGINT", seq: number) {
  server.proc.kill(signal);
  const exit = await exitOf(server, 10_000);
  expect(exit).toMatchObject({ code: 0, signal: null });
  const out = server.stdout.text;
  expect(logLine(out, "shutdown")).toEqual({ signal });
  expect(logLine(out, "stopped")).toEqual({ seq: String(seq) });
  expect(out.split("\n").filter((l) => l.includes(" shutdown ")).length).toBe(1);
  expect(out).not.toContain("shutdown_timeout");
  expect(server.stderr.text).toBe("");
}

describe.each(["SIGTERM", "SIGINT"] as const)("%s", (signal) => {
  test("ends streams UNAVAILABLE, exits 0 within 5 s and keeps the log", async () => {
    const db = h.dbPath();
    const server = await h.server(db);
    const a = h.client(server.address);
    const b = h.client(server.address);
    const ann = await a.join("Ann");
    const ben = await b.join("Ben");
    const annStream = a.subscribe(ann);
    const benStream = b.subscribe(ben);
    await a.publish(ann, "one");
    const last = await b.publish(ben, "two");
    await annStream.waitForCount(4);
    await benStream.waitForCount(3);

    await stopWith(server, signal, last.seq);
    for (const stream of [annStream, benStream]) {
      const status = await stream.waitForEnd(2_000);
      expect({ code: status.code, details: status.details }).toEqual(SHUTTING_DOWN);
    }
    expect(readEvents(db).map(visible)).toEqual(annStream.events.map(broadcastAsRow));

    // A call after the shutdown fails: nobody listens there any more.
    const again = await grpcError(a.publish(ann, "anyone there?"));
    expect(again.code).toBe(grpc.status.UNAVAILABLE);
    const fresh = await grpcError(h.client(server.address).join("Late"));
    expect(fresh.code).toBe(grpc.status.UNAVAILABLE);
    expect(readEvents(db).length).toBe(last.seq);
  });
});

test("a second signal while stopping changes nothing", async () => {
  const db = h.dbPath();
  const server = await h.server(db);
  const c = h.client(server.address);
  const cy = await c.join("Cy");
  const stream = c.subscribe(cy);
  await stream.waitForCount(1);
  server.proc.kill("SIGTERM");
  // Sent back to back, both can be pending at once and the kernel delivers SIGINT (2)
  // before SIGTERM (15); so the second goes in once the first is being handled.
  await server.waitForStdout(/ shutdown signal=SIGTERM/, 5_000);
  server.proc.kill("SIGINT");
  expect(await exitOf(server)).toMatchObject({ code: 0 });
  expect(logLine(server.stdout.text, "shutdown")).toEqual({ signal: "SIGTERM" });
  expect(server.stdout.text.split("\n").filter((l) => l.includes(" shutdown ")).length).toBe(1);
  expect(logLine(server.stdout.text, "stopped")).toEqual({ seq: "1" });
  const status = await stream.waitForEnd();
  expect({ code: status.code, details: status.details }).toEqual(SHUTTING_DOWN);
});

interface Outcome {
  content: string;
  participantId: string;
  ack?: { seq: number; logicalTime: number };
  error?: { code: number; details: string };
}

test("publishes in flight at SIGTERM are acked and stored, or fail UNAVAILABLE and are not", async () => {
  const PUBLISHERS = 4;
  const LANES = 4;
  const db = h.dbPath();
  const server = await h.server(db);
  const watchClient = h.client(server.address);
  const watcher = await watchClient.join("Watcher");
  const stream = watchClient.subscribe(watcher);
  const publishers: { who: Joined; client: TestClient }[] = [];
  for (let i = 0; i < PUBLISHERS; i += 1) {
    const client = h.client(server.address);
    publishers.push({ who: await client.join(`P${i}`), client });
  }

  const outcomes: Outcome[] = [];
  let signalled = false;
  let sentAfterSignal = 0;
  const lanes = publishers.flatMap(({ who, client }, i) =>
    Array.from({ length: LANES }, async (_, l) => {
      // Keep publishing until a publish fails: the shutdown reached this lane.
      for (let n = 0; ; n += 1) {
        const outcome: Outcome = { content: `P${i}.${l} #${n}`, participantId: who.participantId };
        outcomes.push(outcome);
        if (signalled) sentAfterSignal += 1;
        try {
          const ack = await client.publish(who, outcome.content);
          outcome.ack = { seq: ack.seq, logicalTime: ack.logicalTime };
        } catch (error) {
          const e = error as grpc.ServiceError;
          outcome.error = { code: e.code, details: e.details };
          return;
        }
      }
    }),
  );
  await waitFor(() => outcomes.filter((o) => o.ack).length >= 200, { what: "200 acks" });
  signalled = true;
  server.proc.kill("SIGTERM");
  const exit = await exitOf(server);
  await Promise.all(lanes);
  expect(exit).toMatchObject({ code: 0 });

  const acked = outcomes.filter((o) => o.ack);
  const failed = outcomes.filter((o) => o.error);
  expect(acked.length + failed.length).toBe(outcomes.length);
  expect(failed.length).toBe(PUBLISHERS * LANES);
  for (const f of failed) expect(f.error?.code, f.error?.details).toBe(grpc.status.UNAVAILABLE);

  const rows = readEvents(db);
  expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  const stored = new Set(rows.filter((r) => r.kind === "message").map((r) => r.content));
  // Never acked-but-missing: each ack names its row.
  for (const o of acked) {
    expect(bySeq.get(o.ack?.seq as number)).toMatchObject({
      kind: "message",
      content: o.content,
      participantId: o.participantId,
      logicalTime: o.ack?.logicalTime,
    });
  }
  // A graceful stop flushes the pending commit and its acks: a failed publish was not stored.
  for (const o of failed) expect(stored.has(o.content), o.content).toBe(false);
  expect(stored.size).toBe(acked.length);
  expect(logLine(server.stdout.text, "stopped")).toEqual({ seq: String(rows.length) });

  // The watcher's stream ended UNAVAILABLE after a prefix of the log.
  const status = await stream.waitForEnd();
  expect({ code: status.code, details: status.details }).toEqual(SHUTTING_DOWN);
  expect(stream.events.map(broadcastAsRow)).toEqual(
    rows.slice(0, stream.events.length).map(visible),
  );

  const reasons = new Map<string, number>();
  for (const f of failed) {
    const key = f.error?.details ?? "";
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  console.log(
    `shutdown under load: ${acked.length} acked, ${failed.length} failed ` +
      `(${[...reasons].map(([d, n]) => `${n}x "${d}"`).join(", ")}), ` +
      `${sentAfterSignal} sent after the signal, watcher saw ${stream.events.length} of ${rows.length}`,
  );
}, 15_000);

test("client sessions publishing through a SIGTERM resume on the restarted server: no gap, no duplicate", async () => {
  const SESSIONS = 3;
  const db = h.dbPath();
  const grace = ["--leave-grace-ms", "600000"];
  const first = await h.server(db, grace);
  const proxy = await h.proxy({ target: first.address });
  const sessions = await h.joinedSessions(proxy.address, SESSIONS, "S", {
    backoff: { initialMs: 20, maxMs: 200 },
  });
  const load = publishContinuously(sessions);
  const { acks } = load;
  await waitFor(() => acks.length >= 100, { what: "100 acks before the stop" });
  first.proc.kill("SIGTERM");
  expect(await exitOf(first)).toMatchObject({ code: 0 });
  const ackedBeforeRestart = acks.length;
  // Every session was told why its stream ended.
  for (const { statuses } of sessions) {
    expect(statuses).toContainEqual(
      expect.objectContaining({ type: "reconnecting", reason: "server shutting down" }),
    );
  }

  const second = await h.server(db, grace);
  proxy.retarget(second.address);
  await waitFor(() => acks.length >= ackedBeforeRestart + 100, { what: "100 acks after restart" });
  await load.stop();
  expect(load.failures).toEqual([]);
  const top = Math.max(...acks.map((a) => a.ack.seq));
  await waitFor(() => sessions.every((s) => (s.events.at(-1)?.seq ?? 0) >= top), {
    what: "every session to see the last message",
  });
  second.proc.kill("SIGTERM");
  expect(await exitOf(second)).toMatchObject({ code: 0 });

  const rows = readEvents(db);
  expect(seqs(rows)).toEqual(range(1, top));
  for (const s of sessions) {
    const from = s.session.info?.seq ?? 0;
    expect(deliveryProblems(seqs(s.events), range(from, top))).toEqual({
      missing: [],
      duplicated: [],
      outOfOrder: [],
    });
    expect(s.events.map(({ replayed: _, ...e }) => e)).toEqual(rows.slice(from - 1).map(visible));
  }
  const messages = rows.filter((r) => r.kind === "message");
  expect(messages.map((r) => r.content).sort()).toEqual(acks.map((a) => a.content).sort());
  for (const a of acks) expect(rows[a.ack.seq - 1]?.content).toBe(a.content);
  console.log(
    `shutdown and resume: ${SESSIONS} sessions, ${ackedBeforeRestart} acks before SIGTERM, ` +
      `${acks.length - ackedBeforeRestart} after the restart, ${messages.length} stored once, ` +
      `${top} events; lost 0, duplicated 0, gaps 0`,
  );
}, 30_000);
