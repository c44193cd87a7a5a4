// The limits a hostile or runaway client meets: request size, publish rate,
// participants, and one stream per participant. Each rejection stores nothing.
import { afterEach, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { createChatSession } from "../../src/client/session.ts";
import { RETRY_AFTER_METADATA } from "../../src/protocol/errors.ts";
import { readEvents } from "../support/db-file.ts";
import { wholeLog } from "../support/events.ts";
import { expectStatus, expectStreamStatus } from "../support/expect-status.ts";
import { grpcError, type Recorder } from "../support/grpc-client.ts";
import { rawSubscribe } from "../support/grpc-raw.ts";
import { Harness } from "../support/harness.ts";
import { defined } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

describe("--max-message-bytes", () => {
  test("a request over the limit is RESOURCE_EXHAUSTED from grpc-js, stores nothing, and the server goes on", async () => {
    const server = await h.start({ limits: { maxMessageBytes: 2048 } });
    const client = h.client(server.address);
    const alice = await client.join("Alice");
    const before = wholeLog(server);

    const big = "x".repeat(4096);
    for (const call of [
      () => client.publish(alice, big),
      () => client.join(big),
      () => client.leave({ ...alice, participantId: big }),
    ]) {
      const error = await grpcError(call());
      expect({ code: error.code, details: error.details }).toEqual({
        code: status.RESOURCE_EXHAUSTED,
        details: expect.stringMatching(/^Received message larger than max \(\d+ vs 2048\)$/),
      });
    }
    const stream = client.subscribe(alice, { logId: big });
    const end = await stream.waitForEnd();
    expect({ code: end.code, events: stream.events }).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      events: [],
    });
    // Just under the limit the request is read, and the message rule answers.
    await expectStatus(
      client.publish(alice, "x".repeat(1900)),
      status.INVALID_ARGUMENT,
      "message must be at most 128 characters (got 1900)",
    );

    expect(wholeLog(server)).toEqual(before);
    const ack = await client.publish(alice, "still here");
    expect(ack.seq).toBe(before.length + 1);
  });

  test("the default limit is 64 KiB", async () => {
    const server = await h.start();
    const client = h.client(server.address);
    const alice = await client.join("Alice");
    const error = await grpcError(client.publish(alice, "x".repeat(64 * 1024)));
    expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error.details).toMatch(/ vs 65536\)$/);
    await expectStatus(
      client.publish(alice, "x".repeat(60 * 1024)),
      status.INVALID_ARGUMENT,
      `message must be at most 128 characters (got ${60 * 1024})`,
    );
  });
});

describe("--publish-rate and --publish-burst", () => {
  const THROTTLED = /^publish rate limit: 1\/s \(bursts of 3\); try again in (\d+) ms$/;

  test("past the burst a publish is RESOURCE_EXHAUSTED with a retry hint, and nothing is stored", async () => {
    const server = await h.start({ limits: { publishRate: 1, publishBurst: 3 } });
    const client = h.client(server.address);
    const alice = await client.join("Alice");
    const bob = await client.join("Bob");

    // Rejected publishes cost no tokens.
    for (let i = 0; i < 5; i += 1) {
      await expectStatus(
        client.publish(alice, ""),
        status.INVALID_ARGUMENT,
        "message must not be empty",
      );
    }
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((i) => client.publish(alice, `burst ${i}`, { messageId: `m${i}` })),
    );
    const acked = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    expect(acked.length).toBe(3);
    for (const error of refused) {
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      const hint = Number(THROTTLED.exec(error.details)?.[1]);
      expect(hint).toBeGreaterThan(0);
      expect(hint).toBeLessThanOrEqual(1000);
      expect(error.metadata.get(RETRY_AFTER_METADATA)).toEqual([String(hint)]);
    }
    const messages = readEvents(server.dbPath).filter((e) => e.kind === "message");
    expect(messages.length).toBe(3);

    // A retry of a stored message stores nothing, so it costs nothing either.
    const first = defined(messages[0]);
    expect(
      await client.publish(alice, first.content, {
        messageId: defined(first.messageId ?? undefined),
      }),
    ).toEqual({
      seq: first.seq,
      logicalTime: first.logicalTime,
    });
    // Every participant has a bucket of their own.
    for (let i = 0; i < 3; i += 1) await client.publish(bob, `bob ${i}`);
    const error = await grpcError(client.publish(alice, "one more"));
    expect(error.details).toMatch(THROTTLED);
    expect(wholeLog(server).filter((e) => e.kind === "message").length).toBe(6);
  });

  test("the client session waits the hinted time and sends the same message again", async () => {
    const server = await h.start({ limits: { publishRate: 20, publishBurst: 2 } });
    const session = createChatSession({ server: server.address, name: "Chatty" });
    try {
      const me = await session.join();
      const texts = Array.from({ length: 8 }, (_, i) => `line ${i}`);
      const acks = await Promise.all(texts.map((text) => session.publish(text)));
      const stored = readEvents(server.dbPath).filter(
        (e) => e.participantId === me.participantId && e.kind === "message",
      );
      // Each once, in the order given, each under its own id.
      expect(stored.map((e) => [e.seq, e.content])).toEqual(
        acks.map((a, i) => [a.seq, defined(texts[i])]),
      );
      expect(new Set(stored.map((e) => e.messageId)).size).toBe(texts.length);
    } finally {
      session.close();
    }
  });
});

describe("--max-participants", () => {
  test("a Join past the limit is RESOURCE_EXHAUSTED and stores nothing; a seat frees on Leave", async () => {
    const server = await h.start({ limits: { maxParticipants: 3 } });
    const client = h.client(server.address);
    const FULL = "the chat is full (3 participants); try again when someone has left";
    // At once: joins under way count, so exactly three get in.
    const results = await Promise.allSettled(["A", "B", "C", "D", "E"].map((n) => client.join(n)));
    const joined = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(joined.length).toBe(3);
    for (const r of results) {
      if (r.status === "rejected") {
        expect({ code: r.reason.code, details: r.reason.details }).toEqual({
          code: status.RESOURCE_EXHAUSTED,
          details: FULL,
        });
      }
    }
    const before = wholeLog(server);
    expect(before.map((e) => e.kind)).toEqual(["join", "join", "join"]);
    await expectStatus(client.join("Dee"), status.RESOURCE_EXHAUSTED, FULL);
    expect(wholeLog(server)).toEqual(before);

    await client.leave(defined(joined[0]));
    const dee = await client.join("Dee");
    expect(dee.seq).toBe(before.length + 2);
    await expectStatus(client.join("Eve"), status.RESOURCE_EXHAUSTED, FULL);
  });
});

describe("one stream per participant", () => {
  test("each new Subscribe ends the one before with ABORTED; one stays open, no one leaves", async () => {
    const server = await h.start({ leaveGraceMs: 200 });
    const client = h.client(server.address);
    const rex = await client.join("Rex");
    const streams: Recorder[] = [];
    for (let i = 0; i < 20; i += 1) {
      const stream = client.subscribe(rex);
      await stream.waitForCount(1);
      streams.push(stream);
    }
    const last = defined(streams.at(-1));
    for (const stream of streams.slice(0, -1)) {
      const end = await stream.waitForEnd();
      expect({ code: end.code, details: end.details }).toEqual({
        code: status.ABORTED,
        details: "replaced by a newer Subscribe for the same participant",
      });
    }
    await waitFor(() => server.server.hub.subscriberCount() === 1, { what: "one stream left" });
    const ack = await client.publish(rex, "after twenty subscribes");
    await waitFor(() => last.events.some((e) => e.seq === ack.seq), { what: "the message" });
    expect(last.status).toBeUndefined();
    expect(wholeLog(server).map((e) => e.kind)).toEqual(["join", "message"]);
    // A Subscribe with someone else's token does not take the stream.
    const eve = await client.join("Eve");
    await expectStreamStatus(
      client.subscribe(rex, { metadata: eve.metadata }),
      status.UNAUTHENTICATED,
      "the session token does not belong to this participant",
    );
    const raw = await rawSubscribe(client, Buffer.from([0x0f]), rex.metadata);
    expect(raw.status.code).toBe(status.INVALID_ARGUMENT);
    expect(last.status).toBeUndefined();
    expect(server.server.hub.subscriberCount()).toBe(1);
  });
});
