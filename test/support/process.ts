import { fileURLToPath } from "node:url";
import { type Subprocess, spawn } from "bun";
import { waitFor } from "./wait.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A child process whose stdout/stderr are collected as text while it runs. */
export interface Child extends AsyncDisposable {
  proc: Subprocess<"pipe", "pipe", "pipe">;
  stdout: () => string;
  stderr: () => string;
  /** Waits until stdout matches; returns the match. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number>;
}

async function collect(stream: ReadableStream<Uint8Array>, sink: { text: string }) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink.text += decoder.decode(chunk, { stream: true });
}

/** Spawns `bun <args>` in the repository root with piped stdio. */
export function spawnBun(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const out = { text: "" };
  const err = { text: "" };
  void collect(proc.stdout, out);
  void collect(proc.stderr, err);
  const child: Child = {
    proc,
    stdout: () => out.text,
    stderr: () => err.text,
    exited: proc.exited,
    async waitForStdout(pattern, timeoutMs = 15_000) {
      let match: RegExpMatchArray | null = null;
      await waitFor(
        () => {
          match = out.text.match(pattern);
          return match !== null || proc.exitCode !== null;
        },
        { timeoutMs, what: `stdout to match ${pattern}` },
      ).catch((error) => {
        throw new Error(`${(error as Error).message}\nstdout:\n${out.text}\nstderr:\n${err.text}`);
      });
      if (!match) {
        throw new Error(
          `process exited (${proc.exitCode}) before stdout matched ${pattern}\nstdout:\n${out.text}\nstderr:\n${err.text}`,
        );
      }
      return match;
    },
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
  return child;
}

/** A real `bun src/server/main.ts` process; resolves once it logs its address. */
export async function spawnServer(
  db: string,
  extraArgs: string[] = [],
): Promise<Child & { address: string }> {
  const child = spawnBun(["src/server/main.ts", "--port", "0", "--db", db, ...extraArgs]);
  const match = await child.waitForStdout(/listening address=(\S+)/);
  return Object.assign(child, { address: match[1] as string });
}
