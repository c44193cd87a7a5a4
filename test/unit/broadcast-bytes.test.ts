import { expect, test } from "bun:test";
import { loadChitChat } from "../../src/protocol/proto.ts";
import { broadcastBytes } from "../../src/server/broadcast-bytes.ts";
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
