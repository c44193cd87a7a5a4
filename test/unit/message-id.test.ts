import { expect, test } from "bun:test";
import { newMessageId } from "../../src/client/message-id.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("a message id is a UUIDv7 whose first 48 bits are the time in ms", () => {
  const at = Date.parse("2026-12-01T06:00:00.123Z");
  const id = newMessageId(at);
  expect(id).toMatch(UUID_V7);
  expect(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(at);
});

test("ids sort by time, and 10,000 made in the same millisecond are all different", () => {
  const earlier = newMessageId(1_000);
  const later = newMessageId(1_001);
  expect(earlier < later).toBe(true);
  const same = new Set(Array.from({ length: 10_000 }, () => newMessageId(5_000)));
  expect(same.size).toBe(10_000);
  for (const id of same) expect(id).toMatch(UUID_V7);
});
