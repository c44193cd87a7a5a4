// The browser's transport, frame by frame, with a real WebSocket client against
// a real server: the same hub, rules, sentences and limits as gRPC.
import { afterEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import type { ChatEventRecord } from "../../src/protocol/events.ts";
import { checkName } from "../../src/protocol/validation.ts";
import { wholeLog } from "../support/events.ts";
import { grpcError } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { seededRandom } from "../support/random.ts";
import { openRawSocket } from "../support/raw-ws.ts";
import type { TestServer } from "../support/server.ts";
import { defined, range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";
import { type Frame, openSocket, type TestSocket } from "../support/ws-client.ts";

const h = new Harness();
const sockets: TestSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) await s.close();
  await h.dispose();
});

async function socket(server: TestServer): Promise<TestSocket> {
  const s = await openSocket(defined(server.adminUrl, "admin url"));
  sockets.push(s);
  return s;
}

type Joined = Extract<Frame, { type: "joined" }>;

async function join(s: TestSocket, name: string): Promise<Joined> {
  const reply = await s.request({ type: "join", name, logicalTime: 1 });
  if (reply.type !== "joined") throw new Error(`join failed: ${JSON.stringify(reply)}`);
  return reply;
}

const auth = (j: Joined) => ({ participantId: j.participantId, sessionToken: j.sessionToken });

const stored = (e: ChatEventRecord) => ({
  seq: e.seq,
  logicalTime: e.logicalTime,
  kind: e.kind,
  participantId: e.participantId,
  name: e.name,
  content: e.content,
  sentAtMs: e.sentAtMs,
});

describe("/ws frames", () => {
  test("join, subscribe, publish and leave go through the same log as gRPC", async () => {
    const server = await h.start({ admin: {} });
    const s = await socket(server);
    const alice = await join(s, "Alice");
    expect(alice).toEqual({
      type: "joined",
      id: expect.any(String),
      participantId: expect.any(String),
      name: "Alice",
      logicalTime: 2,
      seq: 1,
      sessionToken: expect.any(String),
      logId: server.log.logId,
    });
    s.send({ type: "subscribe", id: "sub", ...auth(alice), since: 1, logId: alice.logId });
    await s.next((f) => f.type === "subscribed", "subscribed");
    await s.next((f) => f.type === "events", "own JOIN");

    const client = h.client(server.address);
    const bo = await client.join("Bo", 0);
    const published = await s.request({
      type: "publish",
      ...auth(alice),
      content: "hi from a browser",
      logicalTime: 10,
      messageId: "m1",
    });
    expect(published).toEqual({
      type: "published",
      id: expect.any(String),
      logicalTime: 11,
      seq: 3,
    });
    await client.publish(bo, "hi from gRPC");
    const left = await s.request({ type: "leave", ...auth(alice), logicalTime: 20 });
    expect(left).toEqual({ type: "left", id: expect.any(String), logicalTime: 21, seq: 5 });
    await s.next((f) => f.type === "end" && f.id === "sub", "the subscription's end");

    // Exactly the log, in order, each event once; then the end, as gRPC's OK.
    const log = wholeLog(server);
    expect(log.map((e) => e.kind)).toEqual(["join", "join", "message", "message", "leave"]);
    expect(s.events().map(stored)).toEqual(log.map(stored));
    expect(
      s.frames
        .filter((f) => f.id === "sub")
        .map((f) => f.type)
        .at(-1),
    ).toBe("end");
    // The token is dead from then on, as over gRPC.
    const again = await s.request({ type: "leave", ...auth(alice), logicalTime: 30 });
    expect(again).toMatchObject({
      type: "error",
      code: "UNAUTHENTICATED",
      status: grpc.status.UNAUTHENTICATED,
      message: "this participant has left the chat; join again",
    });
  });

  test("a resume from logical time L on a new socket has no gap and no duplicate, then goes live", async () => {
    const server = await h.start({ admin: {} });
    const first = await socket(server);
    const alice = await join(first, "Alice");
    first.send({ type: "subscribe", id: 1, ...auth(alice), since: 1, logId: alice.logId });
    const client = h.client(server.address);
    const bo = await client.join("Bo");
    await client.publish(bo, "one");
    await first.next(
      (f) => f.type === "events" && f.events.some((e) => e.content === "one"),
      "one",
    );
    const seen = first.events();
    const last = defined(seen.at(-1));
    await first.close();

    for (const text of ["two", "three", "four"]) await client.publish(bo, text);
    const second = await socket(server);
    second.send({
      type: "subscribe",
      id: 2,
      ...auth(alice),
      since: last.logicalTime,
      logId: alice.logId,
    });
    await second.next(
      (f) => f.type === "events" && f.events.some((e) => e.content === "four"),
      "the replay",
    );
    await client.publish(bo, "five");
    await second.next(
      (f) => f.type === "events" && !f.replayed && f.events.some((e) => e.content === "five"),
      "the live event",
    );
    const all = [...seen, ...second.events()];
    expect(all.map((e) => e.seq)).toEqual(wholeLog(server).map((e) => e.seq));
    expect(second.events()[0]?.replayed).toBe(true);
  });

  test("malformed frames get an error frame, store nothing, and the socket goes on", async () => {
    const server = await h.start({ admin: {}, limits: { maxMessageBytes: 2048 } });
    const s = await socket(server);
    const before = wholeLog(server);
    const cases: [object | string | Uint8Array, string, string][] = [
      ["not json", "INVALID_ARGUMENT", "a frame must be one JSON object"],
      ["[1,2]", "INVALID_ARGUMENT", "a frame must be one JSON object"],
      ["null", "INVALID_ARGUMENT", "a frame must be one JSON object"],
      [
        { type: "shout" },
        "INVALID_ARGUMENT",
        'type must be one of join, subscribe, publish, leave (got "shout")',
      ],
      [{}, "INVALID_ARGUMENT", "type must be one of join, subscribe, publish, leave (got nothing)"],
      [{ type: "join", name: 7 }, "INVALID_ARGUMENT", "join: name must be a string"],
      [
        { type: "join", name: "A", logicalTime: -1 },
        "INVALID_ARGUMENT",
        "join: logicalTime must be a whole number, 0 or more",
      ],
      [
        { type: "join", name: "A", logicalTime: 1.5 },
        "INVALID_ARGUMENT",
        "join: logicalTime must be a whole number, 0 or more",
      ],
      [
        { type: "join", name: "A", id: { x: 1 } },
        "INVALID_ARGUMENT",
        "id must be a string of at most 64 characters or a whole number",
      ],
      [{ type: "join", name: "   " }, "INVALID_ARGUMENT", "name must not be empty"],
      [
        { type: "join", name: "A", logicalTime: 2 ** 53 },
        "INVALID_ARGUMENT",
        "join: logicalTime must be a whole number, 0 or more",
      ],
      [
        { type: "join", name: "A", logicalTime: 2 ** 52 + 1 },
        "INVALID_ARGUMENT",
        "logical_time must be at most 4503599627370496",
      ],
      [
        { type: "publish", participantId: "", sessionToken: "x", content: "hi" },
        "INVALID_ARGUMENT",
        "participant_id is required",
      ],
      [new Uint8Array([1, 2, 3]), "INVALID_ARGUMENT", "frames must be text (JSON), not binary"],
      [
        JSON.stringify({ type: "join", name: "x".repeat(3000) }),
        "RESOURCE_EXHAUSTED",
        expect.stringMatching(
          /^frame of \d+ bytes is larger than the limit of 2048 bytes$/,
        ) as unknown as string,
      ],
    ];
    for (const [frame, code, message] of cases) {
      const from = s.frames.length;
      s.send(frame);
      const reply: unknown = await s.next(() => true, `the answer to ${String(frame)}`, from);
      expect(reply).toEqual({
        type: "error",
        id: null,
        code,
        status: grpc.status[code as keyof typeof grpc.status],
        message,
      });
    }
    expect(wholeLog(server)).toEqual(before);
    // Still the same socket, still working.
    expect((await join(s, "Alice")).seq).toBe(before.length + 1);
  });

  test("a frame past four times the limit closes the socket (1009) and changes nothing", async () => {
    const server = await h.start({ admin: {}, limits: { maxMessageBytes: 16 * 1024 } });
    const s = await socket(server);
    const before = wholeLog(server);
    s.send(JSON.stringify({ type: "join", name: "x".repeat(200 * 1024) }));
    expect(await s.closed).toBe(1009);
    expect(wholeLog(server)).toEqual(before);
    // The server serves on.
    expect((await join(await socket(server), "Alice")).seq).toBe(1);
  });

  test("300 seeded hostile frames: an answer each, never INTERNAL, nothing stored the tokens do not allow, the server serves on", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const random = seededRandom(seed);
    const server = await h.start({ admin: {} });
    const s = await socket(server);
    const victim = await join(s, "Victim");
    const before = wholeLog(server);
    const values = [
      null,
      true,
      -1,
      1.5,
      2 ** 60,
      "",
      " ",
      "\u0000",
      "x".repeat(200),
      [],
      {},
      [1],
      { a: 1 },
      victim.participantId,
      victim.sessionToken,
      "\u202eoB",
      "\ud800",
    ];
    const fields = [
      "type",
      "id",
      "name",
      "logicalTime",
      "participantId",
      "sessionToken",
      "content",
      "since",
      "logId",
      "messageId",
    ];
    const types = ["join", "subscribe", "publish", "leave", "JOIN", "", 7, null];
    const frames: (string | Uint8Array)[] = [];
    for (let i = 0; i < 300; i++) {
      const shape = random.below(4);
      if (shape === 0) frames.push(random.bytes(1 + random.below(40)).toString("latin1"));
      else if (shape === 1) frames.push(random.bytes(1 + random.below(40)));
      else {
        const frame: Record<string, unknown> = { type: random.pick(types) };
        for (let f = random.below(5); f > 0; f--) frame[random.pick(fields)] = random.pick(values);
        // Never a well-formed join with a usable name: those would rightly store a JOIN.
        if (frame.type === "join" && typeof frame.name === "string" && checkName(frame.name).ok) {
          frame.name = 5;
        }
        frames.push(JSON.stringify(frame));
      }
    }
    const from = s.frames.length;
    for (const frame of frames) s.send(frame);
    const answers = await waitFor(
      () => (s.frames.length - from >= frames.length ? s.frames.slice(from) : undefined),
      { what: `an answer to each of ${frames.length} frames (FUZZ_SEED=${seed})` },
    );
    // A refusal with a code and a sentence, never INTERNAL; or what the victim's own token may do.
    const problems = answers.filter((f) =>
      f.type === "error"
        ? f.code === "INTERNAL" || f.message === ""
        : !["subscribed", "events", "published", "left", "end"].includes(f.type),
    );
    expect(problems, `FUZZ_SEED=${seed}`).toEqual([]);
    // Nothing stored but what the victim's token allows (its messages, its leave).
    const stored = wholeLog(server).slice(before.length);
    expect(
      stored.filter((e) => e.participantId !== victim.participantId || e.kind === "join"),
      `FUZZ_SEED=${seed}`,
    ).toEqual([]);
    expect((await join(await socket(server), "After")).name).toBe("After");
  });

  test("a wrong or missing token, a stranger, another log, a future since: gRPC's codes and sentences", async () => {
    const server = await h.start({ admin: {} });
    const s = await socket(server);
    const alice = await join(s, "Alice");
    const client = h.client(server.address);
    const wrong = { ...alice, sessionToken: "not-the-token" };
    const grpcWrong = { participantId: alice.participantId, metadata: new grpc.Metadata() };
    grpcWrong.metadata.set("authorization", "Bearer not-the-token");
    const viaGrpc = await grpcError(client.publish(grpcWrong, "hi"));
    const before = wholeLog(server);

    const expectError = async (frame: object, code: string, message: string) => {
      const reply: unknown = await s.request(frame);
      expect(reply).toEqual({
        type: "error",
        id: expect.any(String),
        code,
        status: grpc.status[code as keyof typeof grpc.status],
        message,
      });
    };
    await expectError(
      { type: "publish", ...auth(wrong), content: "hi" },
      "UNAUTHENTICATED",
      viaGrpc.details,
    );
    await expectError(
      { type: "publish", participantId: alice.participantId, content: "hi" },
      "UNAUTHENTICATED",
      "missing session token: send the sessionToken from your join",
    );
    await expectError(
      { type: "leave", participantId: "nobody", sessionToken: "x" },
      "NOT_FOUND",
      'no participant with id "nobody"',
    );
    await expectError(
      { type: "subscribe", ...auth(alice), logId: "another-log" },
      "FAILED_PRECONDITION",
      `this server's event log is not the one you joined (it holds log ${alice.logId}, not another-log)`,
    );
    await expectError(
      { type: "subscribe", ...auth(wrong) },
      "UNAUTHENTICATED",
      "the session token does not belong to this participant",
    );
    await expectError(
      { type: "publish", ...auth(alice), content: "x".repeat(129) },
      "INVALID_ARGUMENT",
      "message must be at most 128 characters (got 129)",
    );
    // A since past the log: the subscription is answered, then ended OUT_OF_RANGE, as gRPC does.
    s.send({ type: "subscribe", id: "ahead", ...auth(alice), since: 999 });
    const end = await s.next((f) => f.id === "ahead" && f.type === "error", "OUT_OF_RANGE");
    expect(end).toMatchObject({
      code: "OUT_OF_RANGE",
      message: "since 999 is ahead of the log (its newest logical time is 2)",
    });
    expect(wholeLog(server)).toEqual(before);
  });

  test("the publish rate limit answers RESOURCE_EXHAUSTED with a retry hint; a retry with the same message id stores once", async () => {
    const server = await h.start({ admin: {}, limits: { publishRate: 2, publishBurst: 1 } });
    const s = await socket(server);
    const alice = await join(s, "Alice");
    const send = (messageId: string) =>
      s.request({ type: "publish", ...auth(alice), content: "hi", messageId });
    expect((await send("a")).type).toBe("published");
    const refused = await send("b");
    expect(refused).toEqual({
      type: "error",
      id: expect.any(String),
      code: "RESOURCE_EXHAUSTED",
      status: grpc.status.RESOURCE_EXHAUSTED,
      message: expect.stringMatching(
        /^publish rate limit: 2\/s \(bursts of 1\); try again in \d+ ms$/,
      ),
      retryAfterMs: expect.any(Number),
    });
    expect(wholeLog(server).filter((e) => e.kind === "message")).toHaveLength(1);
    // The same message id again is answered from the log, whatever the rate.
    const retried = await send("a");
    expect(retried).toMatchObject({ type: "published", seq: 2 });
    expect(wholeLog(server).filter((e) => e.kind === "message")).toHaveLength(1);
  });

  test("a join past --max-participants is refused with gRPC's sentence", async () => {
    const server = await h.start({ admin: {}, limits: { maxParticipants: 1 } });
    const s = await socket(server);
    await join(s, "Alice");
    const reply = await s.request({ type: "join", name: "Bo" });
    expect(reply).toMatchObject({
      type: "error",
      code: "RESOURCE_EXHAUSTED",
      message: "the chat is full (1 participants); try again when someone has left",
    });
  });

  test("the admin token guards the admin API but never /ws", async () => {
    const server = await h.start({ admin: { token: "secret" } });
    const url = defined(server.adminUrl);
    expect((await fetch(`${url}/participants`)).status).toBe(401);
    const s = await socket(server);
    expect((await join(s, "Alice")).name).toBe("Alice");
    const plain = await fetch(`${url}/ws`);
    expect({ status: plain.status, body: await plain.json() }).toEqual({
      status: 426,
      body: { error: "this endpoint is a WebSocket: connect with a WebSocket client" },
    });
  });

  test("an idle subscription gets heartbeats naming the log's top", async () => {
    const server = await h.start({ admin: {}, heartbeatMs: 50 });
    const s = await socket(server);
    const alice = await join(s, "Alice");
    s.send({ type: "subscribe", id: "hb", ...auth(alice), since: 1 });
    const beat = await s.next((f) => f.type === "heartbeat", "a heartbeat");
    const top = server.view.top();
    expect(beat).toEqual({
      type: "heartbeat",
      id: "hb",
      seq: top.seq,
      logicalTime: top.logicalTime,
    });
  });

  test("closing the socket detaches its subscription, and the leave grace starts", async () => {
    const server = await h.start({ admin: {}, leaveGraceMs: 50 });
    const s = await socket(server);
    const alice = await join(s, "Alice");
    s.send({ type: "subscribe", id: 1, ...auth(alice), since: 1 });
    await s.next((f) => f.type === "events", "own JOIN");
    expect(server.server.hub.subscriberCount()).toBe(1);
    await s.close();
    await waitFor(() => wholeLog(server).some((e) => e.kind === "leave"), { what: "the LEAVE" });
    expect(server.server.hub.subscriberCount()).toBe(0);
  });
});

describe("a browser socket that stops reading", () => {
  test("is bounded like a slow gRPC subscriber: others are not delayed, and it later gets everything once, in order, from the log", async () => {
    // Enough bytes to fill the kernel's socket buffers on loopback (several MB) first.
    const COUNT = 24_000;
    const BATCH = 200;
    const text = (i: number) => String(i).padStart(128, "x");
    const server = await h.start({ admin: {}, leaveGraceMs: 600_000 });
    const slow = await openRawSocket(defined(server.adminUrl));
    slow.send({ type: "join", id: "j", name: "Slow", logicalTime: 1 });
    const joined = (await waitFor(() => slow.frames.find((f) => f.type === "joined"), {
      what: "joined",
    })) as Joined;
    slow.send({ type: "subscribe", id: "s", ...auth(joined), since: 1 });
    await waitFor(() => slow.frames.some((f) => f.type === "events"), { what: "own JOIN" });
    // Stop reading: the kernel's buffers fill, then Bun reports backpressure.
    slow.socket.pause();

    const fast = await socket(server);
    const fastWho = await join(fast, "Fast");
    fast.send({ type: "subscribe", id: "s", ...auth(fastWho), since: fastWho.logicalTime - 1 });
    const p = h.client(server.address);
    const pub = await p.join("Pub".padEnd(32, "b"));
    // Straight into the log, a commit at a time: the hub fans out what the log holds.
    for (let i = 0; i < COUNT; i += BATCH) {
      await server.log.append(
        range(i, i + BATCH - 1).map((n) => ({
          kind: "message" as const,
          participantId: pub.participantId,
          name: pub.name,
          logicalTime: 0,
          content: text(n),
          messageId: null,
        })),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    const top = server.view.top().seq;
    await waitFor(() => fast.events().length >= top - fastWho.seq + 1, {
      timeoutMs: 20_000,
      what: "every event at the fast socket",
    });
    expect(fast.events().map((e) => e.seq)).toEqual(range(fastWho.seq, top));
    // The hub's account: the slow socket's live queue overflowed into the log, within its bound.
    const stats = server.server.hub.queueStats();
    expect(stats.fallbacks).toBeGreaterThanOrEqual(1);
    expect(stats.peakEvents).toBeLessThanOrEqual(1024);

    slow.socket.resume();
    const events = () =>
      slow.frames.flatMap((f) =>
        f.type === "events" ? f.events.map((e) => ({ seq: e.seq, replayed: f.replayed })) : [],
      );
    await waitFor(() => events().length >= top, {
      timeoutMs: 20_000,
      what: "the slow socket's catch-up",
    });
    expect(events().map((e) => e.seq)).toEqual(range(1, top));
    // Most of it came from the log, not from memory held for the stalled socket.
    expect(events().filter((e) => e.seq > 3 && e.replayed).length).toBeGreaterThan(COUNT / 4);
    slow.close();
  });
});
