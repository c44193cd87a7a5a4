// Scenario 4: replay. A new subscriber asks for everything (since = 0) behind
// a log of N events: events/s until it has caught up, then one live message
// must arrive live. Baseline: the store reading the same log page by page in
// one process (no gRPC), the limit of the part replay is built on.
import { rmSync } from "node:fs";
import { openLogReader } from "../../src/store/reader.ts";
import { copyOfFilledLog } from "../lib/big-logs.ts";
import { nowMs } from "../lib/clock.ts";
import { messagesIn } from "../lib/fill-log.ts";
import { incomplete } from "../lib/rig.ts";
import { type BenchContext, cpuNote, ratio, rigFor } from "./context.ts";

/** The hub's replay page size (createHub's default). */
const PAGE = 256;

function storeReadRate(path: string): number {
  const log = openLogReader(path);
  try {
    const start = nowMs();
    let after = 0;
    let rows = 0;
    for (;;) {
      const page = log.readAfterSeq(after, PAGE);
      if (page.length === 0) break;
      rows += page.length;
      after = (page[page.length - 1] as { seq: number }).seq;
    }
    return (rows * 1000) / (nowMs() - start);
  } finally {
    log.close();
  }
}

export async function replay(ctx: BenchContext): Promise<void> {
  for (const total of ctx.sizes.replay) {
    const db = copyOfFilledLog(ctx, total, "replay");
    const label = `${total.toLocaleString("en-US")} events behind`;
    ctx.progress(`replay: ${label}`);
    try {
      const messages = messagesIn(total);
      let caughtUpMs: number;
      let subscriberCpu: number[];
      let serverCpu: number;
      {
        await using rig = await rigFor(ctx, {
          target: "chitchat",
          db,
          subscribers: 1,
          subWorkers: 1,
          publishers: 1,
          since: 0,
        });
        const d = await rig.expect(messages, ctx.sizes.deliveryTimeoutMs);
        serverCpu = rig.serverCpu().share;
        const problem = incomplete(d, messages);
        if (problem) {
          ctx.fail(`replay ${label}: ${problem}`);
          continue;
        }
        caughtUpMs = d.lastAt - rig.subscribedAt;
        subscriberCpu = d.workerCpu;
        // Then live: one more message must arrive, and not from the log.
        await rig.pub.call("flood", { count: 1, inflight: 1 });
        const live = await rig.expect(messages + 1, 10_000);
        if (incomplete(live, messages + 1) || live.replayedMessages > messages) {
          ctx.fail(`replay ${label}: the message published after catching up did not arrive live`);
          continue;
        }
      }
      const baseline = storeReadRate(db);
      const perSecond = (total * 1000) / caughtUpMs;
      ctx.record({
        scenario: "4 replay",
        case: label,
        figure: "events/s to 1 subscriber",
        value: perSecond,
        unit: "/s",
        baseline: { name: `store reads, pages of ${PAGE}`, value: baseline },
        ratio: ratio(perSecond, baseline),
        notes: `${cpuNote("server cpu", [serverCpu])}; ${cpuNote("subscriber", subscriberCpu)}`,
      });
      ctx.record({
        scenario: "4 replay",
        case: label,
        figure: "time until live",
        value: caughtUpMs,
        unit: "ms",
      });
    } finally {
      rmSync(db, { force: true });
      rmSync(`${db}-wal`, { force: true });
      rmSync(`${db}-shm`, { force: true });
    }
  }
}
