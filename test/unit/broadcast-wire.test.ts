import { expect, test } from "bun:test";
import { type BroadcastBatch, loadChitChat } from "../../src/protocol/proto.ts";
import { toBroadcast } from "../../src/server/broadcast-bytes.ts";
import { encodeBatches, encodeBroadcast } from "../../src/server/broadcast-wire.ts";
import type { LogEvent } from "../../src/store/event-log.ts";
import { WIRE_BASE, WIRE_EVENTS } from "../support/wire-events.ts";

// What grpc-js sent before broadcast-wire.ts: protobufjs over toBroadcast().
const { service } = loadChitChat().ChitChat;
const protobufjs = (event: LogEvent, replayed: boolean) =>
  (service.Subscribe.responseSerialize as (value: unknown) => Buffer)(toBroadcast(event, replayed));
const protobufjsBatch = (batch: BroadcastBatch) =>
  (service.SubscribeBatches.responseSerialize as (value: unknown) => Buffer)(batch);

test("a Broadcast is byte for byte what protobufjs writes for the same event", () => {
  for (const event of WIRE_EVENTS) {
    for (const replayed of [false, true]) {
      expect(encodeBroadcast(event, replayed).toString("hex")).toBe(
        protobufjs(event, replayed).toString("hex"),
      );
    }
  }
});

test("a batch is byte for byte the protobufjs BroadcastBatch of its events", () => {
  const small = WIRE_EVENTS.slice(0, 13);
  for (const replayed of [false, true]) {
    const messages = encodeBatches(small, replayed, 64 * 1024);
    expect(messages).toHaveLength(1);
    const expected = protobufjsBatch({ events: small.map((e) => toBroadcast(e, replayed)) });
    expect((messages[0] as Buffer).toString("hex")).toBe(expected.toString("hex"));
  }
});

test("a batch splits before maxBytes; each message is the protobufjs batch of its share", () => {
  const events = Array.from({ length: 300 }, (_, i) => ({
    ...WIRE_BASE,
    seq: i + 1,
    logicalTime: 2 * i + 2,
    content: `message ${i} ${"·".repeat(i % 50)}`,
  }));
  const maxBytes = 4096;
  const messages = encodeBatches(events, true, maxBytes);
  expect(messages.length).toBeGreaterThan(5);
  let next = 0;
  for (const message of messages) {
    expect(message.length).toBeLessThanOrEqual(maxBytes);
    const decoded = service.SubscribeBatches.responseDeserialize(message);
    const share = events.slice(next, next + decoded.events.length);
    next += share.length;
    const expected = protobufjsBatch({ events: share.map((e) => toBroadcast(e, true)) });
    expect(message.equals(expected)).toBe(true);
  }
  expect(next).toBe(events.length);
});

test("an event bigger than maxBytes gets a message of its own, between the others", () => {
  const huge = { ...WIRE_BASE, seq: 2, content: "h".repeat(10_000) };
  const events = [WIRE_BASE, huge, { ...WIRE_BASE, seq: 3 }];
  const messages = encodeBatches(events, false, 1024);
  expect(
    messages.map((m) => service.SubscribeBatches.responseDeserialize(m).events.length),
  ).toEqual([1, 1, 1]);
  expect(
    Buffer.concat(messages).equals(
      protobufjsBatch({ events: events.map((e) => toBroadcast(e, false)) }),
    ),
  ).toBe(true);
});

test("no events, no messages", () => {
  expect(encodeBatches([], true, 1024)).toEqual([]);
});
