// What one /metrics scrape costs the server's event loop: ChitChat's registry
// against prom-client's full default set (which includes the per-space heap
// split), with a heap of about a busy server's size. Medians of 7 scrapes.
// Run: bun bench/probes/metrics-scrape.ts [--objects 200000]
import { parseArgs } from "node:util";
import { collectDefaultMetrics, Registry } from "prom-client";
import { createMetrics } from "../../src/server/metrics.ts";

const { values } = parseArgs({ options: { objects: { type: "string", default: "200000" } } });
// Live objects, so a walk of the heap has something to walk.
const ballast = Array.from({ length: Number(values.objects) }, (_, i) => ({ i, s: `s${i}` }));

const chitchat = createMetrics({ processMetrics: true });
const full = new Registry();
collectDefaultMetrics({ register: full, prefix: "full_" });

async function median(scrape: () => Promise<string>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    const started = performance.now();
    await scrape();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[3] as number;
}

for (let round = 1; round <= 3; round += 1) {
  const ours = await median(() => chitchat.text());
  const theirs = await median(() => full.metrics());
  console.log(
    `round ${round}: ChitChat's /metrics ${ours.toFixed(1)} ms; prom-client's full default set ` +
      `${theirs.toFixed(1)} ms (heap of ${ballast.length.toLocaleString("en")} extra objects)`,
  );
}
