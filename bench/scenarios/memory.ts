// Scenario 5: server memory with idle subscribers. Each subscriber has its own
// connection (as separate client processes would). RSS is read once it has
// settled; per subscriber = (RSS with N − RSS with none) / N. The bare grpc-js
// server holding the same streams is the baseline: what the connections and
// streams themselves cost.
import { rssBytes } from "../lib/proc-stats.ts";
import type { Target } from "../lib/rig.ts";
import { type BenchContext, ratio, rigFor } from "./context.ts";

/** RSS once four readings 250 ms apart agree within 1% (or after 15 s). */
async function settledRss(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 60; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    readings.push(rssBytes(pid));
    const last = readings.slice(-4);
    if (last.length === 4 && Math.max(...last) - Math.min(...last) < 0.01 * Math.max(...last))
      break;
  }
  return readings[readings.length - 1] as number;
}

async function rssWith(ctx: BenchContext, target: Target, subscribers: number): Promise<number> {
  await using rig = await rigFor(ctx, {
    target,
    subscribers,
    publishers: 0,
  });
  return await settledRss(rig.server.pid);
}

export async function memory(ctx: BenchContext): Promise<void> {
  const rss = new Map<string, number>();
  for (const target of ["chitchat", "bare"] as const) {
    for (const n of ctx.sizes.memory) {
      ctx.progress(`memory: ${target}, ${n} idle subscribers`);
      rss.set(`${target} ${n}`, await rssWith(ctx, target, n));
    }
  }
  const mb = (bytes: number) => bytes / 2 ** 20;
  const chat0 = rss.get("chitchat 0") ?? Number.NaN;
  const bare0 = rss.get("bare 0") ?? Number.NaN;
  for (const n of ctx.sizes.memory) {
    const chat = rss.get(`chitchat ${n}`) ?? Number.NaN;
    const bare = rss.get(`bare ${n}`) ?? Number.NaN;
    ctx.record({
      scenario: "5 memory",
      case: `${n} idle subscribers`,
      figure: "server RSS",
      value: mb(chat),
      unit: "MB",
      baseline: { name: "bare grpc-js", value: mb(bare) },
      ratio: ratio(chat, bare),
    });
    if (n === 0) continue;
    const perChat = (chat - chat0) / n / 1024;
    const perBare = (bare - bare0) / n / 1024;
    ctx.record({
      scenario: "5 memory",
      case: `${n} idle subscribers`,
      figure: "RSS per subscriber",
      value: perChat,
      unit: "KB",
      baseline: { name: "bare grpc-js", value: perBare },
      ratio: ratio(perChat, perBare),
    });
  }
}
