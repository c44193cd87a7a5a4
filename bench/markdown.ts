// `bun bench/markdown.ts bench/results/<date>.json`: a run's figures as the
// Markdown table docs/PERFORMANCE.md shows.
import { readFileSync } from "node:fs";
import { markdownTable } from "./lib/report.ts";

const file = process.argv[2];
if (!file) {
  console.error("usage: bun bench/markdown.ts <results.json>");
  process.exit(2);
}
const run = JSON.parse(readFileSync(file, "utf8"));
console.log(
  `Run ${run.startedAt} (${run.size}, ${run.durationS} s) on ${run.machine.cores} × ${run.machine.cpuModel}, Bun ${run.machine.bun}; load average before ${run.load.before.loadavg.join(" ")}\n`,
);
console.log(markdownTable(run.figures));
