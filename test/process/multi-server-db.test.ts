// Database faults under three real server processes on one PostgreSQL log:
// PostgreSQL itself stopped and started again under publish load, and one
// server's connections killed with pg_terminate_backend. Nothing acked is lost
// or stored twice, the servers and the client sessions recover by themselves,
// and every subscriber gets every event.
import { afterEach, expect, test } from "bun:test";
import type { Broadcast__Output } from "../../src/protocol/proto.ts";
import { broadcastAsRow, visible } from "../support/events.ts";
import { healthClient } from "../support/grpc-std.ts";
import { Harness } from "../support/harness.ts";
import { getJson, scrape } from "../support/http.ts";
import {
  type AckRecord,
  deliveryReport,
  logProblems,
  pgQuery,
  readPgEvents,
  startServers,
  storedCounts,
} from "../support/multi-server.ts";
import { type PgCluster, sharedPostgres, startPostgres } from "../support/postgres.ts";
import type { ServerProcess } from "../support/server-process.ts";
import { type PublishLoad, publishContinuously, type TrackedSession } from "../support/sessions.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
let ownCluster: PgCluster | undefined;
afterEach(async () => {
  await h.dispose();
  await ownCluster?.destroy();
  ownCluster = undefined;
});

/** Nobody is announced as left while the database is away. */
const GRACE = ["--leave-grace-ms", "600000"];
const SESSION = {
  backoff: { initialMs: 20, maxMs: 300 },
  // Well past an outage on a loaded machine: the session retries, same message id.
  publishRetryMs: 90_000,
};

const events = (received: Broadcast__Output[]) =>
  received.filter((e) => e.kind !== "EVENT_KIND_HEARTBEAT");

/** The servers' addresses as a failover list starting at server `first`. */
const listFrom = (servers: readonly ServerProcess[], first: number) =>
  servers.map((_, i) => servers[(first + i) % servers.length]?.address).join(",");

/** Waits until every publisher has `more` acks beyond what it had when this was called. */
async function moreAcks(
  load: PublishLoad,
  publishers: TrackedSession[],
  more: number,
  what: string,
) {
  const count = (p: TrackedSession) =>
    load.acks.filter((a) => a.content.startsWith(`${p.session.info?.name} #`)).length;
  const before = publishers.map(count);
  await waitFor(
    () =>
      load.failures.length > 0 || publishers.every((p, i) => count(p) >= (before[i] ?? 0) + more),
    { timeoutMs: 90_000, what },
  );
  expect(load.failures).toEqual([]);
}

/**
 * Stops the load, waits for every session to see the top, and checks the log
 * against the acks and each session's deliveries; returns the counts to print.
 */
async function finish(url: string, load: PublishLoad, sessions: TrackedSession[]) {
  await load.stop();
  expect(load.failures).toEqual([]);
  const top = Number((await pgQuery(url, "select seq from log_top"))[0]?.seq);
  await waitFor(() => sessions.every((s) => (s.events.at(-1)?.seq ?? 0) >= top), {
    timeoutMs: 60_000,
    what: `every session to see up to seq ${top}`,
  });
  const rows = await readPgEvents(url);
  expect(rows.length).toBe(top);
  const ids = new Map(sessions.map((s) => [s.session.info?.name, s.session.info?.participantId]));
  const acks: AckRecord[] = load.acks.map(({ content, ack }) => ({
    participantId: ids.get(content.slice(0, content.indexOf(" #"))) ?? "",
    content,
    ...ack,
  }));
  const lost = acks.filter((a) => rows[a.seq - 1]?.content !== a.content).length;
  const counts = storedCounts(rows);
  const duplicated = [...counts.values()].filter((n) => n > 1).length;
  const delivery = deliveryReport(sessions, rows);
  expect(logProblems(rows, acks)).toEqual([]);
  for (const { content } of load.acks) expect(counts.get(content)).toBe(1);
  expect([lost, duplicated]).toEqual([0, 0]);
  expect(delivery).toEqual({ gaps: 0, duplicates: 0, problems: [] });
  return { acked: acks.length, lost, duplicated, gaps: delivery.gaps, rows };
}

test("PostgreSQL stopped and started under load: servers and sessions recover, 0 lost, 0 duplicated", async () => {
  // A cluster of its own: this test stops it.
  ownCluster = await startPostgres();
  const cluster = ownCluster;
  const url = await cluster.createDatabase();
  const servers = await startServers(h, url, 3, GRACE);
  const publishers: TrackedSession[] = [];
  const watchers: TrackedSession[] = [];
  for (const [i] of servers.entries()) {
    for (let k = 0; k < 2; k += 1) {
      publishers.push(h.session(listFrom(servers, i), `P${i}${k}`, SESSION));
      await publishers.at(-1)?.session.join();
    }
    watchers.push(h.session(listFrom(servers, i), `W${i}`, SESSION));
    await watchers.at(-1)?.session.join();
  }
  const load = publishContinuously(publishers);
  await moreAcks(load, publishers, 20, "acks before the outage");
  const health = (s: ServerProcess) =>
    getJson<{ database: string }>(s.adminUrl, "/healthz").catch(() => undefined);

  await cluster.stop();
  const ackedAtStop = load.acks.length;
  // Every server says so while it lasts.
  await waitFor(
    async () =>
      (await Promise.all(servers.map(health))).every(
        (r) => r?.status === 503 && r.body.database === "unreachable",
      ),
    { timeoutMs: 60_000, what: "/healthz to say the database is unreachable on every server" },
  );
  // The standard gRPC health service says the same (what a load balancer probes).
  const probes = servers.map((s) => healthClient(s.address));
  await waitFor(
    async () =>
      (await Promise.all(probes.map((p) => p.check("chitchat.v1.ChitChat")))).every(
        (status) => status === "NOT_SERVING",
      ),
    { timeoutMs: 60_000, what: "gRPC health to say NOT_SERVING on every server" },
  );
  const ackedInOutage = load.acks.length - ackedAtStop;
  await cluster.start();
  await waitFor(
    async () =>
      (await Promise.all(servers.map(health))).every(
        (r) => r?.status === 200 && r.body.database === "reachable",
      ),
    { timeoutMs: 60_000, what: "/healthz to say the database is reachable again" },
  );
  await waitFor(
    async () =>
      (await Promise.all(probes.map((p) => p.check("")))).every((status) => status === "SERVING"),
    { timeoutMs: 60_000, what: "gRPC health to say SERVING again" },
  );
  for (const p of probes) p.close();
  await moreAcks(load, publishers, 20, "acks after the restart");
  const result = await finish(url, load, [...publishers, ...watchers]);
  let refused = 0;
  for (const s of servers) {
    refused +=
      (await scrape(s.adminUrl)).get('chitchat_publishes_rejected_total{reason="unavailable"}') ??
      0;
  }
  console.log(
    `multi-server pg restart: ${result.acked} acked (${ackedAtStop} before the stop, ${ackedInOutage} ` +
      `while it was down), ${result.lost} lost, ${result.duplicated} duplicated, ${result.gaps} gaps; ` +
      `/healthz 503 "unreachable" and gRPC health NOT_SERVING on 3 of 3 servers during the outage, ` +
      `200 and SERVING after; ` +
      `${refused} publishes answered UNAVAILABLE and retried by their sessions`,
  );
}, 240_000);

test("a server's database connections killed (pg_terminate_backend): its subscribers still get every event", async () => {
  const cluster = await sharedPostgres();
  const url = await cluster.createDatabase();
  const database = new URL(url).pathname.slice(1);
  const servers = await startServers(h, url, 3, GRACE);
  const victim = servers[2] as ServerProcess;
  // Publishers on the other two, and one on the victim itself (retrying when its database calls fail).
  const publishers: TrackedSession[] = [];
  for (const [i] of servers.entries()) {
    publishers.push(h.session(servers[i]?.address ?? "", `P${i}`, SESSION));
    await publishers.at(-1)?.session.join();
  }
  // Subscribers only on the victim: a raw stream (which must stay open) and a session.
  const client = h.client(victim.address);
  const raw = client.subscribe(await client.join("Raw"), { since: 0 });
  const watcher = h.session(victim.address, "Watcher", SESSION);
  await watcher.session.join();
  const load = publishContinuously(publishers);
  await moreAcks(load, publishers, 20, "acks before the first termination");

  const terminate = async (what: string) =>
    (
      await cluster.sql(
        `select pg_terminate_backend(pid) as done from pg_stat_activity
         where datname = $1 and application_name = 'chitchat-s2' ${what}`,
        database,
      )
    ).length;
  const listening = async () =>
    (
      await cluster.sql(
        `select pid from pg_stat_activity
         where datname = $1 and application_name = 'chitchat-s2' and query ilike 'listen%'`,
        database,
      )
    ).length;
  await waitFor(async () => (await listening()) === 1, { what: "the victim's LISTEN" });
  // 1. Its LISTEN connection alone.
  const listenKilled = await terminate("and query ilike 'listen%'");
  expect(listenKilled).toBe(1);
  await moreAcks(load, publishers, 20, "acks after the LISTEN connection was killed");
  await waitFor(async () => (await listening()) === 1, {
    timeoutMs: 60_000,
    what: "the victim to LISTEN again",
  });
  // 2. Every connection it has.
  const allKilled = await terminate("");
  expect(allKilled).toBeGreaterThan(1);
  await moreAcks(load, publishers, 20, "acks after all its connections were killed");

  const result = await finish(url, load, [...publishers, watcher]);
  await waitFor(() => events(raw.events).length >= result.rows.length || raw.status, {
    timeoutMs: 60_000,
    what: "the raw stream to see every event",
  });
  expect(raw.status).toBeUndefined();
  expect(events(raw.events).map(broadcastAsRow)).toEqual(result.rows.map(visible));
  console.log(
    `multi-server pg_terminate_backend: ${result.acked} acked, ${result.lost} lost, ` +
      `${result.duplicated} duplicated, ${result.gaps} gaps; killed the victim's LISTEN (1) then all ` +
      `${allKilled} of its connections; its raw stream got all ${result.rows.length} events without a break`,
  );
}, 180_000);
