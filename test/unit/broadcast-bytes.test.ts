import { expect, test } from "bun:test";
import { type Broadcast__Output, loadChitChat } from "../../src/protocol/proto.ts";
import {
  batchMessages,
  broadcastBytes,
  MAX_BATCH_BYTES,
  toBroadcast,
} from "../../src/server/broadcast-bytes.ts";
import type { LogEvent } from "../../src/store/event-log.ts";

const event: LogEvent = {
  seq: 7,
  logicalTime: 12,
  kind: "message",
  participantId: "p-1",
  name: "Bo",
  content: "hej",
  sentAtMs: 1_764_000_000_000,
};

const decode = (bytes: Buffer) =>
  loadChitChat().ChitChat.service.Subscribe.responseDeserialize(bytes);

test("a live event is encoded once and its bytes shared by every subscriber", () => {
  const first = broadcastBytes(event, false);
  expect(broadcastBytes(event, false)).toBe(first);
  expect(decode(first)).toEqual({
    seq: 7,
    logicalTime: 12,
    kind: "EVENT_KIND_MESSAGE",
    participantId: "p-1",
    name: "Bo",
    content: "hej",
    sentAtMs: 1_764_000_000_000,
    replayed: false,
  });
});

test("a replayed event carries replayed = true, never the live bytes", () => {
  const live = broadcastBytes(event, false);
  const replayed = broadcastBytes(event, true);
  expect(replayed).not.toBe(live);
  expect(decode(replayed)).toMatchObject({ seq: 7, replayed: true });
});

const decodeBatch = (bytes: Buffer) =>
  loadChitChat().ChitChat.service.SubscribeBatches.responseDeserialize(bytes);

const events = (count: number, content = "hej"): LogEvent[] =>
  Array.from({ length: count }, (_, i) => ({ ...event, seq: i + 1, logicalTime: i + 2, content }));

test("a batch is the events' Broadcasts in one BroadcastBatch, each with its replayed flag", () => {
  const page = events(3);
  for (const replayed of [false, true]) {
    const messages = batchMessages(page, replayed);
    expect(messages).toHaveLength(1);
    expect(decodeBatch(messages[0] as Buffer)).toEqual({
      events: page.map((e) => toBroadcast(e, replayed) as Broadcast__Output),
    });
  }
});

test("a live batch is encoded once per array and shared; a replayed one is not", () => {
  const commit = events(2);
  const shared = batchMessages(commit, false);
  expect(batchMessages(commit, false)).toBe(shared);
  expect(batchMessages([...commit], false)).not.toBe(shared);
  expect(batchMessages(commit, true)).not.toBe(batchMessages(commit, true));
});

test("events past MAX_BATCH_BYTES go in further messages, in order, none lost", () => {
  // Long (multi-byte) contents, so the varint lengths take two bytes.
  const big = events(1000, "å".repeat(128));
  const messages = batchMessages(big, false);
  expect(messages.length).toBeGreaterThan(1);
  for (const m of messages) expect(m.length).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  const seqs = messages.flatMap((m) => decodeBatch(m).events.map((e) => e.seq));
  expect(seqs).toEqual(big.map((e) => e.seq));
});
