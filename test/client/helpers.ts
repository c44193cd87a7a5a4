import { fileURLToPath } from "node:url";
import type { Subprocess } from "bun";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false,
  timeoutMs = 10_000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Collects a child's output as it arrives, split into lines. */
export interface Output {
  readonly text: string;
  readonly lines: string[];
  /** Resolves when the stream is closed. */
  readonly closed: Promise<void>;
}

export function collect(stream: ReadableStream<Uint8Array>): Output {
  let text = "";
  const decoder = new TextDecoder();
  const closed = (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    text += decoder.decode();
  })();
  return {
    get text() {
      return text;
    },
    get lines() {
      return text.split("\n").filter((line) => line.length > 0);
    },
    closed,
  };
}

/** What a promise rejected with (bun's `expect().rejects` has stalled on pending gRPC calls). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

/** The environment without CHITCHAT_* variables, so a developer's settings cannot leak into a test. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("CHITCHAT_")) env[key] = value;
  }
  return env;
}

export interface RunningServer {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  address: string;
  port: number;
  stdout: Output;
  stderr: Output;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/** Starts `bun src/server/main.ts` on `port` (0 = any) and waits for its `address=` line. */
export async function startServer(options: {
  db: string;
  port?: number;
  leaveGraceMs?: number;
}): Promise<RunningServer> {
  const args = ["--port", String(options.port ?? 0), "--db", options.db];
  if (options.leaveGraceMs !== undefined)
    args.push("--leave-grace-ms", String(options.leaveGraceMs));
  const proc = Bun.spawn(["bun", "src/server/main.ts", ...args], {
    cwd: ROOT,
    env: cleanEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stdout = collect(proc.stdout);
  const stderr = collect(proc.stderr);
  let address: string;
  try {
    address = await waitFor("the server's address= line", () => {
      if (proc.exitCode !== null) {
        throw new Error(`server exited ${proc.exitCode}: ${stdout.text}${stderr.text}`);
      }
      return /address=(\S+)/.exec(stdout.text)?.[1];
    });
  } catch (error) {
    proc.kill("SIGKILL");
    throw error;
  }
  const port = Number(address.slice(address.lastIndexOf(":") + 1));
  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await proc.exited;
  };
  return {
    proc,
    address,
    port,
    stdout,
    stderr,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
  };
}
