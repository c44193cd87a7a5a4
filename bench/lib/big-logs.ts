// Filled logs are made once per run and kept pristine; a scenario that writes
// to one (a server appends its joins) works on a copy.
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext } from "../scenarios/context.ts";
import { fillLog } from "./fill-log.ts";

/** The path of a log holding exactly `total` filler events, filled on first use. */
export function filledLog(ctx: BenchContext, total: number): string {
  const path = join(ctx.scratch, `filled-${total}.db`);
  if (!existsSync(path)) {
    ctx.progress(`filling a log with ${total.toLocaleString("en-US")} events`);
    const start = performance.now();
    fillLog(path, total);
    ctx.progress(`filled in ${Math.round(performance.now() - start)} ms`);
  }
  return path;
}

/** A fresh copy of the filled log, for a server to append to. */
export function copyOfFilledLog(ctx: BenchContext, total: number, name: string): string {
  const copy = join(ctx.scratch, `${name}.db`);
  copyFileSync(filledLog(ctx, total), copy);
  return copy;
}
