// Scenario 1: fan-out at full speed. One publisher floods N messages (over
// PublishStream, against both servers, as ChitChat's client sends); every
// subscriber must get all of them. Delivered events/s = N × subscribers over
// the time from the first publish to the last delivery.
import { incomplete, type Target } from "../lib/rig.ts";
import { type BenchContext, cpuNote, ratio, rigFor } from "./context.ts";

interface FanoutRun {
  deliveredPerSec: number;
  ackedPerSec: number;
  serverCpu: number;
  /** Server CPU microseconds per delivered event: steadier than rates on a shared machine. */
  cpuUsPerEvent: number;
  publisherCpu: number;
  workerCpu: number[];
}

async function runOnce(
  ctx: BenchContext,
  target: Target,
  subscribers: number,
  messages: number,
): Promise<FanoutRun | undefined> {
  await using rig = await rigFor(ctx, {
    target,
    subscribers,
    publishers: 1,
  });
  await rig.reset();
  const pub = await rig.pub.call("flood", { count: messages, inflight: ctx.sizes.fanoutInflight });
  const d = await rig.expect(messages, ctx.sizes.deliveryTimeoutMs);
  const cpu = rig.serverCpu();
  const problem =
    pub.failed > 0 ? `${pub.failed} publishes failed: ${pub.firstError}` : incomplete(d, messages);
  if (problem) {
    ctx.fail(`fan-out ${target} ${subscribers} subscribers: ${problem}`);
    return undefined;
  }
  return {
    deliveredPerSec: (d.delivered * 1000) / (d.lastAt - pub.startAt),
    ackedPerSec: pub.perSecond,
    serverCpu: cpu.share,
    cpuUsPerEvent: (cpu.seconds * 1e6) / d.delivered,
    publisherCpu: pub.cpu,
    workerCpu: d.workerCpu,
  };
}

export async function fanout(ctx: BenchContext): Promise<void> {
  for (const { subscribers, messages } of ctx.sizes.fanout) {
    ctx.progress(`fan-out: ${subscribers} subscribers × ${messages} messages`);
    const chat = await runOnce(ctx, "chitchat", subscribers, messages);
    const bare = await runOnce(ctx, "bare", subscribers, messages);
    if (!chat || !bare) continue;
    const label = `${subscribers} subscriber${subscribers === 1 ? "" : "s"}`;
    ctx.record({
      scenario: "1 fan-out",
      case: label,
      figure: "delivered events/s",
      value: chat.deliveredPerSec,
      unit: "/s",
      baseline: { name: "bare grpc-js", value: bare.deliveredPerSec },
      ratio: ratio(chat.deliveredPerSec, bare.deliveredPerSec),
      notes: `${cpuNote("server cpu", [chat.serverCpu])} (bare ${Math.round(bare.serverCpu * 100)}%); ${cpuNote("subscriber workers", chat.workerCpu)}; ${cpuNote("publisher", [chat.publisherCpu])}`,
    });
    ctx.record({
      scenario: "1 fan-out",
      case: label,
      figure: "acked publishes/s",
      value: chat.ackedPerSec,
      unit: "/s",
      baseline: { name: "bare grpc-js", value: bare.ackedPerSec },
      ratio: ratio(chat.ackedPerSec, bare.ackedPerSec),
    });
    ctx.record({
      scenario: "1 fan-out",
      case: label,
      figure: "server CPU per event",
      value: chat.cpuUsPerEvent,
      unit: "µs",
      baseline: { name: "bare grpc-js", value: bare.cpuUsPerEvent },
      ratio: ratio(chat.cpuUsPerEvent, bare.cpuUsPerEvent),
    });
  }
}
