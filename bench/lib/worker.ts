// Worker processes driven over Bun's IPC channel: the orchestrator sends
// `{ id, cmd, args }`, the worker answers `{ id, result }` or `{ id, error }`.
// One process per role keeps a worker's CPU (gRPC decode) off the server's and
// the orchestrator's event loops.
import { type Subprocess, spawn } from "bun";
import { ROOT } from "../../test/support/process.ts";

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

type Handler = (args: never) => unknown | Promise<unknown>;

/** A worker's commands: name → handler taking one JSON argument. */
export type WorkerApi = Record<string, Handler>;

/** The orchestrator's handle on one worker process. */
export interface Worker<Api extends WorkerApi> {
  readonly pid: number;
  call<K extends keyof Api & string>(
    cmd: K,
    args: Parameters<Api[K]>[0],
  ): Promise<Awaited<ReturnType<Api[K]>>>;
  /** Kills the process (SIGKILL) and waits for it. */
  stop(): Promise<void>;
}

/** Starts `bun <script>` (a path under the repository) as an IPC worker. */
export function startWorker<Api extends WorkerApi>(script: string, name: string): Worker<Api> {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited = false;
  const proc: Subprocess = spawn([process.execPath, script], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "inherit",
    stderr: "inherit",
    serialization: "json",
    ipc(message: Reply) {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`${name}: ${message.error}`));
      else waiter.resolve(message.result);
    },
  });
  void proc.exited.then((code) => {
    exited = true;
    for (const waiter of pending.values()) {
      waiter.reject(new Error(`${name} exited (${code}) with a command pending`));
    }
    pending.clear();
  });
  return {
    pid: proc.pid,
    call(cmd, args) {
      if (exited) return Promise.reject(new Error(`${name} has exited`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, cmd, args });
      });
    },
    async stop() {
      if (!exited) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/** The worker side: answers commands with `api` until the parent goes away. */
export function serveWorker(api: WorkerApi): void {
  const send = (reply: Reply) => process.send?.(reply);
  process.on("message", (message: { id: number; cmd: string; args: unknown }) => {
    const handler = api[message.cmd] as ((args: unknown) => unknown) | undefined;
    if (!handler) {
      send({ id: message.id, error: `unknown command ${message.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args))
      .then(
        (result) => send({ id: message.id, result: result ?? null }),
        (error: unknown) =>
          send({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
      );
  });
  process.on("disconnect", () => process.exit(0));
}
