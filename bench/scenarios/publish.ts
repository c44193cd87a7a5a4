// Scenario 3: durable publish rate. One publisher worker keeps N publishes in
// flight for a fixed time, over PublishStream (as ChitChat's client sends) and,
// for comparison, over unary Publish; every ack means the event is committed.
// The same harness against the bare grpc-js server (same RPC) is "the store
// switched off"; bare SQLite appends in the same synchronous mode are the
// store's own limit. Each ChitChat case runs right after its baseline.
import { measureSqliteAppend } from "../baselines/sqlite-append.ts";
import type { Target } from "../lib/rig.ts";
import type { PublishRpc } from "../workers/publisher.ts";
import { type BenchContext, cpuNote, ratio, rigFor } from "./context.ts";

async function publishRate(
  ctx: BenchContext,
  target: Target,
  inflight: number,
  synchronous: "full" | "normal",
  publishRpc: PublishRpc,
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
    publishRpc,
    synchronous,
  });
  await rig.reset();
  const pub = await rig.pub.call("flood", { durationMs: ctx.sizes.publishMs, inflight });
  const cpu = rig.serverCpu();
  if (pub.failed > 0) {
    ctx.fail(
      `publish ${target} ${publishRpc} ${inflight} in flight: ${pub.failed} failed: ${pub.firstError}`,
    );
    return undefined;
  }
  return {
    publisherCpu: pub.cpu,
    perSecond: pub.perSecond,
    serverCpu: cpu.share,
    cpuUsPerPublish: (cpu.seconds * 1e6) / pub.acked,
  };
}

const RPC_LABEL: Record<PublishRpc, string> = { stream: "", unary: ", unary Publish" };

export async function publish(ctx: BenchContext): Promise<void> {
  const sqlite = new Map<string, number>();
  for (const synchronous of ctx.sizes.synchronous) {
    ctx.progress(`publish: bare SQLite appends, synchronous=${synchronous}`);
    const bare = measureSqliteAppend(synchronous, Math.min(2_000, ctx.sizes.publishMs));
    sqlite.set(synchronous, bare.singleRow);
    ctx.record({
      scenario: "3 publish",
      case: `sqlite sync=${synchronous}`,
      figure: "bare appends/s",
      value: bare.singleRow,
      unit: "/s",
      baseline: { name: `batched ×${bare.batch}`, value: bare.batched },
      notes: "baseline only: prepared single-row insert per transaction vs batched in one",
    });
  }
  // The unary path stays for comparison, with synchronous=full only.
  const cases: { rpc: PublishRpc; synchronous: ("full" | "normal")[] }[] = [
    { rpc: "stream", synchronous: ctx.sizes.synchronous },
    { rpc: "unary", synchronous: ctx.sizes.synchronous.filter((m) => m === "full") },
  ];
  for (const inflight of ctx.sizes.publishInflight) {
    for (const { rpc, synchronous: modes } of cases) {
      if (modes.length === 0) continue;
      ctx.progress(`publish: bare grpc-js, ${rpc}, ${inflight} in flight`);
      const bare = await publishRate(ctx, "bare", inflight, "full", rpc);
      const storeOff = bare?.perSecond ?? Number.NaN;
      for (const synchronous of modes) {
        ctx.progress(
          `publish: ChitChat, ${rpc}, synchronous=${synchronous}, ${inflight} in flight`,
        );
        const chat = await publishRate(ctx, "chitchat", inflight, synchronous, rpc);
        if (!chat) continue;
        const single = sqlite.get(synchronous) ?? Number.NaN;
        ctx.record({
          scenario: "3 publish",
          case: `sync=${synchronous}, ${inflight} in flight${RPC_LABEL[rpc]}`,
          figure: "acked publishes/s",
          value: chat.perSecond,
          unit: "/s",
          baseline: { name: `store off (bare grpc-js ${rpc})`, value: storeOff },
          ratio: ratio(chat.perSecond, storeOff),
          notes: `${cpuNote("server cpu", [chat.serverCpu])}, ${Math.round(chat.cpuUsPerPublish)} µs per publish (bare ${Math.round(bare?.cpuUsPerPublish ?? Number.NaN)} µs); ${cpuNote("publisher", [chat.publisherCpu])}; ${(chat.perSecond / single).toFixed(2)}× bare single-row SQLite`,
        });
      }
    }
  }
}
