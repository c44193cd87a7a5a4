import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cursor, type EventSink } from "../../src/server/cursor.ts";
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
