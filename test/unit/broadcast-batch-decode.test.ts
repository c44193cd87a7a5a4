import { expect, test } from "bun:test";
import { decodeBroadcastBatch } from "../../src/protocol/broadcast-batch-decode.ts";
import { chitChatClientConstructor } from "../../src/protocol/client-constructor.ts";
import { loadChitChat } from "../../src/protocol/proto.ts";
import { toBroadcast } from "../../src/server/broadcast-bytes.ts";
import { encodeBatches } from "../../src/server/broadcast-wire.ts";
import { heartbeatBroadcast } from "../../src/server/stream-sinks.ts";
import { WIRE_EVENTS } from "../support/wire-events.ts";

// What the generated client did before: protobufjs decode + toObject (proto-loader).
const { service } = loadChitChat().ChitChat;
const protobufjs = service.SubscribeBatches.responseDeserialize as (bytes: Buffer) => unknown;
const serialize = service.SubscribeBatches.responseSerialize as (value: unknown) => Buffer;

/** Both decoders on the same bytes: the same object (keys in the same order), or both throw. */
function same(bytes: Buffer): "decoded" | "threw" {
  let expected: unknown;
  let expectedError: unknown;
  try {
    expected = protobufjs(bytes);
  } catch (error) {
    expectedError = error;
  }
  if (expectedError !== undefined) {
    expect(() => decodeBroadcastBatch(bytes)).toThrow();
    return "threw";
  }
  const actual = decodeBroadcastBatch(bytes);
  expect(actual).toEqual(expected as never);
  const keys = (batch: unknown) =>
    (batch as { events: object[] }).events.map((e) => Object.keys(e).join());
  expect(keys(actual)).toEqual(keys(expected));
  return "decoded";
}

/** A small protobuf writer for bytes the server never sends. */
function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const tag = (field: number, wire: number) => varint(BigInt((field << 3) | wire));
const uintField = (field: number, value: bigint) => [...tag(field, 0), ...varint(value)];
const bytesField = (field: number, bytes: number[]) => [
  ...tag(field, 2),
  ...varint(BigInt(bytes.length)),
  ...bytes,
];
const text = (s: string) => [...Buffer.from(s, "utf8")];
const batchOf = (...broadcasts: number[][]) =>
  Buffer.from(broadcasts.flatMap((b) => bytesField(1, b)));

test("real messages decode to what protobufjs returns: every field shape, replayed or live", () => {
  for (const replayed of [false, true]) {
    const messages = encodeBatches(WIRE_EVENTS, replayed, 64 * 1024);
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) expect(same(message)).toBe("decoded");
    const decoded = messages.flatMap((m) => decodeBroadcastBatch(m).events);
    expect(decoded).toEqual(WIRE_EVENTS.map((e) => toBroadcast(e, replayed)) as never);
  }
});

test("a heartbeat batch and an empty message decode as protobufjs decodes them", () => {
  const heartbeat = serialize({ events: [heartbeatBroadcast({ seq: 42, logicalTime: 99 })] });
  expect(same(heartbeat)).toBe("decoded");
  expect(decodeBroadcastBatch(heartbeat).events[0]?.kind).toBe("EVENT_KIND_HEARTBEAT");
  expect(same(Buffer.alloc(0))).toBe("decoded");
  expect(decodeBroadcastBatch(Buffer.alloc(0))).toEqual({ events: [] });
});

test("unknown fields of every wire type are skipped, in the batch and in each event", () => {
  const unknown = [
    ...uintField(20, 123456789n),
    ...tag(21, 1),
    ...[1, 2, 3, 4, 5, 6, 7, 8],
    ...bytesField(22, text("ignored")),
    ...tag(23, 5),
    ...[1, 2, 3, 4],
    ...tag(24, 3),
    ...uintField(1, 5n),
    ...tag(24, 4),
  ];
  const event = [...uintField(1, 9n), ...unknown, ...bytesField(6, text("after")), ...unknown];
  const bytes = Buffer.from([...unknown, ...bytesField(1, event), ...unknown]);
  expect(same(bytes)).toBe("decoded");
  expect(decodeBroadcastBatch(bytes).events).toEqual([{ seq: 9, content: "after", ...emptyRest }]);
});

/** The fields a Broadcast without them decodes to. */
const emptyRest = {
  logicalTime: 0,
  kind: "EVENT_KIND_UNSPECIFIED",
  participantId: "",
  name: "",
  sentAtMs: 0,
  replayed: false,
} as const;

test("missing fields take their defaults; fields out of order and repeated: the last wins", () => {
  const bytes = batchOf(
    [],
    [
      ...bytesField(6, text("first")),
      ...uintField(1, 3n),
      ...bytesField(6, text("")),
      ...uintField(1, 4n),
    ],
    [...uintField(8, 2n), ...uintField(3, 2n), ...uintField(3, 3n)],
  );
  expect(same(bytes)).toBe("decoded");
  expect(decodeBroadcastBatch(bytes).events).toEqual([
    { seq: 0, content: "", ...emptyRest },
    { seq: 4, content: "", ...emptyRest },
    { seq: 0, content: "", ...emptyRest, kind: "EVENT_KIND_LEAVE", replayed: true },
  ]);
});

test("64-bit numbers past 2^53, negative int64 and unknown enum numbers are what protobufjs makes of them", () => {
  const values = [
    0n,
    1n,
    2n ** 53n - 1n,
    2n ** 53n + 1n,
    2n ** 63n,
    2n ** 64n - 1n,
    -1n,
    -(2n ** 63n),
  ];
  for (const value of values) {
    const bytes = batchOf([...uintField(1, value), ...uintField(2, value), ...uintField(7, value)]);
    expect(same(bytes)).toBe("decoded");
  }
  expect(decodeBroadcastBatch(batchOf(uintField(7, -1n))).events[0]?.sentAtMs).toBe(-1);
  expect(decodeBroadcastBatch(batchOf(uintField(1, 2n ** 64n - 1n))).events[0]?.seq).toBe(2 ** 64);
  for (const kind of [0n, 4n, 5n, 99n, -1n, 2n ** 32n + 2n]) {
    expect(same(batchOf(uintField(3, kind)))).toBe("decoded");
  }
  expect(decodeBroadcastBatch(batchOf(uintField(3, 5n))).events[0]?.kind).toBe(5 as never);
  // Non-minimal varints are valid protobuf.
  expect(same(batchOf([0x08, 0x81, 0x80, 0x80, 0x00]))).toBe("decoded");
  expect(decodeBroadcastBatch(batchOf([0x08, 0x81, 0x80, 0x80, 0x00])).events[0]?.seq).toBe(1);
});

test("malformed bytes throw, as protobufjs throws on them", () => {
  const cases = [
    [0x0a, 0x05, 0x08, 0x01], // an event longer than the message
    [0x0a], // a field with no length
    [0x16, 0x00], // wire type 6 (an unknown field)
    [0x17, 0x00], // wire type 7
    [0x14], // a lone end-group
    [0x0a, 0x02, 0x4e, 0x00], // wire type 6 inside an event
    [0x12, 0x05, 0x01], // unknown bytes field past the end
    [0x0a, 0x01, 0x08], // a varint cut off
    [0x09, 0x01, 0x02], // a fixed64 cut off
    [0x0b, 0x08, 0x01], // a group never ended
  ];
  for (const bytes of cases) expect(same(Buffer.from(bytes))).toBe("threw");
});

test("where protobufjs lets damage through, so does the decoder, with the same result", () => {
  // A string longer than its event is cut at the event's end; a known field
  // number is read by its own type whatever the wire type says.
  for (const bytes of [
    [0x0a, 0x03, 0x22, 0x05, 0x41],
    [0x0e, 0x00],
    [0x0a, 0x02, 0x0d, 0x01],
  ]) {
    expect(same(Buffer.from(bytes))).toBe("decoded");
  }
  expect(decodeBroadcastBatch(Buffer.from([0x0a, 0x03, 0x22, 0x05, 0x41])).events).toEqual([
    { seq: 0, content: "", ...emptyRest, participantId: "A" },
  ]);
});

test("damaged real messages: every cut and many changed bytes decode or throw exactly as protobufjs", () => {
  const [message] = encodeBatches(WIRE_EVENTS.slice(0, 6), true, 64 * 1024);
  const whole = message as Buffer;
  const outcomes = { decoded: 0, threw: 0 };
  for (let cut = 0; cut < whole.length; cut += 1) outcomes[same(whole.subarray(0, cut))] += 1;
  // A seeded generator, so a failure can be replayed.
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < 3000; i += 1) {
    const bytes = Buffer.from(whole);
    for (let n = 1 + Math.floor(random() * 3); n > 0; n -= 1) {
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    }
    outcomes[same(bytes)] += 1;
  }
  // Both outcomes were exercised, not just one.
  expect(outcomes.decoded).toBeGreaterThan(100);
  expect(outcomes.threw).toBeGreaterThan(100);
});

test("the subscribers' client class reads SubscribeBatches with this decoder, and nothing else differs", () => {
  const Client = chitChatClientConstructor();
  expect(Client.service.SubscribeBatches.responseDeserialize).toBe(decodeBroadcastBatch as never);
  const generated = loadChitChat().ChitChat;
  expect(Object.keys(Client.service)).toEqual(Object.keys(generated.service));
  for (const name of Object.keys(generated.service)) {
    if (name === "SubscribeBatches") continue;
    expect(Client.service[name]).toBe(generated.service[name] as never);
  }
});
