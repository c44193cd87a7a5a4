import { describe, expect, test } from "bun:test";
import type { ChatEvent } from "../../src/client/chat-event.ts";
import { formatEvent, formatLogLine, formatStatus, sanitize } from "../../src/client/render.ts";

const base: ChatEvent = {
  seq: 3,
  logicalTime: 7,
  kind: "message",
  participantId: "p1",
  name: "Bo",
  content: "hej fra Bo",
  sentAtMs: Date.UTC(2026, 10, 25, 18, 22, 4, 1),
  replayed: false,
};

describe("render", () => {
  test("a message shows its logical time, sender and text", () => {
    expect(formatEvent(base)).toBe("[7] Bo: hej fra Bo");
  });

  test("join and leave show their sentence exactly", () => {
    const join = "Participant Bo joined Chit Chat at logical time 2";
    const leave = "Participant Bo left Chit Chat at logical time 12";
    expect(formatEvent({ ...base, kind: "join", content: join })).toBe(join);
    expect(formatEvent({ ...base, kind: "leave", content: leave })).toBe(leave);
  });

  test("control characters and bidi overrides never reach the terminal", () => {
    expect(sanitize("a\u001b[2Jb\nc\td\u202Ee\u0085")).toBe("a\uFFFD[2Jb\uFFFDc d\uFFFDe\uFFFD");
    expect(formatEvent({ ...base, name: "B\ro", content: "x\u0007" })).toBe(
      "[7] B\uFFFDo: x\uFFFD",
    );
  });

  test("a log line holds wall time, logical time, seq, kind, name and content", () => {
    expect(formatLogLine(base)).toBe("2026-11-25T18:22:04.001Z lt=7 seq=3 message Bo: hej fra Bo");
    const received = new Date(Date.UTC(2026, 0, 1));
    expect(formatLogLine({ ...base, sentAtMs: 0, content: "a\nb" }, received)).toBe(
      "2026-01-01T00:00:00.000Z lt=7 seq=3 message Bo: a\uFFFDb",
    );
  });

  test("status lines", () => {
    expect(formatStatus({ type: "connected", since: 4, resumed: false })).toBeUndefined();
    expect(formatStatus({ type: "connected", since: 4, resumed: true })).toBe(
      "reconnected; resuming after logical time 4",
    );
    expect(formatStatus({ type: "reconnecting", attempt: 2, delayMs: 180, reason: "down" })).toBe(
      "connection lost (down); reconnecting in 180 ms (attempt 2)",
    );
    expect(formatStatus({ type: "gap", expectedSeq: 5, receivedSeq: 7, since: 9 })).toBe(
      "gap detected: expected seq 5, got 7; resubscribing after logical time 9",
    );
    expect(formatStatus({ type: "behind", lastSeq: 5, topSeq: 6, since: 9 })).toBe(
      "missed events: the server's log is at seq 6, last seen 5; resubscribing after logical time 9",
    );
  });
});
