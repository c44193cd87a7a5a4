// `bun run bench`: the only place the bench reads argv/env and exits.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configOrExit } from "../src/cli/flags.ts";
import { tempDir } from "../test/support/temp.ts";
import { parseBenchConfig, type ScenarioName } from "./config.ts";
import { type Figure, machine, machineLoad, tableHeader, tableRow } from "./lib/report.ts";
import type { BenchContext, Scenario } from "./scenarios/context.ts";
import { fanout } from "./scenarios/fanout.ts";
import { latency } from "./scenarios/latency.ts";
import { memory } from "./scenarios/memory.ts";
import { publish } from "./scenarios/publish.ts";
import { replay } from "./scenarios/replay.ts";
import { scaleout } from "./scenarios/scaleout.ts";
import { start } from "./scenarios/start.ts";
import { FULL, QUICK, TINY } from "./sizes.ts";

const RUNNERS: Record<ScenarioName, Scenario> = {
  fanout,
  latency,
  publish,
  replay,
  memory,
  start,
  scaleout,
};

const config = configOrExit(parseBenchConfig(process.argv.slice(2), process.env), "chitchat bench");
const sizes = { full: FULL, quick: QUICK, tiny: TINY }[config.size];

const figures: Figure[] = [];
const failures: string[] = [];
const loads: Record<string, ReturnType<typeof machineLoad>> = { before: machineLoad() };
const startedAt = new Date();
const scratch = tempDir("chitchat-bench-");

const ctx: BenchContext = {
  sizes,
  subWorkers: config.subWorkers,
  publishRpc: config.publishRpc,
  serverBunFlags: config.profileDir
    ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${config.profileDir}`]
    : [],
  scratch: scratch.path,
  record(figure) {
    figures.push(figure);
    console.log(tableRow(figure));
  },
  fail(message) {
    failures.push(message);
    console.log(`FAILED: ${message}`);
  },
  progress(text) {
    console.error(`  … ${text}`);
  },
};

console.log(
  `ChitChat bench (${config.size}) on ${machine().cores} × ${machine().cpuModel}, Bun ${Bun.version}`,
);
console.log(`load average before: ${loads.before?.loadavg.join(" ")}\n`);
console.log(tableHeader());
for (const name of config.only) {
  const began = performance.now();
  try {
    await RUNNERS[name](ctx);
  } catch (error) {
    ctx.fail(
      `${name} crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
  loads[name] = machineLoad();
  ctx.progress(`${name} took ${Math.round((performance.now() - began) / 1000)} s`);
}

mkdirSync(config.results, { recursive: true });
const file = join(
  config.results,
  `${startedAt.toISOString().replace(/:/g, "-").slice(0, 19)}.json`,
);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
      size: config.size,
      scenarios: config.only,
      sizes,
      subWorkers: config.subWorkers,
      machine: machine(),
      load: loads,
      figures,
      failures,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${file}`);
scratch[Symbol.dispose]();
if (failures.length > 0) {
  console.log(`${failures.length} failure(s): the run is not complete`);
  process.exit(1);
}
process.exit(0);
