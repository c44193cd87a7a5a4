// The process under test (the ChitChat server or the bare grpc-js baseline),
// spawned like a user would and drained line by line: a server logs a line per
// event, and keeping millions of them in memory would skew the run.
import { type Subprocess, spawn } from "bun";
import { cleanEnv, ROOT } from "../../test/support/process.ts";
import { serverArgs } from "../../test/support/server-process.ts";

export interface BenchServer {
  readonly pid: number;
  readonly address: string;
  /** The admin API's base URL, when the server logs one (ChitChat does, the bare server not). */
  readonly adminUrl: string | undefined;
  /** ms from spawn until the `listening` line arrived. */
  readonly startMs: number;
  /** Log lines seen so far (the server logs one or two per event). */
  readonly lines: number;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

// The whole line: the admin URL follows the address on it.
const LISTENING = /listening address=(\S+)[^\n]*\n/;

/** Spawns `bun <args>` and resolves once it logs `listening address=…`. */
export async function spawnListening(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<BenchServer> {
  const spawnedAt = performance.now();
  const proc: Subprocess<"ignore", "pipe", "inherit"> = spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
    env: { ...cleanEnv(), ...env },
  });
  let lines = 0;
  let head: string | undefined = "";
  let resolveAddress: (address: string) => void = () => {};
  let adminUrl: string | undefined;
  const address = new Promise<string>((resolve) => {
    resolveAddress = resolve;
  });
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of proc.stdout) {
      for (const byte of chunk) if (byte === 10) lines += 1;
      // Only the start of the output is read as text: the address is in it.
      if (head === undefined) continue;
      head += decoder.decode(chunk, { stream: true });
      const match = head.match(LISTENING);
      if (match) {
        adminUrl = match[0].match(/ admin=(\S+)/)?.[1];
        resolveAddress(match[1] as string);
        head = undefined;
      }
    }
  })();
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`${args.join(" ")} did not listen within ${timeoutMs} ms`)),
      timeoutMs,
    ).unref(),
  );
  const exited = proc.exited.then((code) => {
    throw new Error(`${args.join(" ")} exited (${code}) before listening`);
  });
  let listening: string;
  try {
    listening = await Promise.race([address, timeout, exited]);
  } catch (error) {
    proc.kill("SIGKILL");
    throw error;
  }
  exited.catch(() => {});
  const startMs = performance.now() - spawnedAt;
  return {
    pid: proc.pid,
    address: listening,
    adminUrl,
    startMs,
    get lines() {
      return lines;
    },
    async stop(graceMs = 5_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await proc.exited;
      clearTimeout(killer);
    },
  };
}

export interface ChitChatServerOptions {
  db: string;
  synchronous?: "full" | "normal";
  /** Flags for bun itself (e.g. --cpu-prof). */
  bunFlags?: string[];
}

/**
 * `bun src/server/main.ts --port 0 --db <db>`, with a leave grace long enough for
 * any scenario and room for 1000 subscribers plus the publishers (the default
 * --max-participants is 1000).
 */
export function startChitChat({
  db,
  synchronous = "full",
  bunFlags = [],
}: ChitChatServerOptions): Promise<BenchServer> {
  return spawnListening([
    ...bunFlags,
    ...serverArgs(db, [
      ...["--synchronous", synchronous, "--leave-grace-ms", "3600000"],
      ...["--max-participants", "100000"],
    ]),
  ]);
}

/** The bare grpc-js fan-out server (no clock, no store, no checks). */
export function startBareGrpc(bunFlags: string[] = []): Promise<BenchServer> {
  return spawnListening([...bunFlags, "bench/baselines/grpc-fanout-server.ts", "--port", "0"]);
}
