import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cursor, type EventSink } from "../../src/server/cursor.ts";
import { type Logger, silentLogger } from "../../src/server/logger.ts";
import type { EventDraft, EventLog, LogEvent } from "../../src/store/event-log.ts";
import { openEventLog } from "../../src/store/open.ts";
import { waitFor } from "../support/wait.ts";

let dir: string;
let log: EventLog;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "chitchat-cursor-"));
  log = openEventLog({ path: join(dir, "chitchat.db") });
  const drafts: EventDraft[] = [
    { kind: "join", participantId: "p1", name: "Bo", logicalTime: 0, tokenHash: "h" },
  ];
  for (let i = 0; i < 99; i++) {
    drafts.push({
      kind: "message",
      participantId: "p1",
      name: "Bo",
      logicalTime: 0,
      content: `m${i}`,
      messageId: null,
    });
  }
  await log.append(drafts);
});

afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A stream that is always "full" (write returns false) but flushes at once and
 * says so before write() returns, as an HTTP/2 stream can: the drain arrives
 * during the write, never after it.
 */
function flushingSink(): { sink: EventSink; seqs: number[] } {
  const seqs: number[] = [];
  let drain = (): void => {};
  const sink: EventSink = {
    write(events: readonly LogEvent[]) {
      for (const e of events) seqs.push(e.seq);
      drain();
      return false;
    },
    heartbeat() {
      drain();
      return false;
    },
    onDrain(listener) {
      drain = listener;
    },
    end() {},
    fail() {},
  };
  return { sink, seqs };
}

test("a drain heard during a write is not waited for again: catch-up reaches the top and goes live", async () => {
  const { sink, seqs } = flushingSink();
  const cursor = new Cursor({
    log,
    sink,
    afterSeq: 0,
    participantId: "p2",
    maxQueue: 16,
    maxQueueBytes: 1 << 20,
    pageSize: 10,
    onClose: () => {},
    tailSeq: () => 100,
  });
  cursor.start();
  await waitFor(() => cursor.mode === "live", { what: "the cursor to go live" });
  expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  // Live: a heartbeat (the first tick only clears "wrote") and then a new
  // commit on the same always-full stream keep flowing too.
  cursor.heartbeat(await log.top());
  cursor.heartbeat(await log.top());
  const [result] = await log.append([
    {
      kind: "message",
      participantId: "p1",
      name: "Bo",
      logicalTime: 0,
      content: "live",
      messageId: null,
    },
  ]);
  if (result?.status !== "stored") throw new Error("the live message was not stored");
  cursor.push([result.event]);
  expect(seqs.at(-1)).toBe(101);
});

/** A stream that takes one write and then stays full until drained by hand. */
function stalledSink(): { sink: EventSink; seqs: number[]; drain: () => void } {
  const seqs: number[] = [];
  let listener = (): void => {};
  let full = false;
  const sink: EventSink = {
    write(events: readonly LogEvent[]) {
      for (const e of events) seqs.push(e.seq);
      full = true;
      return false;
    },
    heartbeat: () => !full,
    onDrain(l) {
      listener = l;
    },
    end() {},
    fail() {},
  };
  return {
    sink,
    seqs,
    drain: () => {
      full = false;
      listener();
    },
  };
}

test("at debug, a cursor says when it caught up (how much it read) and when it fell behind", async () => {
  const lines: { event: string; fields: Record<string, unknown> }[] = [];
  const recording: Logger = {
    ...silentLogger,
    debug: (event: string, fields?: Record<string, unknown>) => {
      lines.push({ event, fields: fields ?? {} });
    },
  };
  const { sink, seqs, drain } = stalledSink();
  let tail = 100;
  const cursor = new Cursor({
    log,
    sink,
    afterSeq: 0,
    participantId: "p2",
    maxQueue: 4,
    maxQueueBytes: 1 << 20,
    pageSize: 1000,
    onClose: () => {},
    tailSeq: () => tail,
    logger: recording,
  });
  cursor.start();
  // The page of 100 fills the stream; once it drains, the cursor is at the top.
  await waitFor(() => seqs.length === 100, { what: "the first page" });
  drain();
  await waitFor(() => cursor.mode === "live", { what: "the cursor to go live" });
  expect(lines).toEqual([
    {
      event: "caught_up",
      fields: { participant: "p2", seq: 100, read: 100, ms: expect.any(Number) },
    },
  ]);
  // A live event fills the stream again; four more wait in the queue, a fifth overflows it.
  const drafts: EventDraft[] = Array.from({ length: 6 }, (_, i) => ({
    kind: "message",
    participantId: "p1",
    name: "Bo",
    logicalTime: 0,
    content: `late ${i}`,
    messageId: null,
  }));
  const stored = (await log.append(drafts)).map((r) => {
    if (r.status !== "stored") throw new Error("not stored");
    return r.event;
  });
  tail = 106;
  for (const event of stored) cursor.push([event]);
  expect(cursor.mode).toBe("catching-up");
  expect(lines[1]).toEqual({
    event: "fell_behind",
    fields: { participant: "p2", seq: 101, queuedEvents: 4, queuedBytes: expect.any(Number) },
  });
  // Drained, it reads the five it dropped from the log (which fill the stream
  // again), and once that drains too it is at the top and says so.
  drain();
  await waitFor(() => seqs.length === 106, { what: "the five from the log" });
  drain();
  await waitFor(() => cursor.mode === "live", { what: "the cursor to be live again" });
  expect(seqs.slice(100)).toEqual([101, 102, 103, 104, 105, 106]);
  expect(lines[2]).toEqual({
    event: "caught_up",
    fields: { participant: "p2", seq: 106, read: 5, ms: expect.any(Number) },
  });
  expect(lines).toHaveLength(3);
});
