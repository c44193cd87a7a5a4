import { join } from "node:path";
import type { ConnectionOptions } from "../../bench/lib/grpc.ts";
import type { ChatSessionOptions } from "../../src/client/session.ts";
import { type Recorder, TestClient } from "./grpc-client.ts";
import { type Child, spawnBun } from "./process.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.ts";
import { type ServerProcess, serverArgs, whenListening } from "./server-process.ts";
import { type TrackedSession, trackSession } from "./sessions.ts";
import { startTcpProxy, type TcpProxy, type TcpProxyOptions } from "./tcp-proxy.ts";
import { tempDir } from "./temp.ts";
import { waitFor } from "./wait.ts";

/**
 * Everything one test starts (in-process servers, child processes, gRPC clients
 * and their streams, temp folders), freed together by `dispose()` in `afterEach`.
 */
export class Harness {
  readonly #servers: TestServer[] = [];
  readonly #children: Child[] = [];
  readonly #clients: TrackedClient[] = [];
  readonly #dirs: Disposable[] = [];
  readonly #proxies: TcpProxy[] = [];
  readonly #sessions: TrackedSession[] = [];

  /** A real ChitChat server in this process (see startTestServer). */
  async start(options: TestServerOptions = {}): Promise<TestServer> {
    const server = await startTestServer(options);
    this.#servers.push(server);
    return server;
  }

  /**
   * A real server process on `db` (see serverArgs), once it listens. It is
   * tracked before that, so one that never listens is still killed.
   */
  server(
    db: string,
    extraArgs: string[] = [],
    timeoutMs?: number,
    env: Record<string, string> = {},
  ): Promise<ServerProcess> {
    return whenListening(this.bun(serverArgs(db, extraArgs), env), timeoutMs);
  }

  /** Any `bun <args>` child, in an environment without CHITCHAT_* variables plus `env`. */
  bun(args: string[], env: Record<string, string> = {}): Child {
    const child = spawnBun(args, env);
    this.#children.push(child);
    return child;
  }

  /** A TCP proxy in front of `target` (see startTcpProxy). */
  async proxy(options: TcpProxyOptions): Promise<TcpProxy> {
    const proxy = await startTcpProxy(options);
    this.#proxies.push(proxy);
    return proxy;
  }

  /** A real client session that records what it reports (see trackSession); closed on dispose. */
  session(
    address: string,
    name: string,
    options: Partial<ChatSessionOptions> = {},
  ): TrackedSession {
    const tracked = trackSession(address, name, options);
    this.#sessions.push(tracked);
    return tracked;
  }

  /** `count` sessions named `<prefix>0`, `<prefix>1`, …, joined one after another. */
  async joinedSessions(
    address: string,
    count: number,
    prefix: string,
    options: Partial<ChatSessionOptions> = {},
  ): Promise<TrackedSession[]> {
    const sessions: TrackedSession[] = [];
    for (let i = 0; i < count; i += 1) {
      const tracked = this.session(address, `${prefix}${i}`, options);
      await tracked.session.join();
      sessions.push(tracked);
    }
    return sessions;
  }

  /** A client on its own connection (grpc-js's default receive window unless `connection` says). */
  client(address: string, connection: ConnectionOptions = {}): TestClient {
    const client = new TrackedClient(address, connection);
    this.#clients.push(client);
    return client;
  }

  /** A temp folder that outlives server restarts (removed on dispose). */
  dir(): string {
    const dir = tempDir();
    this.#dirs.push(dir);
    return dir.path;
  }

  /** A path for a database file in a fresh temp folder. */
  dbPath(): string {
    return join(this.dir(), "chitchat.db");
  }

  async dispose(): Promise<void> {
    // Cancel every open stream first and let the servers see it. Under Bun 1.4.5 a
    // server ending a stream itself (shutdown) after a test hit bun's timeout can
    // block the event loop for good, hanging the whole run instead of failing one test.
    for (const { session } of this.#sessions.splice(0)) session.close();
    for (const client of this.#clients) client.cancelAll();
    await waitFor(() => this.#servers.every((s) => s.server.hub.subscriberCount() === 0), {
      timeoutMs: 2_000,
      what: "every stream to close",
    }).catch(() => {});
    for (const client of this.#clients.splice(0)) client.close();
    await Promise.all(this.#proxies.splice(0).map((proxy) => proxy.close()));
    for (const server of this.#servers.splice(0).reverse()) await server.stop();
    await Promise.all(this.#children.splice(0).map((child) => child.kill()));
    for (const dir of this.#dirs.splice(0)) dir[Symbol.dispose]();
  }
}

/** A TestClient that remembers its streams, so they can all be cancelled. */
class TrackedClient extends TestClient {
  #recorders: Recorder[] = [];

  override subscribe(...args: Parameters<TestClient["subscribe"]>): Recorder {
    const recorder = super.subscribe(...args);
    this.#recorders.push(recorder);
    return recorder;
  }

  override subscribeBatches(...args: Parameters<TestClient["subscribeBatches"]>): Recorder {
    const recorder = super.subscribeBatches(...args);
    this.#recorders.push(recorder);
    return recorder;
  }

  cancelAll(): void {
    for (const recorder of this.#recorders.splice(0)) {
      if (recorder.status === undefined) recorder.cancel();
    }
  }
}
