import type { Figure } from "../lib/report.ts";
import { type Rig, type RigOptions, startRig } from "../lib/rig.ts";
import type { Sizes } from "../sizes.ts";

/** What a scenario gets from the orchestrator. */
export interface BenchContext {
  sizes: Sizes;
  /** Processes the subscribers are spread over. */
  subWorkers: number;
  /** The publisher's RPC unless a scenario says otherwise (scenario 3 runs both). */
  publishRpc: "stream" | "unary";
  /** Flags for `bun` when it starts a server process (the profiler). */
  serverBunFlags: string[];
  /** A scratch folder for big logs, removed after the run. */
  scratch: string;
  record(figure: Figure): void;
  /** A completeness failure: the run goes on but ends failed. */
  fail(message: string): void;
  /** Progress for the person watching (stderr). */
  progress(text: string): void;
}

export type Scenario = (ctx: BenchContext) => Promise<void>;

/** value / baseline, for the ratio column. */
export function ratio(value: number, baseline: number): number | undefined {
  return baseline > 0 && Number.isFinite(baseline) ? value / baseline : undefined;
}

/** "12% / 85%" — CPU shares of one core, for notes. */
export function cpuNote(label: string, shares: readonly number[]): string {
  return `${label} ${shares.map((s) => `${Math.round(s * 100)}%`).join("/")}`;
}

/** A rig with this run's server flags and subscriber spread. */
export function rigFor(
  ctx: BenchContext,
  options: Omit<RigOptions, "bunFlags" | "subWorkers"> & { subWorkers?: number },
): Promise<Rig> {
  return startRig({
    bunFlags: ctx.serverBunFlags,
    subWorkers: ctx.subWorkers,
    publishRpc: ctx.publishRpc,
    ...options,
  });
}
