import { fileURLToPath } from "node:url";
import { type Subprocess, spawn } from "bun";
import { collect, type Output } from "./output.ts";
import { waitFor } from "./wait.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The environment without CHITCHAT_* variables, so a developer's settings cannot leak into a test. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("CHITCHAT_")) env[key] = value;
  }
  return env;
}

/** A `bun` child process whose stdout and stderr are collected while it runs. */
export interface Child extends AsyncDisposable {
  proc: Subprocess<"pipe", "pipe", "pipe">;
  stdout: Output;
  stderr: Output;
  /** Resolves with the exit code once the process has exited and its output is read. */
  exited: Promise<number>;
  /** Waits until stdout matches; returns the match. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGKILL) unless the process has ended; resolves once it has. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns `bun <args>` in the repository root with piped stdio, in the clean
 * environment plus `env`.
 */
export function spawnBun(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...cleanEnv(), ...env },
  });
  const stdout = collect(proc.stdout);
  const stderr = collect(proc.stderr);
  const exited = Promise.all([proc.exited, stdout.closed, stderr.closed]).then(([code]) => code);
  const output = () => `stdout:\n${stdout.text}\nstderr:\n${stderr.text}`;
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return {
    proc,
    stdout,
    stderr,
    exited,
    async waitForStdout(pattern, timeoutMs = 15_000) {
      let match: RegExpMatchArray | null = null;
      await waitFor(
        () => {
          match = stdout.text.match(pattern);
          return match !== null || proc.exitCode !== null;
        },
        { timeoutMs, what: `stdout to match ${pattern}` },
      ).catch((error) => {
        throw new Error(`${(error as Error).message}\n${output()}`);
      });
      if (!match) {
        throw new Error(
          `process exited (${proc.exitCode}) before stdout matched ${pattern}\n${output()}`,
        );
      }
      return match;
    },
    kill,
    [Symbol.asyncDispose]: () => kill("SIGKILL"),
  };
}

/** Waits until the child exits; returns its exit code and how long that took. */
export async function exitOf(
  child: Child,
  timeoutMs = 5_000,
): Promise<{ code: number | null; signal: Child["proc"]["signalCode"]; ms: number }> {
  const start = performance.now();
  await waitFor(() => child.proc.exitCode !== null || child.proc.signalCode !== null, {
    timeoutMs,
    what: "the process to exit",
  }).catch((error) => {
    throw new Error(
      `${(error as Error).message}\nstdout:\n${child.stdout.text}\nstderr:\n${child.stderr.text}`,
    );
  });
  await child.exited;
  return {
    code: child.proc.exitCode,
    signal: child.proc.signalCode,
    ms: performance.now() - start,
  };
}
