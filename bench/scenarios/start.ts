// Scenario 6: start time — from spawning `bun src/server/main.ts` until it logs
// `listening`, with a big log and with an empty one (the baseline: Bun, the
// modules and grpc-js starting with nothing to read).
import { join } from "node:path";
import { filledLog } from "../lib/big-logs.ts";
import { startChitChat } from "../lib/server.ts";
import { median } from "../lib/stats.ts";
import { type BenchContext, ratio } from "./context.ts";

async function startMs(db: string): Promise<number> {
  const server = await startChitChat({ db });
  await server.stop();
  return server.startMs;
}

export async function start(ctx: BenchContext): Promise<void> {
  const events = ctx.sizes.startEvents;
  const big = filledLog(ctx, events);
  const empty = join(ctx.scratch, "empty.db");
  const withLog: number[] = [];
  const withoutLog: number[] = [];
  for (let i = 0; i < ctx.sizes.starts; i++) {
    ctx.progress(`start: run ${i + 1} of ${ctx.sizes.starts}`);
    withLog.push(await startMs(big));
    withoutLog.push(await startMs(empty));
  }
  const value = median(withLog);
  const baseline = median(withoutLog);
  ctx.record({
    scenario: "6 start",
    case: `${events.toLocaleString("en-US")} events in the log`,
    figure: "spawn → listening",
    value,
    unit: "ms",
    baseline: { name: "empty log", value: baseline },
    ratio: ratio(value, baseline),
    notes: `median of ${ctx.sizes.starts}: ${withLog.map((ms) => Math.round(ms)).join(", ")} ms`,
  });
}
