// Scenario 7: scale-out. Three ChitChat servers on one PostgreSQL log (a
// throwaway cluster, fsync on, a fresh database per case), publishers and
// subscribers spread over them, beside one ChitChat server on its SQLite file
// with the same load in the same run:
// - acked publishes/s with N in flight per publisher worker, one worker per
//   server (three on the SQLite server), and a few subscribers on every server
//   that must get every acked message (each server follows the shared log);
//   one server on PostgreSQL under the same load is noted beside it;
// - cross-server publish→deliver latency at a fixed rate: the publisher on
//   server A, subscribers on B and C (all on the one server for SQLite, and for
//   one server on PostgreSQL, noted beside it).
// Server CPU per publish sums the ChitChat servers; PostgreSQL's own CPU (all
// its processes) is noted beside it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type PgCluster, startPostgres } from "../../test/support/postgres.ts";
import { cpuMeter, cpuSeconds } from "../lib/proc-stats.ts";
import { type Delivery, incomplete } from "../lib/rig.ts";
import { type BenchServer, startChitChat } from "../lib/server.ts";
import { quantiles } from "../lib/stats.ts";
import { startWorker, type Worker } from "../lib/worker.ts";
import type { PublisherApi } from "../workers/publisher.ts";
import type { SubscribersApi } from "../workers/subscribers.ts";
import { type BenchContext, cpuNote, ratio } from "./context.ts";

/**
 * Where the log lives: three servers on PostgreSQL, one server on PostgreSQL (what
 * the database costs before any scaling), or one on SQLite (the baseline).
 */
type Setup = "pg" | "pg1" | "sqlite";

const SETUP_SERVERS: Record<Setup, number> = { pg: 3, pg1: 1, sqlite: 1 };

const SERVERS = 3;
/** Warm-up messages per publish lane before anything is measured. */
const WARM_UP_PER_LANE = 5;

interface SpreadOptions {
  /** Publisher workers as server indexes, with the participants each joins there. */
  publishers: { server: number; participants: number }[];
  /** Subscriber workers as server indexes, with the subscribers each holds there. */
  subscribers: { server: number; count: number }[];
  recordLatency: boolean;
}

/** Servers plus workers joined to them; subscribed before anything is measured. */
interface Spread extends AsyncDisposable {
  servers: BenchServer[];
  pubs: Worker<PublisherApi>[];
  /**
   * Every publisher worker sends `count` messages (`inflight` at a time) and every
   * subscriber gets them all (connections, pools and the log's tail warmed), then
   * the counters start afresh; a problem is returned, not thrown.
   */
  warmUp(count: number, inflight: number, timeoutMs: number): Promise<string | undefined>;
  reset(): Promise<void>;
  expect(count: number, timeoutMs: number): Promise<Delivery>;
  /** CPU seconds (and the busiest server's share of a core) since the last reset. */
  serverCpu(): { seconds: number; shares: number[] };
}

/** The cluster's processes (postmaster and its children): their CPU since the last reset. */
interface PgMeter {
  reset(): void;
  seconds(): number;
}

async function pgMeter(cluster: PgCluster): Promise<PgMeter> {
  const [row] = await cluster.sql("select pg_backend_pid() as pid");
  const backend = Number(row?.pid);
  const stat = (pid: number) => {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  };
  const postmaster = Number(stat(backend)[1]);
  const total = () => {
    let seconds = cpuSeconds(postmaster);
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (Number(stat(Number(entry))[1]) === postmaster) seconds += cpuSeconds(Number(entry));
      } catch {
        // The process ended between the listing and the read.
      }
    }
    return seconds;
  };
  let start = total();
  return {
    reset() {
      start = total();
    },
    seconds: () => total() - start,
  };
}

async function startSpread(
  ctx: BenchContext,
  db: () => Promise<string>,
  servers: number,
  { publishers, subscribers, recordLatency }: SpreadOptions,
): Promise<Spread> {
  const started: BenchServer[] = [];
  const pubs = publishers.map((_, i) =>
    startWorker<PublisherApi>("bench/workers/publisher.ts", `publisher-${i}`),
  );
  const subs = subscribers.map((_, i) =>
    startWorker<SubscribersApi>("bench/workers/subscribers.ts", `subscribers-${i}`),
  );
  const stop = async () => {
    await Promise.all([...pubs, ...subs].map((w) => w.stop()));
    await Promise.all(started.map((s) => s.stop()));
  };
  try {
    const url = await db();
    // One after another: the first creates and migrates the database.
    for (let i = 0; i < servers; i += 1) {
      started.push(await startChitChat({ db: url, bunFlags: ctx.serverBunFlags }));
    }
    const address = (server: number) => (started[server] as BenchServer).address;
    const joined = await Promise.all([
      ...publishers.map((p, i) =>
        (pubs[i] as Worker<PublisherApi>).call("join", {
          address: address(p.server),
          count: p.participants,
          rpc: ctx.publishRpc,
        }),
      ),
      ...subscribers.map((s, i) =>
        (subs[i] as Worker<SubscribersApi>).call("join", {
          address: address(s.server),
          count: s.count,
          prefix: `s${i}-`,
        }),
      ),
    ]);
    const since = Math.max(...joined.map((j) => j.maxLogicalTime));
    await Promise.all(
      subs.map((w) => w.call("subscribe", { since, recordLatency, batches: true })),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  let meters = started.map((s) => cpuMeter(s.pid));
  const spread: Spread = {
    servers: started,
    pubs,
    async warmUp(count, inflight, timeoutMs) {
      await spread.reset();
      const sent = await Promise.all(pubs.map((p) => p.call("flood", { count, inflight })));
      const failed = sent.find((p) => p.failed > 0);
      const total = sent.reduce((sum, p) => sum + p.acked, 0);
      const problem = failed
        ? `${failed.failed} warm-up publishes failed: ${failed.firstError}`
        : incomplete(await spread.expect(total, timeoutMs), total);
      await spread.reset();
      return problem && `warm-up: ${problem}`;
    },
    async reset() {
      await Promise.all(subs.map((w) => w.call("reset", { recordLatency })));
      meters = started.map((s) => cpuMeter(s.pid));
    },
    async expect(count, timeoutMs) {
      const reports = await Promise.all(subs.map((w) => w.call("expect", { count, timeoutMs })));
      const starts = reports.filter((r) => r.firstAt > 0).map((r) => r.firstAt);
      const total = (pick: (r: (typeof reports)[number]) => number) =>
        reports.reduce((sum, r) => sum + pick(r), 0);
      return {
        streams: total((r) => r.streams),
        delivered: total((r) => r.delivered),
        short: total((r) => r.short),
        extra: total((r) => r.extra),
        broken: total((r) => r.broken),
        ended: reports.flatMap((r) => r.ended),
        replayedMessages: total((r) => r.replayedMessages),
        firstAt: starts.length > 0 ? Math.min(...starts) : 0,
        lastAt: Math.max(0, ...reports.map((r) => r.lastAt)),
        workerCpu: reports.map((r) => r.cpu),
        latencies: reports.flatMap((r) => r.latencies),
      };
    },
    serverCpu() {
      const uses = meters.map((m) => m.stop());
      return {
        seconds: uses.reduce((sum, u) => sum + u.seconds, 0),
        shares: uses.map((u) => u.share),
      };
    },
    [Symbol.asyncDispose]: stop,
  };
  return spread;
}

interface Databases {
  pg: () => Promise<string>;
  sqlite: () => Promise<string>;
  pgCpu: PgMeter;
}

interface RateRun {
  perSecond: number;
  cpuUsPerPublish: number;
  serverShares: number[];
  pgUsPerPublish: number;
  publisherCpu: number[];
  workerCpu: number[];
}

/** Acked publishes/s: one publisher worker per server, `inflight` each, for publishMs. */
async function publishRate(
  ctx: BenchContext,
  dbs: Databases,
  setup: Setup,
  inflight: number,
): Promise<RateRun | undefined> {
  const { publishMs, subscribersPerServer } = ctx.sizes.scaleout;
  const servers = SETUP_SERVERS[setup];
  const on = (i: number) => i % servers;
  await using spread = await startSpread(ctx, dbs[setup === "pg1" ? "pg" : setup], servers, {
    // As in scenario 3: N in flight is N publishing participants (up to 32).
    publishers: Array.from({ length: SERVERS }, (_, i) => ({
      server: on(i),
      participants: Math.min(inflight, 32),
    })),
    subscribers: Array.from({ length: SERVERS }, (_, i) => ({
      server: on(i),
      count: subscribersPerServer,
    })),
    recordLatency: false,
  });
  const cold = await spread.warmUp(
    WARM_UP_PER_LANE * inflight,
    inflight,
    ctx.sizes.deliveryTimeoutMs,
  );
  if (cold) {
    ctx.fail(`scale-out ${setup} ${inflight} in flight per worker: ${cold}`);
    return undefined;
  }
  dbs.pgCpu.reset();
  const pubs = await Promise.all(
    spread.pubs.map((p) => p.call("flood", { durationMs: publishMs, inflight })),
  );
  const startAt = Math.min(...pubs.map((p) => p.startAt));
  const endAt = Math.max(...pubs.map((p) => p.endAt));
  const cpu = spread.serverCpu();
  const pgSeconds = dbs.pgCpu.seconds();
  const acked = pubs.reduce((sum, p) => sum + p.acked, 0);
  const failed = pubs.reduce((sum, p) => sum + p.failed, 0);
  const d = await spread.expect(acked, ctx.sizes.deliveryTimeoutMs);
  const problem =
    failed > 0
      ? `${failed} publishes failed: ${pubs.find((p) => p.firstError)?.firstError}`
      : incomplete(d, acked);
  if (problem) {
    ctx.fail(`scale-out ${setup} ${inflight} in flight per worker: ${problem}`);
    return undefined;
  }
  return {
    perSecond: (acked * 1000) / (endAt - startAt),
    cpuUsPerPublish: (cpu.seconds * 1e6) / acked,
    serverShares: cpu.shares,
    pgUsPerPublish: (pgSeconds * 1e6) / acked,
    publisherCpu: pubs.map((p) => p.cpu),
    workerCpu: d.workerCpu,
  };
}

interface LatencyRun {
  p50: number;
  p99: number;
  max: number;
  serverShares: number[];
  workerCpu: number[];
  maxBehind: number;
}

/** Publish→deliver at a fixed rate: publisher on server 0, subscribers on the others. */
async function crossLatency(
  ctx: BenchContext,
  dbs: Databases,
  setup: Setup,
): Promise<LatencyRun | undefined> {
  const { rate, latencyMs, latencySubscribers } = ctx.sizes.scaleout;
  const servers = SETUP_SERVERS[setup];
  // Subscriber workers alternate between servers 1 and 2 (all on server 0 with one server).
  const workers = Math.max(2, Math.min(ctx.subWorkers, latencySubscribers));
  await using spread = await startSpread(ctx, dbs[setup === "pg1" ? "pg" : setup], servers, {
    publishers: [{ server: 0, participants: 1 }],
    subscribers: Array.from({ length: workers }, (_, i) => ({
      server: servers === 1 ? 0 : 1 + (i % (SERVERS - 1)),
      count: Math.floor(latencySubscribers / workers) + (i < latencySubscribers % workers ? 1 : 0),
    })),
    recordLatency: true,
  });
  const cold = await spread.warmUp(WARM_UP_PER_LANE, 1, ctx.sizes.deliveryTimeoutMs);
  if (cold) {
    ctx.fail(`scale-out latency ${setup} ${rate}/s: ${cold}`);
    return undefined;
  }
  const pub = await (spread.pubs[0] as Worker<PublisherApi>).call("paced", {
    rate,
    durationMs: latencyMs,
  });
  const d = await spread.expect(pub.sent, ctx.sizes.deliveryTimeoutMs);
  const cpu = spread.serverCpu();
  const problem =
    pub.failed > 0 ? `${pub.failed} publishes failed: ${pub.firstError}` : incomplete(d, pub.sent);
  if (problem) {
    ctx.fail(`scale-out latency ${setup} ${rate}/s: ${problem}`);
    return undefined;
  }
  const [p50, p99, max] = quantiles(d.latencies, [0.5, 0.99, 1]) as [number, number, number];
  return {
    p50,
    p99,
    max,
    serverShares: cpu.shares,
    workerCpu: d.workerCpu,
    maxBehind: pub.maxBehind,
  };
}

export async function scaleout(ctx: BenchContext): Promise<void> {
  ctx.progress("scale-out: starting a throwaway PostgreSQL (initdb, fsync on)");
  await using cluster = await startPostgres();
  let files = 0;
  const dbs: Databases = {
    pg: () => cluster.createDatabase(),
    sqlite: async () => {
      files += 1;
      return join(ctx.scratch, `scaleout-${files}.db`);
    },
    pgCpu: await pgMeter(cluster),
  };
  const sizes = ctx.sizes.scaleout;
  for (const inflight of sizes.inflight) {
    ctx.progress(`scale-out: 3 servers on PostgreSQL, ${inflight} in flight per server`);
    const pg = await publishRate(ctx, dbs, "pg", inflight);
    ctx.progress(`scale-out: 1 server on SQLite, 3 × ${inflight} in flight`);
    const sqlite = await publishRate(ctx, dbs, "sqlite", inflight);
    ctx.progress(`scale-out: 1 server on PostgreSQL, 3 × ${inflight} in flight`);
    const pg1 = await publishRate(ctx, dbs, "pg1", inflight);
    if (!pg || !sqlite || !pg1) continue;
    const label = `3 servers, ${inflight} in flight each`;
    ctx.record({
      scenario: "7 scale-out",
      case: label,
      figure: "acked publishes/s",
      value: pg.perSecond,
      unit: "/s",
      baseline: { name: `1 SQLite server, 3 × ${inflight}`, value: sqlite.perSecond },
      ratio: ratio(pg.perSecond, sqlite.perSecond),
      notes: `1 PostgreSQL server under the same load ${Math.round(pg1.perSecond)}/s; every message reached ${SERVERS * sizes.subscribersPerServer} subscribers (${sizes.subscribersPerServer} per server); ${cpuNote("server cpu", pg.serverShares)} (SQLite ${Math.round((sqlite.serverShares[0] ?? 0) * 100)}%); ${cpuNote("publishers", pg.publisherCpu)}; ${cpuNote("subscriber workers", pg.workerCpu)}`,
    });
    ctx.record({
      scenario: "7 scale-out",
      case: label,
      figure: "server CPU per publish",
      value: pg.cpuUsPerPublish,
      unit: "µs",
      baseline: { name: "1 SQLite server", value: sqlite.cpuUsPerPublish },
      ratio: ratio(pg.cpuUsPerPublish, sqlite.cpuUsPerPublish),
      notes: `all three servers summed; PostgreSQL's own processes another ${Math.round(pg.pgUsPerPublish)} µs per publish; 1 PostgreSQL server ${Math.round(pg1.cpuUsPerPublish)} µs (+ ${Math.round(pg1.pgUsPerPublish)} µs PostgreSQL)`,
    });
  }
  ctx.progress(`scale-out: cross-server latency at ${sizes.rate}/s, PostgreSQL`);
  const pg = await crossLatency(ctx, dbs, "pg");
  ctx.progress(`scale-out: latency at ${sizes.rate}/s, one SQLite server`);
  const sqlite = await crossLatency(ctx, dbs, "sqlite");
  ctx.progress(`scale-out: latency at ${sizes.rate}/s, one PostgreSQL server`);
  const pg1 = await crossLatency(ctx, dbs, "pg1");
  if (!pg || !sqlite || !pg1) return;
  const label = `${sizes.rate}/s, A → B+C × ${sizes.latencySubscribers}`;
  for (const key of ["p50", "p99"] as const) {
    ctx.record({
      scenario: "7 scale-out",
      case: label,
      figure: `cross-server ${key}`,
      value: pg[key],
      unit: "ms",
      baseline: { name: "1 SQLite server", value: sqlite[key] },
      ratio: ratio(pg[key], sqlite[key]),
      notes:
        key === "p99"
          ? `1 PostgreSQL server (publisher and subscribers on it) p50 ${pg1.p50.toFixed(1)} ms, p99 ${pg1.p99.toFixed(1)} ms; max ${pg.max.toFixed(1)} ms (SQLite ${sqlite.max.toFixed(1)}); ${cpuNote("server cpu A/B/C", pg.serverShares)}; ${cpuNote("subscriber workers", pg.workerCpu)}; publisher behind by up to ${pg.maxBehind} (SQLite ${sqlite.maxBehind})`
          : undefined,
    });
  }
}
