// One of three real server processes on one PostgreSQL log killed with SIGKILL:
// the sessions that list several servers move to another and lose, repeat and
// miss nothing; the participants that were only on the killed server are
// announced as left exactly once, by one survivor, after the lease
// (--lease-ttl-ms) and the leave grace; and one that comes back on another
// server within the grace is not announced at all.
import { afterEach, expect, test } from "bun:test";
import type { Broadcast__Output } from "../../src/protocol/proto.ts";
import type { Joined } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { getJson } from "../support/http.ts";
import {
  type AckRecord,
  deliveryReport,
  logCount,
  logProblems,
  pgQuery,
  readPgEvents,
  startServers,
  storedCounts,
} from "../support/multi-server.ts";
import { sharedPostgres } from "../support/postgres.ts";
import { exitOf } from "../support/process.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { publishContinuously, type TrackedSession } from "../support/sessions.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const events = (received: Broadcast__Output[]) =>
  received.filter((e) => e.kind !== "EVENT_KIND_HEARTBEAT");

/** The servers' addresses as a failover list starting at server `first`. */
const listFrom = (servers: readonly ServerProcess[], first: number) =>
  servers.map((_, i) => servers[(first + i) % servers.length]?.address).join(",");

test("SIGKILL of one of three servers under publish load: its sessions fail over, 0 lost, 0 duplicated, 0 gaps", async () => {
  const url = await (await sharedPostgres()).createDatabase();
  // Long grace: every session comes back, and nobody is announced as left.
  const servers = await startServers(h, url, 3, ["--leave-grace-ms", "600000"]);
  /** Each session's moves, "<name> <from>-><to>". */
  const moves: string[] = [];
  const sessionOptions = (name: string) => ({
    backoff: { initialMs: 20, maxMs: 300 },
    // Well past the lease and a loaded machine's reconnects.
    publishRetryMs: 90_000,
    onSwitch: (from: string, to: string) => moves.push(`${name} ${from}->${to}`),
  });
  const publishers: TrackedSession[] = [];
  const watchers: TrackedSession[] = [];
  for (const [i] of servers.entries()) {
    for (let k = 0; k < 2; k += 1) {
      const s = h.session(listFrom(servers, i), `P${i}${k}`, sessionOptions(`P${i}${k}`));
      await s.session.join();
      publishers.push(s);
    }
    const w = h.session(listFrom(servers, i), `W${i}`, sessionOptions(`W${i}`));
    await w.session.join();
    watchers.push(w);
  }
  const sessions = [...publishers, ...watchers];
  const load = publishContinuously(publishers);
  await waitFor(() => load.acks.length >= 150 || load.failures.length > 0, {
    timeoutMs: 60_000,
    what: "150 acks before the kill",
  });
  const ackedBeforeKill = load.acks.length;
  // A session takes whichever server on its list answers first, so the kill goes to
  // the server holding the most of their streams (as the database records it).
  const serverIds = await Promise.all(
    servers.map(
      async (s) => (await getJson<{ serverId: string }>(s.adminUrl, "/healthz")).body.serverId,
    ),
  );
  const holders = await waitFor(
    async () => {
      const rows = await pgQuery(url, "select name, holder_id from participants where streaming");
      return rows.length === sessions.length && rows;
    },
    { timeoutMs: 30_000, what: "every session's stream recorded" },
  );
  const victim = serverIds
    .map((id, i) => ({ i, on: holders.filter((r) => r.holder_id === id).map((r) => r.name) }))
    .sort((x, y) => y.on.length - x.on.length)[0];
  const killed = servers[victim?.i ?? 0] as ServerProcess;
  const onKilled = (victim?.on ?? []) as string[];
  expect(onKilled.length).toBeGreaterThan(0);
  killed.proc.kill("SIGKILL");
  expect(await exitOf(killed)).toMatchObject({ signal: "SIGKILL" });

  // The killed server's publishers go on through another one.
  const acksOf = (name: string) => load.acks.filter((a) => a.content.startsWith(`${name} #`));
  const before = new Map(publishers.map((p) => [p, acksOf(p.session.info?.name ?? "").length]));
  await waitFor(
    () =>
      load.failures.length > 0 ||
      publishers.every(
        (p) => acksOf(p.session.info?.name ?? "").length >= (before.get(p) ?? 0) + 20,
      ),
    { timeoutMs: 90_000, what: "20 more acks for every publisher after the kill" },
  );
  await load.stop();
  expect(load.failures).toEqual([]);

  const top = Number((await pgQuery(url, "select seq from log_top"))[0]?.seq);
  await waitFor(() => sessions.every((s) => (s.events.at(-1)?.seq ?? 0) >= top), {
    timeoutMs: 60_000,
    what: `every session to see up to seq ${top}`,
  });
  // Each of the killed server's sessions moved off it.
  for (const name of onKilled) {
    expect(moves.filter((m) => m.startsWith(`${name} ${killed.address}->`)).length).toBe(1);
  }
  const rows = await readPgEvents(url);
  expect(rows.length).toBe(top);
  const ids = new Map(sessions.map((s) => [s.session.info?.name, s.session.info?.participantId]));
  const acks: AckRecord[] = load.acks.map(({ content, ack }) => ({
    participantId: ids.get(content.slice(0, content.indexOf(" #"))) ?? "",
    content,
    ...ack,
  }));
  const problems = logProblems(rows, acks);
  const lost = acks.filter((a) => rows[a.seq - 1]?.content !== a.content).length;
  const counts = storedCounts(rows);
  const duplicated = [...counts.values()].filter((n) => n > 1).length;
  // Each session's own publishes: every acked one stored exactly once.
  for (const { content } of load.acks) expect(counts.get(content)).toBe(1);
  const delivery = deliveryReport(sessions, rows);
  console.log(
    `multi-server kill: ${acks.length} acked (${ackedBeforeKill} before the kill), ${lost} lost, ` +
      `${duplicated} duplicated, ${delivery.gaps} gaps, ${delivery.duplicates} delivered twice; ` +
      `${onKilled.length} sessions on the killed server moved (${moves.length} moves), ` +
      `${rows.length} events in the log`,
  );
  expect(problems).toEqual([]);
  expect([lost, duplicated]).toEqual([0, 0]);
  expect(delivery).toEqual({ gaps: 0, duplicates: 0, problems: [] });
}, 180_000);

test("participants only on a killed server are announced as left once; one back within the grace is not", async () => {
  const url = await (await sharedPostgres()).createDatabase();
  const GRACE_MS = 6000;
  const TTL_MS = 3000;
  const servers = await startServers(h, url, 3, [
    ...["--leave-grace-ms", String(GRACE_MS)],
    ...["--lease-ttl-ms", String(TTL_MS)],
  ]);
  for (const s of servers) expect(s.stdout.text).toContain(` leaseTtlMs=${TTL_MS} `);
  const [killed, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
  const onKilled = h.client(killed.address);
  // Only on the killed server, no failover list: they never come back.
  const vanishing: Joined[] = [];
  for (let i = 0; i < 3; i += 1) vanishing.push(await onKilled.join(`V${i}`));
  const back = await onKilled.join("Back");
  const streams = [...vanishing, back].map((p) => onKilled.subscribe(p));
  // Someone on each survivor, to see the LEAVEs arrive there.
  const watchers = await Promise.all(
    [b, c].map(async (s) => {
      const client = h.client(s.address);
      return client.subscribe(await client.join(`W${s.port}`), { since: 0 });
    }),
  );
  const killedId = (await getJson<{ serverId: string }>(killed.adminUrl, "/healthz")).body.serverId;
  await waitFor(
    async () =>
      Number(
        (
          await pgQuery(
            url,
            "select count(*) as n from participants where holder_id = $1 and streaming",
            killedId,
          )
        )[0]?.n,
      ) === 4,
    { timeoutMs: 30_000, what: "the killed server to hold all four streams" },
  );
  const killedAt = performance.now();
  killed.proc.kill("SIGKILL");
  await exitOf(killed);
  for (const stream of streams) await stream.waitForEnd(30_000);

  // Both survivors take Back over as an orphan (its grace starts on each);
  // within that grace it subscribes again, on B.
  await waitFor(() => [b, c].some((s) => logCount(s, "orphan", back.participantId) === 1), {
    timeoutMs: 60_000,
    what: "a survivor to take Back over",
  });
  // Not before the lease ran out: its last renewal was at most a fifth of it before the kill.
  expect(performance.now() - killedAt).toBeGreaterThanOrEqual(0.8 * TTL_MS);
  await waitFor(() => [b, c].every((s) => logCount(s, "orphan", back.participantId) === 1), {
    timeoutMs: 60_000,
    what: "both survivors to take over the killed server's participants",
  });
  const backAgain = h.client(b.address).subscribe(back);
  await waitFor(() => events(backAgain.events).length > 0 || backAgain.status, {
    timeoutMs: 30_000,
    what: "Back's stream on B",
  });
  expect(backAgain.status).toBeUndefined();

  const leaves = async () =>
    pgQuery(
      url,
      "select participant_id, count(*)::int as n from events where kind = 'leave' group by participant_id",
    );
  await waitFor(async () => (await leaves()).length >= 3, {
    timeoutMs: 60_000,
    what: "the vanished participants' LEAVEs",
  });
  // Settled: each survivor has seen every LEAVE (so no grace of theirs can still
  // fire), every announcement it tried has its answer, and C's try for Back
  // (whose grace ran out there, not on B where it came back) was refused.
  const leaveSeqs = (await readPgEvents(url)).filter((r) => r.kind === "leave").map((r) => r.seq);
  const settled = (s: ServerProcess) =>
    [...vanishing, back].every(
      (p) =>
        logCount(s, "vanished", p.participantId) ===
        logCount(s, "leave", p.participantId) + logCount(s, "leave_refused", p.participantId),
    );
  await waitFor(
    () =>
      watchers.every((w) =>
        leaveSeqs.every((seq) => events(w.events).some((e) => e.seq === seq)),
      ) &&
      settled(b) &&
      settled(c) &&
      logCount(c, "leave_refused", back.participantId) +
        logCount(c, "leave", back.participantId) ===
        1,
    { timeoutMs: 60_000, what: "the survivors to settle" },
  );

  const counts = new Map((await leaves()).map((r) => [r.participant_id as string, Number(r.n)]));
  const perVanished = vanishing.map((p) => counts.get(p.participantId) ?? 0);
  const orphanedBy = vanishing.map(
    (p) => [b, c].filter((s) => logCount(s, "orphan", p.participantId)).length,
  );
  const refused = [b, c].reduce(
    (n, s) => n + vanishing.filter((p) => logCount(s, "leave_refused", p.participantId)).length,
    0,
  );
  console.log(
    `multi-server vanish: lease ttl ${TTL_MS} ms, grace ${GRACE_MS} ms; LEAVEs per vanished participant ` +
      `${perVanished.join(",")} (taken over by ${orphanedBy.join(",")} survivors, ${refused} second ` +
      `announcements refused); came back within the grace: ${counts.get(back.participantId) ?? 0} LEAVEs`,
  );
  expect(perVanished).toEqual([1, 1, 1]);
  expect(counts.has(back.participantId)).toBe(false);
  expect(counts.size).toBe(3);
  // Back is still in the chat: its stream on B stays open and it can publish through C.
  expect(backAgain.status).toBeUndefined();
  const ack = await h.client(c.address).publish(back, "still here");
  expect(ack.seq).toBeGreaterThan(Math.max(...leaveSeqs));
}, 180_000);
