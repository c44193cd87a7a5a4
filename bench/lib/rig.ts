// One measured setup: a server process (ChitChat or the bare baseline), one
// publisher worker and subscribers spread over several worker processes, all
// joined and subscribed before anything is measured.
import { join } from "node:path";
import { tempDir } from "../../test/support/temp.ts";
import type { PublisherApi, PublishRpc } from "../workers/publisher.ts";
import type { SubscribersApi } from "../workers/subscribers.ts";
import { nowMs } from "./clock.ts";
import { type CpuUse, cpuMeter } from "./proc-stats.ts";
import { type BenchServer, startBareGrpc, startChitChat } from "./server.ts";
import { startWorker, type Worker } from "./worker.ts";

/** What is under test: the ChitChat server, or the bare grpc-js fan-out baseline. */
export type Target = "chitchat" | "bare";

export interface RigOptions {
  target: Target;
  subscribers: number;
  /** Processes the subscribers are spread over (fewer if there are fewer subscribers). */
  subWorkers: number;
  publishers: number;
  /** How the publisher sends: PublishStream (default, as ChitChat's client) or unary Publish. */
  publishRpc?: PublishRpc;
  synchronous?: "full" | "normal";
  recordLatency?: boolean;
  /** Use this database instead of a fresh one (ChitChat only). */
  db?: string;
  /** Subscribe after this logical time; by default after every join (nothing replayed). */
  since?: number;
  bunFlags?: string[];
}

export interface Delivery {
  streams: number;
  delivered: number;
  /** Streams that got fewer / more messages than expected. */
  short: number;
  extra: number;
  /** Events whose seq did not follow the previous one on their stream. */
  broken: number;
  ended: string[];
  replayedMessages: number;
  firstAt: number;
  lastAt: number;
  /** Each subscriber worker's CPU, as a share of one core. */
  workerCpu: number[];
  latencies: number[];
}

export interface Rig extends AsyncDisposable {
  server: BenchServer;
  pub: Worker<PublisherApi>;
  subs: Worker<SubscribersApi>[];
  /** When the subscribe calls were made (clock.ts time). */
  subscribedAt: number;
  /** Starts counting afresh in every subscriber worker (and the server CPU meter). */
  reset(recordLatency?: boolean): Promise<void>;
  /** Waits until every stream has `count` messages (or the timeout); merged report. */
  expect(count: number, timeoutMs: number): Promise<Delivery>;
  /** The server's CPU since the last reset. */
  serverCpu(): CpuUse;
  stop(): Promise<void>;
}

/** Splits `total` into `parts` near-equal whole shares. */
function shares(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  );
}

export async function startRig({
  target,
  subscribers,
  subWorkers,
  publishers,
  publishRpc = "stream",
  synchronous = "full",
  recordLatency = false,
  db,
  since,
  bunFlags = [],
}: RigOptions): Promise<Rig> {
  const dir = db ? undefined : tempDir("chitchat-bench-");
  const server =
    target === "bare"
      ? await startBareGrpc(bunFlags)
      : await startChitChat({
          db: db ?? join((dir as { path: string }).path, "bench.db"),
          synchronous,
          bunFlags,
        });
  const pub = startWorker<PublisherApi>("bench/workers/publisher.ts", "publisher");
  const subs = shares(subscribers, Math.min(subWorkers, subscribers)).map((n, i) => ({
    n,
    worker: startWorker<SubscribersApi>("bench/workers/subscribers.ts", `subscribers-${i}`),
  }));
  let meter = cpuMeter(server.pid);
  let subscribedAt = 0;
  const stop = async () => {
    await Promise.all([pub.stop(), ...subs.map((s) => s.worker.stop())]);
    await server.stop();
    dir?.[Symbol.dispose]();
  };
  try {
    const published =
      publishers > 0
        ? await pub.call("join", { address: server.address, count: publishers, rpc: publishRpc })
        : { maxLogicalTime: 0 };
    const joined = await Promise.all(
      subs.map((s, i) =>
        s.worker.call("join", { address: server.address, count: s.n, prefix: `s${i}-` }),
      ),
    );
    const after =
      since ?? Math.max(published.maxLogicalTime, ...joined.map((j) => j.maxLogicalTime));
    subscribedAt = nowMs();
    // ChitChat's subscribers use SubscribeBatches, as its client does; the bare
    // baseline has only Subscribe.
    const batches = target === "chitchat";
    await Promise.all(
      subs.map((s) => s.worker.call("subscribe", { since: after, recordLatency, batches })),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const rig: Rig = {
    server,
    pub,
    subs: subs.map((s) => s.worker),
    subscribedAt,
    async reset(latency = recordLatency) {
      await Promise.all(subs.map((s) => s.worker.call("reset", { recordLatency: latency })));
      meter = cpuMeter(server.pid);
    },
    async expect(count, timeoutMs) {
      const reports = await Promise.all(
        subs.map((s) => s.worker.call("expect", { count, timeoutMs })),
      );
      const starts = reports.filter((r) => r.firstAt > 0).map((r) => r.firstAt);
      return {
        streams: sum(reports.map((r) => r.streams)),
        delivered: sum(reports.map((r) => r.delivered)),
        short: sum(reports.map((r) => r.short)),
        extra: sum(reports.map((r) => r.extra)),
        broken: sum(reports.map((r) => r.broken)),
        ended: reports.flatMap((r) => r.ended),
        replayedMessages: sum(reports.map((r) => r.replayedMessages)),
        firstAt: starts.length > 0 ? Math.min(...starts) : 0,
        lastAt: Math.max(0, ...reports.map((r) => r.lastAt)),
        workerCpu: reports.map((r) => r.cpu),
        latencies: reports.flatMap((r) => r.latencies),
      };
    },
    serverCpu: () => meter.stop(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
  return rig;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Why a delivery is not complete, or undefined when every stream got exactly `count`. */
export function incomplete(d: Delivery, count: number): string | undefined {
  const problems: string[] = [];
  if (d.short > 0)
    problems.push(`${d.short} of ${d.streams} streams got fewer than ${count} messages`);
  if (d.extra > 0) problems.push(`${d.extra} streams got more than ${count} (duplicates)`);
  if (d.broken > 0) problems.push(`${d.broken} seq holes or repeats`);
  if (d.ended.length > 0) problems.push(`${d.ended.length} streams ended: ${d.ended[0]}`);
  return problems.length > 0 ? problems.join("; ") : undefined;
}
