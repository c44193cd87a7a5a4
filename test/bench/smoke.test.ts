// The bench's smallest run, as a test of completeness (never of speed): real
// server and worker processes, every published message reaching every
// subscriber, and the run's JSON written with the machine it ran on.
import { afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";

const h = new Harness();
afterEach(() => h.dispose());

test("bun run bench --size tiny delivers every event and writes its JSON", async () => {
  const results = h.dir();
  const run = h.bun([
    "bench/main.ts",
    "--size",
    "tiny",
    "--only",
    "fanout,latency,replay",
    "--sub-workers",
    "2",
    "--results",
    results,
  ]);
  const { code } = await exitOf(run, 120_000);
  expect({ code, failures: run.stdout.lines.filter((l) => l.startsWith("FAILED")) }).toEqual({
    code: 0,
    failures: [],
  });
  const files = readdirSync(results).filter((f) => f.endsWith(".json"));
  expect(files).toHaveLength(1);
  const json = JSON.parse(readFileSync(join(results, files[0] as string), "utf8"));
  expect(json.failures).toEqual([]);
  expect(json.machine.cores).toBeGreaterThan(0);
  expect(json.machine.bun).toBe(Bun.version);
  expect(
    json.figures.map((f: { scenario: string; figure: string }) => `${f.scenario}: ${f.figure}`),
  ).toEqual([
    "1 fan-out: delivered events/s",
    "1 fan-out: acked publishes/s",
    "1 fan-out: server CPU per event",
    "2 latency: publish→deliver p50",
    "2 latency: publish→deliver p99",
    "2 latency: publish→deliver p999",
    "4 replay: events/s to 1 subscriber",
    "4 replay: time until live",
  ]);
  for (const figure of json.figures) expect(figure.value).toBeGreaterThan(0);
  // Seven processes on a shared machine: give the run room (its own limits fail it sooner).
}, 150_000);

test("bun run bench --size tiny --only scaleout runs three servers on one PostgreSQL beside SQLite", async () => {
  const results = h.dir();
  const run = h.bun([
    "bench/main.ts",
    "--size",
    "tiny",
    "--only",
    "scaleout",
    "--results",
    results,
  ]);
  const { code } = await exitOf(run, 180_000);
  expect({ code, failures: run.stdout.lines.filter((l) => l.startsWith("FAILED")) }).toEqual({
    code: 0,
    failures: [],
  });
  const files = readdirSync(results).filter((f) => f.endsWith(".json"));
  expect(files).toHaveLength(1);
  const json = JSON.parse(readFileSync(join(results, files[0] as string), "utf8"));
  expect(json.failures).toEqual([]);
  const figures: {
    scenario: string;
    figure: string;
    value: number;
    baseline?: { value: number };
  }[] = json.figures;
  expect(figures.map((f) => `${f.scenario}: ${f.figure}`)).toEqual([
    "7 scale-out: acked publishes/s",
    "7 scale-out: server CPU per publish",
    "7 scale-out: cross-server p50",
    "7 scale-out: cross-server p99",
  ]);
  // Every figure and its same-run SQLite baseline were measured.
  for (const figure of figures) {
    expect(figure.value).toBeGreaterThan(0);
    expect(figure.baseline?.value).toBeGreaterThan(0);
  }
  // A throwaway cluster, six server processes and seven workers on a shared machine.
}, 210_000);
