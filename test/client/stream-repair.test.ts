// The real server never sends a hole in seq or ends a stream for no reason, so
// these paths are driven by a scripted gRPC server that speaks the contract.
import { afterEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import {
  type ChatEvent,
  type ChatSession,
  createChatSession,
  type SessionStatus,
} from "../../src/client/session.ts";
import { ChatError } from "../../src/protocol/errors.ts";
import {
  type Broadcast,
  type BroadcastBatch,
  type ChitChatHandlers,
  loadChitChat,
  type PublishAck,
  type PublishRequest__Output,
  type SubscribeRequest__Output,
} from "../../src/protocol/proto.ts";
import { waitFor } from "../support/wait.ts";

type Stream = grpc.ServerWritableStream<SubscribeRequest__Output, Broadcast>;
type BatchStream = grpc.ServerWritableStream<SubscribeRequest__Output, BroadcastBatch>;

interface Script {
  /** Runs for the n-th Subscribe (0-based); a server without SubscribeBatches. */
  subscribe?: (call: Stream, n: number) => void;
  /** Runs for the n-th SubscribeBatches (0-based); the server then has it. */
  subscribeBatches?: (call: BatchStream, n: number) => void;
  /** Answers the n-th Publish (0-based). */
  publish?: (n: number) => grpc.ServiceError | PublishAck;
}

const JOIN_LT = 2;

function event(seq: number, logicalTime: number, content = `event ${seq}`): Broadcast {
  return {
    seq,
    logicalTime,
    kind: seq === 1 ? "EVENT_KIND_JOIN" : "EVENT_KIND_MESSAGE",
    participantId: "p1",
    name: "A",
    content,
    sentAtMs: 1,
    replayed: false,
  };
}

let server: grpc.Server | undefined;
let session: ChatSession | undefined;

afterEach(async () => {
  session?.close();
  session = undefined;
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
  server?.forceShutdown();
  server = undefined;
});

async function scripted(script: Script) {
  const requests: { since: number; logId: string; auth: string }[] = [];
  const cancelled: number[] = [];
  const published: PublishRequest__Output[] = [];
  const record = (call: Stream | BatchStream) => {
    const n = requests.length;
    requests.push({
      since: call.request.since,
      logId: call.request.logId,
      auth: String(call.metadata.get("authorization")[0]),
    });
    call.on("cancelled", () => cancelled.push(n));
    return n;
  };
  const handlers: Pick<ChitChatHandlers, "Join" | "Publish" | "Leave" | "Subscribe"> &
    Partial<Pick<ChitChatHandlers, "SubscribeBatches">> = {
    Join: (_call, callback) =>
      callback(null, {
        participantId: "p1",
        name: "A",
        logicalTime: JOIN_LT,
        seq: 1,
        sessionToken: "secret",
        logId: "log-1",
      }),
    Publish: (call, callback) => {
      const answer = script.publish?.(published.length) ?? { logicalTime: 99, seq: 99 };
      published.push(call.request);
      if ("code" in answer) callback(answer);
      else callback(null, answer);
    },
    Leave: (_call, callback) => callback(null, { logicalTime: 100, seq: 100 }),
    Subscribe: (call: Stream) => {
      const n = record(call);
      if (script.subscribe) script.subscribe(call, n);
      else call.emit("error", { code: grpc.status.INTERNAL, details: "the client used Subscribe" });
    },
  };
  // Without a batch script the server is an older one: no SubscribeBatches
  // (UNIMPLEMENTED), so the session falls back to Subscribe.
  const { subscribeBatches } = script;
  if (subscribeBatches) {
    handlers.SubscribeBatches = (call: BatchStream) => subscribeBatches(call, record(call));
  }
  const s = new grpc.Server();
  s.addService(loadChitChat().ChitChat.service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    s.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  server = s;
  const events: ChatEvent[] = [];
  const statuses: SessionStatus[] = [];
  session = createChatSession({
    server: `127.0.0.1:${port}`,
    name: "A",
    backoff: { initialMs: 20, maxMs: 100 },
    onEvent: (e) => events.push(e),
    onStatus: (st) => statuses.push(st),
  });
  await session.join();
  return { session, events, statuses, requests, cancelled, published };
}

describe("stream repair", () => {
  test("a hole in seq drops the stream and resumes after the last delivered event", async () => {
    const t = await scripted({
      subscribe(call, n) {
        if (n === 0) {
          call.write(event(1, JOIN_LT));
          call.write(event(3, 9)); // seq 2 is missing
          call.write(event(4, 10));
        } else {
          call.write(event(1, JOIN_LT)); // already delivered: dropped
          call.write(event(2, 5));
          call.write(event(3, 9));
          call.write(event(4, 10));
        }
      },
    });
    await waitFor(() => t.events.some((e) => e.seq === 4), { what: "seq 4" });
    expect(t.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(t.requests).toEqual([
      { since: JOIN_LT - 1, logId: "log-1", auth: "Bearer secret" },
      { since: JOIN_LT, logId: "log-1", auth: "Bearer secret" },
    ]);
    expect(t.statuses).toEqual([
      { type: "connected", since: JOIN_LT - 1, resumed: false },
      { type: "gap", expectedSeq: 2, receivedSeq: 3, since: JOIN_LT },
      { type: "connected", since: JOIN_LT, resumed: true },
    ]);
    await waitFor(() => t.cancelled.includes(0), { what: "the gapped stream to be cancelled" });
    // The clock merged every time it received, gapped events included.
    expect(t.session.time).toBeGreaterThan(10);
  });

  test("an older server without SubscribeBatches is used through Subscribe, no retry shown", async () => {
    const t = await scripted({ subscribe: (call) => call.write(event(1, JOIN_LT)) });
    await waitFor(() => t.events.length === 1, { what: "the JOIN" });
    expect(t.statuses).toEqual([{ type: "connected", since: JOIN_LT - 1, resumed: false }]);
    expect(t.requests).toHaveLength(1);
  });

  test("a batch's events go through the same checks: a hole mid-batch resumes, the rest is dropped", async () => {
    const t = await scripted({
      subscribeBatches(call, n) {
        if (n === 0) {
          // seq 3 is missing; 4 and 5 come after the hole in the same batch.
          call.write({ events: [event(1, JOIN_LT), event(2, 5), event(4, 10), event(5, 11)] });
        } else {
          // 2 was delivered already: dropped as a duplicate, the rest delivered once.
          call.write({ events: [event(2, 5), event(3, 9)] });
          call.write({ events: [event(4, 10), event(5, 11)] });
        }
      },
    });
    await waitFor(() => t.events.some((e) => e.seq === 5), { what: "seq 5" });
    expect(t.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(t.requests.map((r) => r.since)).toEqual([JOIN_LT - 1, 5]);
    expect(t.statuses).toEqual([
      { type: "connected", since: JOIN_LT - 1, resumed: false },
      { type: "gap", expectedSeq: 3, receivedSeq: 4, since: 5 },
      { type: "connected", since: 5, resumed: true },
    ]);
    await waitFor(() => t.cancelled.includes(0), { what: "the gapped stream to be cancelled" });
  });

  test("a heartbeat batch past the last delivered event resumes the stream", async () => {
    const heartbeat: Broadcast = {
      ...event(2, 5, ""),
      kind: "EVENT_KIND_HEARTBEAT",
      participantId: "",
      name: "",
      sentAtMs: 0,
    };
    const t = await scripted({
      subscribeBatches(call, n) {
        if (n === 0) {
          call.write({ events: [event(1, JOIN_LT)] });
          call.write({ events: [heartbeat] });
        } else {
          call.write({ events: [event(2, 5)] });
        }
      },
    });
    await waitFor(() => t.events.some((e) => e.seq === 2), { what: "seq 2" });
    expect(t.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(t.statuses).toContainEqual({ type: "behind", lastSeq: 1, topSeq: 2, since: JOIN_LT });
    expect(t.requests.map((r) => r.since)).toEqual([JOIN_LT - 1, JOIN_LT]);
  });

  test("the first event must be our JOIN when we subscribe from it", async () => {
    const t = await scripted({
      subscribe(call, n) {
        if (n === 0) call.write(event(2, 5));
        else
          for (const [seq, lt] of [
            [1, JOIN_LT],
            [2, 5],
          ] as const)
            call.write(event(seq, lt));
      },
    });
    await waitFor(() => t.events.some((e) => e.seq === 2), { what: "seq 2" });
    expect(t.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(t.statuses[1]).toEqual({ type: "gap", expectedSeq: 1, receivedSeq: 2, since: 1 });
  });

  test("a broken stream is resumed with backoff from the last delivered event", async () => {
    const t = await scripted({
      subscribe(call, n) {
        if (n === 0) {
          call.write(event(1, JOIN_LT));
          call.write(event(2, 5));
          call.emit("error", { code: grpc.status.UNAVAILABLE, details: "server shutting down" });
        } else if (n === 1) {
          call.emit("error", { code: grpc.status.INTERNAL, details: "hiccup" });
        } else {
          call.write(event(2, 5));
          call.write(event(3, 7));
        }
      },
    });
    await waitFor(() => t.events.some((e) => e.seq === 3), { what: "seq 3" });
    expect(t.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(t.requests.map((r) => r.since)).toEqual([1, 5, 5]);
    const retries = t.statuses.filter((s) => s.type === "reconnecting");
    expect(retries.map((s) => [s.attempt, s.reason])).toEqual([
      [1, "server shutting down"],
      [2, "hiccup"],
    ]);
  });

  test("a stream that ends OK without our LEAVE is resumed, not taken as the end", async () => {
    const t = await scripted({
      subscribe(call, n) {
        call.write(event(n + 1, JOIN_LT + n));
        if (n === 0) call.end();
      },
    });
    await waitFor(() => t.events.some((e) => e.seq === 2), { what: "seq 2" });
    expect(t.session.state).toBe("joined");
    expect(t.requests.map((r) => r.since)).toEqual([1, JOIN_LT]);
  });

  for (const [code, chatCode] of [
    [grpc.status.UNAUTHENTICATED, "unauthenticated"],
    [grpc.status.FAILED_PRECONDITION, "failed_precondition"],
    [grpc.status.ABORTED, undefined],
  ] as const) {
    test(`${grpc.status[code]} on Subscribe is final`, async () => {
      const t = await scripted({
        subscribe(call) {
          call.emit("error", { code, details: "no way" });
        },
      });
      const end = await t.session.done;
      expect(end.reason).toBe("failed");
      const error = (end as { error: Error }).error;
      if (chatCode) expect(error).toEqual(new ChatError(chatCode, "no way"));
      else expect(error.message).toBe("ABORTED: no way");
      expect(t.requests).toHaveLength(1);
      expect(t.statuses.at(-1)).toEqual({ type: "error", error });
    });
  }

  test("publish retries UNAVAILABLE with the same message id and logical time", async () => {
    const unavailable = Object.assign(new Error("down"), {
      code: grpc.status.UNAVAILABLE,
      details: "down",
      metadata: new grpc.Metadata(),
    });
    const t = await scripted({
      subscribe: (call) => call.write(event(1, JOIN_LT)),
      publish: (n) => (n < 2 ? unavailable : { logicalTime: 40, seq: 2 }),
    });
    await waitFor(() => t.events.length === 1, { what: "the JOIN" });
    const clockBefore = t.session.time;
    expect(await t.session.publish("hello")).toEqual({ logicalTime: 40, seq: 2 });
    expect(t.published).toHaveLength(3);
    const [first, ...retries] = t.published;
    expect(first).toMatchObject({
      participantId: "p1",
      content: "hello",
      logicalTime: clockBefore + 1,
    });
    expect(first?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    for (const retry of retries) expect(retry).toEqual(first as PublishRequest__Output);
    // The ack's time was merged into the clock.
    expect(t.session.time).toBe(41);
  });

  test("publish rejects other errors with the server's sentence, at once", async () => {
    const t = await scripted({
      subscribe: (call) => call.write(event(1, JOIN_LT)),
      publish: () =>
        Object.assign(new Error("bad"), {
          code: grpc.status.RESOURCE_EXHAUSTED,
          details: "slow down",
          metadata: new grpc.Metadata(),
        }),
    });
    const error = await t.session.publish("hello").catch((e: unknown) => e);
    expect(error).toEqual(new ChatError("resource_exhausted", "slow down"));
    expect(t.published).toHaveLength(1);
    // The session goes on.
    expect(t.session.state).toBe("joined");
  });
});
