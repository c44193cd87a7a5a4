import { expect } from "bun:test";
import type * as grpc from "@grpc/grpc-js";
import type { Broadcast__Output } from "../../src/protocol/proto.ts";
import type { LogEvent } from "../../src/store/event-log.ts";
import { grpcError, type Joined, type Recorder, TestClient } from "./grpc-client.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.ts";
import { tempDir } from "./temp.ts";
import { waitFor } from "./wait.ts";

/**
 * Everything one test starts (servers, clients, temp folders, streams), freed
 * together by `dispose()` in `afterEach`.
 */
export class Harness {
  #servers: TestServer[] = [];
  #clients: TestClient[] = [];
  #dirs: Disposable[] = [];

  async start(options: TestServerOptions = {}): Promise<TestServer> {
    const server = await startTestServer(options);
    this.#servers.push(server);
    return server;
  }

  client(address: string): TestClient {
    const client = new TrackedClient(address);
    this.#clients.push(client);
    return client;
  }

  /** A temp folder that outlives server restarts (removed on dispose). */
  dir(): string {
    const dir = tempDir();
    this.#dirs.push(dir);
    return dir.path;
  }

  async dispose(): Promise<void> {
    // Cancel every open stream first and let the servers see it. Under Bun 1.4.5 a
    // server ending a stream itself (shutdown) after a test hit bun's timeout can
    // block the event loop for good, hanging the whole run instead of failing one test.
    for (const client of this.#clients) {
      if (client instanceof TrackedClient) client.cancelAll();
    }
    await waitFor(() => this.#servers.every((s) => s.server.hub.subscriberCount() === 0), {
      timeoutMs: 2_000,
      what: "every stream to close",
    }).catch(() => {});
    for (const client of this.#clients.splice(0)) client.close();
    for (const server of this.#servers.splice(0).reverse()) await server.stop();
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

  cancelAll(): void {
    for (const recorder of this.#recorders.splice(0)) {
      if (recorder.status === undefined) recorder.cancel();
    }
  }
}

/** A stored event as a subscriber should receive it. */
export function asBroadcast(event: LogEvent, replayed: boolean): Broadcast__Output {
  return {
    seq: event.seq,
    logicalTime: event.logicalTime,
    kind: `EVENT_KIND_${event.kind.toUpperCase()}` as Broadcast__Output["kind"],
    participantId: event.participantId,
    name: event.name,
    content: event.content,
    sentAtMs: event.sentAtMs,
    replayed,
  };
}

/** A received event without the replay flag (which may legitimately go either way). */
export function withoutFlag({
  replayed: _,
  ...event
}: Broadcast__Output): Omit<Broadcast__Output, "replayed"> {
  return event;
}

/** Every event in the log, oldest first. */
export function wholeLog(server: TestServer): LogEvent[] {
  return server.log.readAfterSeq(0, 1_000_000);
}

/** The seqs 1..n. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** Expects the call to fail with exactly this status code and sentence. */
export async function expectStatus(
  promise: Promise<unknown>,
  code: grpc.status,
  details: string,
): Promise<void> {
  const error = await grpcError(promise);
  expect({ code: error.code, details: error.details }).toEqual({ code, details });
}

/** Expects a Subscribe stream to end with exactly this status code and sentence. */
export async function expectStreamStatus(
  recorder: Recorder,
  code: grpc.status,
  details: string,
): Promise<void> {
  const end = await recorder.waitForEnd();
  expect({ code: end.code, details: end.details, events: recorder.events }).toEqual({
    code,
    details,
    events: [],
  });
}

export interface PublishManyOptions {
  /** Messages are "<prefix> <i>" unless `text` says otherwise. */
  prefix?: string;
  text?: (i: number) => string;
  /** Calls in flight at a time. */
  concurrency?: number;
}

/** Publishes `count` messages (i = 0 … count - 1), several calls in flight at a time. */
export async function publishMany(
  client: TestClient,
  who: Pick<Joined, "participantId" | "metadata">,
  count: number,
  { prefix = "m", text = (i) => `${prefix} ${i}`, concurrency = 50 }: PublishManyOptions = {},
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      await client.publish(who, text(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** A raw unary call with hand-built request bytes; resolves with the raw response bytes. */
export function rawUnary(
  client: TestClient,
  method: "Join" | "Publish" | "Leave" | "Subscribe",
  body: Buffer,
  metadata: grpc.Metadata,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.raw.makeUnaryRequest(
      `/chitchat.v1.ChitChat/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      (error, response) => {
        if (error) reject(error);
        else resolve(response as Buffer);
      },
    );
  });
}

/** A length-delimited protobuf field (wire type 2) with a one-byte length. */
export function lengthDelimited(field: number, bytes: Uint8Array | string): Buffer {
  const body = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
  if (body.length > 127) throw new Error("lengthDelimited: keep test fields under 128 bytes");
  return Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);
}

/** A raw Subscribe with hand-built request bytes; resolves with the stream's final status. */
export function rawSubscribe(
  client: TestClient,
  body: Buffer,
  metadata: grpc.Metadata,
): Promise<{ status: grpc.StatusObject; messages: number }> {
  return new Promise((resolve) => {
    const call = client.raw.makeServerStreamRequest(
      "/chitchat.v1.ChitChat/Subscribe",
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
    );
    let messages = 0;
    call.on("data", () => {
      messages += 1;
    });
    call.on("error", () => {});
    call.on("status", (status) => resolve({ status, messages }));
  });
}

/** The value, or a test failure naming what was missing (instead of a non-null assertion). */
export function defined<T>(value: T | undefined, what = "value"): T {
  if (value === undefined) throw new Error(`expected ${what} to be defined`);
  return value;
}
