// Scenario 2: publish→deliver latency at a fixed publish rate. The publisher
// writes its send time into each message; subscribers subtract it from their
// receive time (one clock: every process runs on this machine). Every message
// must reach every subscriber.
import { incomplete, type Target } from "../lib/rig.ts";
import { histogramQuantile, scrapeServer } from "../lib/server-metrics.ts";
import { quantiles } from "../lib/stats.ts";
import { type BenchContext, cpuNote, ratio, rigFor } from "./context.ts";

interface LatencyRun {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  serverCpu: number;
  workerCpu: number[];
  maxBehind: number;
  /** Inside the server: Publish arriving → handed to every stream, p50 / p99 bucket bounds
   * (ms), and its event loop's lag p50 / p99 / max (ms; prom-client resets it per scrape). */
  server: { p50: number; p99: number; lag: [number, number, number] } | undefined;
}

const FANOUT = "chitchat_publish_fanout_seconds";

async function runOnce(
  ctx: BenchContext,
  target: Target,
  rate: number,
  subscribers: number,
): Promise<LatencyRun | undefined> {
  await using rig = await rigFor(ctx, {
    target,
    subscribers,
    publishers: 1,
    recordLatency: true,
  });
  await rig.reset(true);
  const before = await scrapeServer(rig.server.adminUrl);
  const pub = await rig.pub.call("paced", { rate, durationMs: ctx.sizes.latencyMs });
  const d = await rig.expect(pub.sent, ctx.sizes.deliveryTimeoutMs);
  const after = await scrapeServer(rig.server.adminUrl);
  const inside = (q: number) =>
    before && after
      ? (histogramQuantile(FANOUT, before, after, q) ?? Number.NaN) * 1000
      : Number.NaN;
  const lag = (key: string) =>
    1000 * (after?.get(`chitchat_nodejs_eventloop_lag_${key}_seconds`) ?? Number.NaN);
  const server =
    before && after
      ? {
          p50: inside(0.5),
          p99: inside(0.99),
          lag: [lag("p50"), lag("p99"), lag("max")] as [number, number, number],
        }
      : undefined;
  const serverCpu = rig.serverCpu().share;
  const problem =
    pub.failed > 0 ? `${pub.failed} publishes failed: ${pub.firstError}` : incomplete(d, pub.sent);
  if (problem) {
    ctx.fail(`latency ${target} ${rate}/s × ${subscribers}: ${problem}`);
    return undefined;
  }
  const [p50, p99, p999, max] = quantiles(d.latencies, [0.5, 0.99, 0.999, 1]) as number[];
  return {
    p50: p50 as number,
    p99: p99 as number,
    p999: p999 as number,
    max: max as number,
    serverCpu,
    workerCpu: d.workerCpu,
    maxBehind: pub.maxBehind,
    server,
  };
}

export async function latency(ctx: BenchContext): Promise<void> {
  for (const { rate, subscribers } of ctx.sizes.latency) {
    ctx.progress(`latency: ${rate}/s × ${subscribers} subscribers for ${ctx.sizes.latencyMs} ms`);
    const chat = await runOnce(ctx, "chitchat", rate, subscribers);
    const bare = await runOnce(ctx, "bare", rate, subscribers);
    if (!chat || !bare) continue;
    const label = `${rate}/s × ${subscribers} subs`;
    for (const key of ["p50", "p99", "p999"] as const) {
      ctx.record({
        scenario: "2 latency",
        case: label,
        figure: `publish→deliver ${key}`,
        value: chat[key],
        unit: "ms",
        baseline: { name: "bare grpc-js", value: bare[key] },
        ratio: ratio(chat[key], bare[key]),
        notes:
          key === "p99"
            ? `max ${chat.max.toFixed(1)} ms (bare ${bare.max.toFixed(1)}); inside the server (Publish → every stream) p50 ≤ ${chat.server?.p50} ms, p99 ≤ ${chat.server?.p99} ms, its event-loop lag p50 / p99 / max ${chat.server?.lag.map((v) => v.toFixed(1)).join(" / ")} ms; ${cpuNote("server cpu", [chat.serverCpu])} (bare ${Math.round(bare.serverCpu * 100)}%); ${cpuNote("subscriber workers", chat.workerCpu)}; publisher behind by up to ${chat.maxBehind}`
            : undefined,
      });
    }
  }
}
