import { expect, test } from "bun:test";
import { type BroadcastBatch, loadChitChat } from "../../src/protocol/proto.ts";
import { toBroadcast } from "../../src/server/broadcast-bytes.ts";
import { encodeBatches, encodeBroadcast } from "../../src/server/broadcast-wire.ts";
import type { LogEvent } from "../../src/store/event-log.ts";

// What grpc-js sent before broadcast-wire.ts: protobufjs over toBroadcast().
const { service } = loadChitChat().ChitChat;
const protobufjs = (event: LogEvent, replayed: boolean) =>
  (service.Subscribe.responseSerialize as (value: unknown) => Buffer)(toBroadcast(event, replayed));
const protobufjsBatch = (batch: BroadcastBatch) =>
  (service.SubscribeBatches.responseSerialize as (value: unknown) => Buffer)(batch);

const base: LogEvent = {
  seq: 7,
  logicalTime: 12,
  kind: "message",
  participantId: "00000000-0000-4000-8000-000000000003",
  name: "Bo",
  content: "hej",
  sentAtMs: 1_764_000_000_000,
};

/** Every shape a field takes: varint widths, empty and long text, non-ASCII, a negative int64. */
const cases: LogEvent[] = [
  base,
  { ...base, kind: "join", seq: 1, logicalTime: 1, content: "Participant Bo joined" },
  { ...base, kind: "leave", seq: 127, logicalTime: 128, sentAtMs: 0 },
  { ...base, seq: 0, logicalTime: 0, participantId: "", name: "", content: "" },
  { ...base, seq: 2 ** 31 - 1, logicalTime: 2 ** 31, sentAtMs: 2 ** 32 },
  { ...base, seq: 2 ** 53 - 1, logicalTime: 2 ** 53 - 2, sentAtMs: 2 ** 53 - 1 },
  { ...base, sentAtMs: -1 },
  { ...base, sentAtMs: -(2 ** 40) - 5 },
  { ...base, name: "Åsa", content: "smörgåsbord, ½ €, 中文" },
  { ...base, name: "🙂🙂", content: `emoji 🎉 ${"👍".repeat(40)}` },
  { ...base, content: "x".repeat(127) },
  { ...base, content: "x".repeat(128) },
  { ...base, content: "é".repeat(64) },
  { ...base, content: "long ".repeat(4000) },
  { ...base, content: "ü".repeat(70_000) },
];

test("a Broadcast is byte for byte what protobufjs writes for the same event", () => {
  for (const event of cases) {
    for (const replayed of [false, true]) {
      expect(encodeBroadcast(event, replayed).toString("hex")).toBe(
        protobufjs(event, replayed).toString("hex"),
      );
    }
  }
});

test("a batch is byte for byte the protobufjs BroadcastBatch of its events", () => {
  const small = cases.slice(0, 13);
  for (const replayed of [false, true]) {
    const messages = encodeBatches(small, replayed, 64 * 1024);
    expect(messages).toHaveLength(1);
    const expected = protobufjsBatch({ events: small.map((e) => toBroadcast(e, replayed)) });
    expect((messages[0] as Buffer).toString("hex")).toBe(expected.toString("hex"));
  }
});

test("a batch splits before maxBytes; each message is the protobufjs batch of its share", () => {
  const events = Array.from({ length: 300 }, (_, i) => ({
    ...base,
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
  const huge = { ...base, seq: 2, content: "h".repeat(10_000) };
  const events = [base, huge, { ...base, seq: 3 }];
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
