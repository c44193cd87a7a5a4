// Helpers for the process-level tests (test/process): real server processes,
// their log lines, and the SQLite file read directly once the server is gone.
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Broadcast__Output } from "../../src/protocol/proto.ts";
import { TestClient } from "./grpc-client.ts";
import { type Child, spawnBun } from "./process.ts";
import { tempDir } from "./temp.ts";
import { waitFor } from "./wait.ts";

export type ServerChild = Child & { address: string };

/** A row of the `events` table, with the columns a client can see. */
export interface EventRow {
  seq: number;
  logicalTime: number;
  kind: "join" | "message" | "leave";
  participantId: string;
  name: string;
  content: string;
  messageId: string | null;
  sentAtMs: number;
}

/** Every event in the log file at `path`, in seq order; opens it read-only. */
export function readEvents(path: string): EventRow[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare(
        `select seq, logical_time as logicalTime, kind, participant_id as participantId,
                name, content, message_id as messageId, sent_at_ms as sentAtMs
         from events order by seq`,
      )
      .all() as EventRow[];
  } finally {
    db.close();
  }
}

const KIND_WORD: Record<string, EventRow["kind"]> = {
  EVENT_KIND_JOIN: "join",
  EVENT_KIND_MESSAGE: "message",
  EVENT_KIND_LEAVE: "leave",
};

/** A received Broadcast in the shape of a log row (without message_id, which is not sent). */
export function broadcastAsRow(event: Broadcast__Output): Omit<EventRow, "messageId"> {
  return {
    seq: event.seq,
    logicalTime: event.logicalTime,
    kind: KIND_WORD[event.kind] ?? (event.kind as EventRow["kind"]),
    participantId: event.participantId,
    name: event.name,
    content: event.content,
    sentAtMs: event.sentAtMs,
  };
}

/** A log row without message_id, to compare with a Broadcast. */
export function visible(row: EventRow): Omit<EventRow, "messageId"> {
  const { messageId: _, ...rest } = row;
  return rest;
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

/** The port of a "host:port" address. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

/** Waits until the child exits; returns its exit code and how long that took. */
export async function exitOf(
  child: Child,
  timeoutMs = 5_000,
): Promise<{ code: number | null; signal: Child["proc"]["signalCode"]; ms: number }> {
  const start = performance.now();
  await waitFor(() => child.proc.exitCode !== null || child.proc.signalCode !== null, {
    timeoutMs,
    what: "the server process to exit",
  }).catch((error) => {
    throw new Error(
      `${(error as Error).message}\nstdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`,
    );
  });
  await child.exited;
  return {
    code: child.proc.exitCode,
    signal: child.proc.signalCode,
    ms: performance.now() - start,
  };
}

/**
 * Owns everything a process test starts (temp folders, server processes,
 * clients) and tears it all down in `cleanup` (call it from afterEach).
 */
export class ProcessHarness {
  readonly #dirs: (ReturnType<typeof tempDir> & Disposable)[] = [];
  readonly #children: Child[] = [];
  readonly #clients: TestClient[] = [];

  /** A path for a database file in a fresh temp folder. */
  dbPath(): string {
    const dir = tempDir("chitchat-process-");
    this.#dirs.push(dir);
    return join(dir.path, "chitchat.db");
  }

  /** `bun src/server/main.ts --port 0 --db <db> …extraArgs` (a later --port wins). */
  async server(db: string, extraArgs: string[] = []): Promise<ServerChild> {
    // Like spawnServer, but tracked before it is awaited, so a server that never
    // says "listening" is still killed by cleanup.
    const child = this.bun(["src/server/main.ts", "--port", "0", "--db", db, ...extraArgs]);
    const match = await child.waitForStdout(/listening address=(\S+)/);
    return Object.assign(child, { address: match[1] as string });
  }

  /** Any `bun <args>` child (for --help, bad flags, env twins). */
  bun(args: string[], env: Record<string, string> = {}): Child {
    const child = spawnBun(args, env);
    this.#children.push(child);
    return child;
  }

  client(address: string): TestClient {
    const c = new TestClient(address);
    this.#clients.push(c);
    return c;
  }

  async cleanup(): Promise<void> {
    for (const c of this.#clients.splice(0)) c.close();
    for (const child of this.#children.splice(0)) await child[Symbol.asyncDispose]();
    for (const dir of this.#dirs.splice(0)) dir[Symbol.dispose]();
  }
}
