import { z } from "zod";
import {
  type ConfigResult,
  type FlagTable,
  helpText,
  parseConfig,
  wholeNumber,
} from "../src/cli/flags.ts";

export const SCENARIOS = [
  "fanout",
  "latency",
  "publish",
  "replay",
  "memory",
  "start",
  "scaleout",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Everything `bun run bench` can be told, parsed once in bench/main.ts. */
export interface BenchConfig {
  size: "full" | "quick" | "tiny";
  only: ScenarioName[];
  subWorkers: number;
  results: string;
  /** Run server processes under Bun's CPU profiler, writing profiles here. */
  profileDir: string | undefined;
  /** The RPC the publisher uses in the fan-out and latency scenarios (A/B runs). */
  publishRpc: "stream" | "unary";
}

export const BENCH_FLAGS: FlagTable<keyof BenchConfig> = {
  size: {
    key: "size",
    env: "CHITCHAT_BENCH_SIZE",
    default: "full",
    help: "full (well under 30 min on 2 cores), quick (about a minute; same as --quick) or tiny (the test smoke)",
  },
  only: {
    key: "only",
    env: "CHITCHAT_BENCH_ONLY",
    default: SCENARIOS.join(","),
    help: "comma-separated scenarios to run",
  },
  "sub-workers": {
    key: "subWorkers",
    env: "CHITCHAT_BENCH_SUB_WORKERS",
    default: "4",
    help: "processes the subscribers are spread over",
  },
  results: {
    key: "results",
    env: "CHITCHAT_BENCH_RESULTS",
    default: "bench/results",
    help: "folder the run's JSON is written to (<date>.json)",
  },
  "profile-dir": {
    key: "profileDir",
    env: "CHITCHAT_BENCH_PROFILE_DIR",
    default: undefined,
    help: "run every server process with bun --cpu-prof (and --cpu-prof-md), profiles written here",
  },
  "publish-rpc": {
    key: "publishRpc",
    env: "CHITCHAT_BENCH_PUBLISH_RPC",
    default: "stream",
    help: "how the fan-out and latency publisher sends, on both servers: stream (PublishStream, as the client) or unary (Publish), for A/B runs",
  },
};

const schema = z.object({
  size: z.enum(["full", "quick", "tiny"], { error: "--size must be full, quick or tiny" }),
  only: z.string().transform((text, ctx) => {
    const names = text
      .split(",")
      .map((n) => n.trim())
      .filter((n) => n !== "");
    const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
    if (unknown.length > 0 || names.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `--only takes scenarios from ${SCENARIOS.join(", ")} (got ${JSON.stringify(text)})`,
      });
      return z.NEVER;
    }
    return names as ScenarioName[];
  }),
  subWorkers: wholeNumber("sub-workers", { min: 1, max: 64 }),
  results: z.string().min(1, "--results must not be empty"),
  profileDir: z.string().min(1, "--profile-dir must not be empty").optional(),
  publishRpc: z.enum(["stream", "unary"], { error: "--publish-rpc must be stream or unary" }),
});

export function benchHelp(): string {
  return helpText(
    [
      "Usage: bun run bench [--quick] [options]",
      "",
      "Runs the benchmark scenarios against real server and client processes on",
      "loopback, prints a table with same-run baselines and writes <results>/<date>.json.",
      "--quick is short for --size quick.",
    ],
    BENCH_FLAGS,
  );
}

/** Flags over env twins over defaults; `--quick` stands for `--size quick`. */
export function parseBenchConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult<BenchConfig> {
  const args = argv.flatMap((arg) => (arg === "--quick" ? ["--size", "quick"] : [arg]));
  return parseConfig(BENCH_FLAGS, schema as z.ZodType<BenchConfig>, benchHelp, args, env);
}
