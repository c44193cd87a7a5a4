// What /proc says about a process: resident memory and CPU time (Linux only).
import { readFileSync } from "node:fs";

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = status.match(/^VmRSS:\s+(\d+) kB/m);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

// USER_HZ is 100 on every Linux this runs on.
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the ")" of the command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** A process's CPU use over a window. */
export interface CpuUse {
  /** CPU seconds used. */
  seconds: number;
  /** As a share of one core. */
  share: number;
}

export function cpuMeter(pid: number): { stop(): CpuUse } {
  const startCpu = cpuSeconds(pid);
  const start = performance.now();
  return {
    stop() {
      const wall = (performance.now() - start) / 1000;
      const seconds = cpuSeconds(pid) - startCpu;
      return { seconds, share: wall > 0 ? seconds / wall : 0 };
    },
  };
}
