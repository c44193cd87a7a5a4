// Scenario 3: durable publish rate. One publisher worker keeps N Publish calls
// in flight for a fixed time; every ack means the event is committed. The same
// harness against the bare grpc-js server is "the store switched off"; bare
// SQLite appends in the same synchronous mode are the store's own limit.
import { measureSqliteAppend } from "../baselines/sqlite-append.ts";
import type { Target } from "../lib/rig.ts";
import { type BenchContext, cpuNote, ratio, rigFor } from "./context.ts";

async function publishRate(
  ctx: BenchContext,
  target: Target,
  inflight: number,
  synchronous: "full" | "normal",
): Promise<
  | { perSecond: number; serverCpu: number; cpuUsPerPublish: number; publisherCpu: number }
  | undefined
> {
  await using rig = await rigFor(ctx, {
    target,
    subscribers: 0,
    subWorkers: 0,
    // Each real client has one publish in flight at a time: N in flight is N publishers.
    publishers: Math.min(inflight, 32),
    synchronous,
  });
  await rig.reset();
  const pub = await rig.pub.call("flood", { durationMs: ctx.sizes.publishMs, inflight });
  const cpu = rig.serverCpu();
  if (pub.failed > 0) {
    ctx.fail(`publish ${target} ${inflight} in flight: ${pub.failed} failed: ${pub.firstError}`);
    return undefined;
  }
  return {
    publisherCpu: pub.cpu,
    perSecond: pub.perSecond,
    serverCpu: cpu.share,
    cpuUsPerPublish: (cpu.seconds * 1e6) / pub.acked,
  };
}

export async function publish(ctx: BenchContext): Promise<void> {
  const bare = new Map<number, number>();
  for (const inflight of ctx.sizes.publishInflight) {
    ctx.progress(`publish: bare grpc-js, ${inflight} in flight`);
    bare.set(inflight, (await publishRate(ctx, "bare", inflight, "full"))?.perSecond ?? Number.NaN);
  }
  for (const synchronous of ctx.sizes.synchronous) {
    ctx.progress(`publish: bare SQLite appends, synchronous=${synchronous}`);
    const sqlite = measureSqliteAppend(synchronous, Math.min(2_000, ctx.sizes.publishMs));
    ctx.record({
      scenario: "3 publish",
      case: `sqlite sync=${synchronous}`,
      figure: "bare appends/s",
      value: sqlite.singleRow,
      unit: "/s",
      baseline: { name: `batched ×${sqlite.batch}`, value: sqlite.batched },
      notes: "baseline only: prepared single-row insert per transaction vs batched in one",
    });
    for (const inflight of ctx.sizes.publishInflight) {
      ctx.progress(`publish: ChitChat, synchronous=${synchronous}, ${inflight} in flight`);
      const chat = await publishRate(ctx, "chitchat", inflight, synchronous);
      if (!chat) continue;
      const storeOff = bare.get(inflight) ?? Number.NaN;
      ctx.record({
        scenario: "3 publish",
        case: `sync=${synchronous}, ${inflight} in flight`,
        figure: "acked publishes/s",
        value: chat.perSecond,
        unit: "/s",
        baseline: { name: "store off (bare grpc-js)", value: storeOff },
        ratio: ratio(chat.perSecond, storeOff),
        notes: `${cpuNote("server cpu", [chat.serverCpu])}, ${Math.round(chat.cpuUsPerPublish)} µs per publish; ${cpuNote("publisher", [chat.publisherCpu])}; ${(chat.perSecond / sqlite.singleRow).toFixed(2)}× bare single-row SQLite`,
      });
    }
  }
}
