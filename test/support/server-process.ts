// A real `bun src/server/main.ts` process, and reading what it logs.
import type { Child } from "./process.ts";

/** A server child that has logged the addresses it listens on. */
export interface ServerProcess extends Child {
  address: string;
  port: number;
  /** The admin API's base URL, e.g. http://127.0.0.1:40123. */
  adminUrl: string;
}

/**
 * The arguments for `bun src/server/main.ts --port 0 --admin-port 0 --db <db> --publish-rate 0
 * …extraArgs` (a later flag wins). The publish rate limit is off: load tests measure the
 * log, not the limiter; test/server/limits.test.ts checks the limiter.
 */
export function serverArgs(db: string, extraArgs: string[] = []): string[] {
  return [
    "src/server/main.ts",
    ...["--port", "0", "--admin-port", "0", "--db", db, "--publish-rate", "0"],
    ...extraArgs,
  ];
}

/** Waits until the server child logs `listening address=… admin=…`; fails if it exits first. */
export async function whenListening(child: Child, timeoutMs = 15_000): Promise<ServerProcess> {
  const match = await child.waitForStdout(/listening address=(\S+) admin=(\S+)/, timeoutMs);
  const address = match[1] as string;
  return Object.assign(child, { address, port: portOf(address), adminUrl: match[2] as string });
}

/** The port of a "host:port" address. */
function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

/**
 * The key=value fields of the first server log line for `event`
 * (`<time> <LEVEL> <component> <event> key=value …`), or undefined.
 */
export function logLine(stdout: string, event: string): Record<string, string> | undefined {
  for (const line of stdout.split("\n")) {
    const parts = line.split(" ");
    if (parts[3] !== event) continue;
    const fields: Record<string, string> = {};
    for (const m of line
      .slice(parts.slice(0, 4).join(" ").length)
      .matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
      const [, key, raw] = m as unknown as [string, string, string];
      fields[key] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    }
    return fields;
  }
  return undefined;
}
