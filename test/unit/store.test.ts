import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MAX_LOGICAL_TIME } from "../../src/protocol/lamport.ts";
import type { AppendResult, EventDraft, EventLog, LogEvent } from "../../src/store/event-log.ts";
import { type OpenEventLogOptions, openEventLog } from "../../src/store/open.ts";

const SENT_AT = "2026-11-25T18:22:04.001Z";
const SENT_AT_MS = Date.parse(SENT_AT);

const REFUSED: AppendResult = { status: "refused", reason: "not_present" };

let dir: string;
let file: string;
let toClose: Array<{ close(): unknown }>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "chitchat-store-"));
  file = join(dir, "chitchat.db");
  toClose = [];
});

afterEach(async () => {
  // Closing twice is harmless, so tests may close early themselves.
  for (const handle of toClose.splice(0).reverse()) await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(options: Partial<OpenEventLogOptions> = {}): EventLog {
  const log = openEventLog({ path: file, now: () => SENT_AT_MS, ...options });
  toClose.push(log);
  return log;
}

/** A second, plain connection on the same file, as `sqlite3` on the command line would be. */
function raw(path = file): Database.Database {
  const db = new Database(path);
  toClose.push(db);
  return db;
}

function joinDraft(participantId: string, name: string, logicalTime = 0): EventDraft {
  return { kind: "join", participantId, name, logicalTime, tokenHash: `hash-of-${participantId}` };
}

function messageDraft(
  participantId: string,
  name: string,
  content: string,
  { logicalTime = 0, messageId = null }: { logicalTime?: number; messageId?: string | null } = {},
): EventDraft {
  return { kind: "message", participantId, name, logicalTime, content, messageId };
}

function leaveDraft(participantId: string, name: string, logicalTime = 0): EventDraft {
  return { kind: "leave", participantId, name, logicalTime };
}

function event(
  seq: number,
  logicalTime: number,
  kind: LogEvent["kind"],
  participantId: string,
  name: string,
  content: string,
  sentAtMs = SENT_AT_MS,
): LogEvent {
  return { seq, logicalTime, kind, participantId, name, content, sentAtMs };
}

function stored(e: LogEvent): AppendResult {
  return { status: "stored", event: e };
}

function duplicate(e: LogEvent): AppendResult {
  return { status: "duplicate", event: e };
}

function joined(seq: number, logicalTime: number, participantId: string, name: string): LogEvent {
  const sentence = `Participant ${name} joined Chit Chat at logical time ${logicalTime}`;
  return event(seq, logicalTime, "join", participantId, name, sentence);
}

function left(seq: number, logicalTime: number, participantId: string, name: string): LogEvent {
  const sentence = `Participant ${name} left Chit Chat at logical time ${logicalTime}`;
  return event(seq, logicalTime, "leave", participantId, name, sentence);
}

/** The events of an append where every draft is expected to be stored. */
function storedEvents(results: readonly AppendResult[]): LogEvent[] {
  expect(results.map((result) => result.status)).toEqual(results.map(() => "stored"));
  return results.flatMap((result) => (result.status === "stored" ? [result.event] : []));
}

async function appendStored(log: EventLog, drafts: readonly EventDraft[]): Promise<LogEvent[]> {
  return storedEvents(await log.append(drafts));
}

/** (seq, logical_time) of every row, read by a separate connection. */
function rawStamps(): unknown[] {
  return raw().prepare("select seq, logical_time from events order by seq").all();
}

describe("a fresh log", () => {
  test("is empty: top is seq 0, logical time 0, and nothing reads back", async () => {
    const log = open();
    expect(await log.top()).toEqual({ seq: 0, logicalTime: 0 });
    expect(await log.readAfterSeq(0, 100)).toEqual([]);
    expect(await log.readBefore(1000, 100)).toEqual([]);
    expect(await log.seqAtOrBefore(1000)).toBe(0);
    expect(await log.presentParticipants()).toEqual([]);
    expect(await log.allParticipants()).toEqual([]);
    expect(await log.findParticipant("nobody")).toBeUndefined();
    expect(await log.findByMessageId("nobody", "m1")).toBeUndefined();
  });

  test("creates the parent folders of the file", async () => {
    const nested = join(dir, "a", "b", "c", "chat.db");
    expect(existsSync(join(dir, "a"))).toBe(false);
    const log = open({ path: nested });
    expect(existsSync(nested)).toBe(true);
    expect(await log.top()).toEqual({ seq: 0, logicalTime: 0 });
  });

  test("has a UUID log id, stable across reopen and different for another file", async () => {
    const first = open();
    const id = first.logId;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(first.backend).toBe("sqlite");
    await first.close();

    expect(open().logId).toBe(id);

    const other = open({ path: join(dir, "other.db") });
    expect(other.logId).not.toBe(id);
  });

  test("records the log's identity and creation time in log_info", () => {
    const log = open();
    expect(raw().prepare("select * from log_info").all()).toEqual([
      { singleton: 1, log_id: log.logId, created_at_ms: SENT_AT_MS },
    ]);
  });
});

describe("append", () => {
  test("stamps seq 1, 2, 3 and logical time max(clock, draft) + 1", async () => {
    const log = open();
    // Draft times lower than, equal to and higher than the log's clock.
    expect(await log.append([joinDraft("p1", "Bo", 5)])).toEqual([
      stored(joined(1, 6, "p1", "Bo")),
    ]);
    expect(await log.append([messageDraft("p1", "Bo", "low", { logicalTime: 2 })])).toEqual([
      stored(event(2, 7, "message", "p1", "Bo", "low")),
    ]);
    expect(await log.append([messageDraft("p1", "Bo", "equal", { logicalTime: 7 })])).toEqual([
      stored(event(3, 8, "message", "p1", "Bo", "equal")),
    ]);
    expect(await log.append([messageDraft("p1", "Bo", "high", { logicalTime: 40 })])).toEqual([
      stored(event(4, 41, "message", "p1", "Bo", "high")),
    ]);
    expect(await log.top()).toEqual({ seq: 4, logicalTime: 41 });
  });

  test("stamps every draft of a batch in order and returns them all", async () => {
    const log = open();
    const results = await log.append([
      joinDraft("p1", "Bo", 0),
      joinDraft("p2", "Al", 10),
      messageDraft("p1", "Bo", "hi Al", { logicalTime: 3 }),
      messageDraft("p2", "Al", "hi Bo", { logicalTime: 30 }),
      leaveDraft("p1", "Bo", 0),
    ]);
    const all = [
      joined(1, 1, "p1", "Bo"),
      joined(2, 11, "p2", "Al"),
      event(3, 12, "message", "p1", "Bo", "hi Al"),
      event(4, 31, "message", "p2", "Al", "hi Bo"),
      left(5, 32, "p1", "Bo"),
    ];
    expect(results).toEqual(all.map(stored));
    expect(await log.top()).toEqual({ seq: 5, logicalTime: 32 });
    expect(await log.readAfterSeq(0, 100)).toEqual(all);
  });

  test("stores message content exactly as given", async () => {
    const log = open();
    const content = "  spaced\tout 😀  ";
    expect(await log.append([joinDraft("p1", "Bo"), messageDraft("p1", "Bo", content)])).toEqual([
      stored(joined(1, 1, "p1", "Bo")),
      stored(event(2, 2, "message", "p1", "Bo", content)),
    ]);
    expect(await log.readAfterSeq(1, 1)).toEqual([event(2, 2, "message", "p1", "Bo", content)]);
  });

  test("an empty batch stores nothing, returns [] and notifies no one", async () => {
    const log = open();
    await appendStored(log, [joinDraft("p1", "Bo")]);
    const calls: LogEvent[][] = [];
    log.onAppend((appended) => calls.push([...appended]));
    expect(await log.append([])).toEqual([]);
    expect(await log.top()).toEqual({ seq: 1, logicalTime: 1 });
    expect(calls).toEqual([]);
  });

  test("stamps each batch with the wall-clock time of its commit", async () => {
    let now = SENT_AT_MS;
    const log = open({ now: () => now });
    await appendStored(log, [joinDraft("p1", "Bo"), messageDraft("p1", "Bo", "a")]);
    now += 1500;
    await appendStored(log, [messageDraft("p1", "Bo", "b")]);
    expect((await log.readAfterSeq(0, 10)).map((e) => [e.seq, e.sentAtMs])).toEqual([
      [1, SENT_AT_MS],
      [2, SENT_AT_MS],
      [3, SENT_AT_MS + 1500],
    ]);
  });

  test("stays exact at the largest logical time a request may carry", async () => {
    const log = open();
    await appendStored(log, [joinDraft("p1", "Bo", MAX_LOGICAL_TIME)]);
    await appendStored(log, [
      messageDraft("p1", "Bo", "next"),
      messageDraft("p1", "Bo", "and next"),
    ]);
    expect((await log.readAfterSeq(0, 10)).map((e) => e.logicalTime - MAX_LOGICAL_TIME)).toEqual([
      1, 2, 3,
    ]);
    expect(await log.top()).toEqual({ seq: 3, logicalTime: MAX_LOGICAL_TIME + 3 });
  });

  test("allows many messages without an id, and the same id from different participants", async () => {
    const log = open();
    const all = await appendStored(log, [
      joinDraft("p1", "Bo"),
      joinDraft("p2", "Al"),
      messageDraft("p1", "Bo", "one"),
      messageDraft("p1", "Bo", "two"),
      messageDraft("p1", "Bo", "three", { messageId: "m1" }),
      messageDraft("p2", "Al", "four", { messageId: "m1" }),
    ]);
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await log.findByMessageId("p1", "m1")).toEqual(all[4]);
    expect(await log.findByMessageId("p2", "m1")).toEqual(all[5]);
  });
});

/** Bo (p1) has joined and sent "first" with message id m1: seq 1 and 2, logical time 1 and 2. */
async function seeded(): Promise<{ log: EventLog; before: LogEvent[] }> {
  const log = open();
  const before = await appendStored(log, [
    joinDraft("p1", "Bo"),
    messageDraft("p1", "Bo", "first", { messageId: "m1" }),
  ]);
  return { log, before };
}

describe("duplicate message ids", () => {
  test("a duplicate (participant, message id) against the log is the first event, stores nothing and notifies no one", async () => {
    const { log, before } = await seeded();
    const calls: LogEvent[][] = [];
    log.onAppend((appended) => calls.push([...appended]));

    expect(
      await log.append([messageDraft("p1", "Bo", "retry", { messageId: "m1", logicalTime: 90 })]),
    ).toEqual([duplicate(event(2, 2, "message", "p1", "Bo", "first"))]);

    expect(await log.top()).toEqual({ seq: 2, logicalTime: 2 });
    expect(await log.readAfterSeq(0, 100)).toEqual(before);
    expect(calls).toEqual([]);
  });

  test("the other drafts of a batch with a duplicate are still stored, and listeners hear only them", async () => {
    const { log, before } = await seeded();
    const calls: LogEvent[][] = [];
    log.onAppend((appended) => calls.push([...appended]));

    const results = await log.append([
      joinDraft("p2", "Al"),
      messageDraft("p2", "Al", "fine"),
      messageDraft("p1", "Bo", "retry", { messageId: "m1" }),
      messageDraft("p1", "Bo", "new", { messageId: "m2" }),
    ]);
    const added = [
      joined(3, 3, "p2", "Al"),
      event(4, 4, "message", "p2", "Al", "fine"),
      event(5, 5, "message", "p1", "Bo", "new"),
    ];
    expect(results).toEqual([
      stored(joined(3, 3, "p2", "Al")),
      stored(event(4, 4, "message", "p2", "Al", "fine")),
      duplicate(event(2, 2, "message", "p1", "Bo", "first")),
      stored(event(5, 5, "message", "p1", "Bo", "new")),
    ]);
    expect(await log.top()).toEqual({ seq: 5, logicalTime: 5 });
    expect(await log.readAfterSeq(0, 100)).toEqual([...before, ...added]);
    expect((await log.presentParticipants()).map((p) => p.id)).toEqual(["p1", "p2"]);
    expect(calls).toEqual([added]);
  });

  test("a duplicate message id within one batch is a duplicate of the first in that batch", async () => {
    const { log, before } = await seeded();
    const first = event(3, 3, "message", "p1", "Bo", "a");
    expect(
      await log.append([
        messageDraft("p1", "Bo", "a", { messageId: "m2" }),
        messageDraft("p1", "Bo", "b", { messageId: "m2", logicalTime: 50 }),
      ]),
    ).toEqual([stored(first), duplicate(first)]);
    expect(await log.top()).toEqual({ seq: 3, logicalTime: 3 });
    expect(await log.readAfterSeq(0, 100)).toEqual([...before, first]);
    expect(await log.findByMessageId("p1", "m2")).toEqual(first);
  });

  test("a retry after the sender left is still a duplicate of what it stored", async () => {
    const { log, before } = await seeded();
    const leave = await appendStored(log, [leaveDraft("p1", "Bo")]);
    expect(await log.append([messageDraft("p1", "Bo", "retry", { messageId: "m1" })])).toEqual([
      duplicate(event(2, 2, "message", "p1", "Bo", "first")),
    ]);
    expect(await log.readAfterSeq(0, 100)).toEqual([...before, ...leave]);
  });
});

describe("a batch that fails inside the transaction", () => {
  test("a second JOIN of the same participant id rejects and stores nothing of the batch", async () => {
    const { log, before } = await seeded();
    const participant = await log.findParticipant("p1");
    const calls: LogEvent[][] = [];
    log.onAppend((appended) => calls.push([...appended]));

    await expect(
      log.append([
        messageDraft("p1", "Bo", "lost", { logicalTime: 500, messageId: "m2" }),
        joinDraft("p3", "Cy"),
        joinDraft("p1", "Bo"),
      ]),
    ).rejects.toThrow("UNIQUE constraint failed: participants.id");

    expect(await log.top()).toEqual({ seq: 2, logicalTime: 2 });
    expect(await log.readAfterSeq(0, 100)).toEqual(before);
    // The JOIN and the message earlier in the failed batch left nothing behind.
    expect(await log.findParticipant("p3")).toBeUndefined();
    expect(await log.findByMessageId("p1", "m2")).toBeUndefined();
    expect(await log.findParticipant("p1")).toEqual(participant);
    expect((await log.allParticipants()).map((p) => p.id)).toEqual(["p1"]);
    expect(calls).toEqual([]);
  });

  test("the next append continues right after the last committed event, with no hole", async () => {
    const { log } = await seeded();
    await expect(
      log.append([messageDraft("p1", "Bo", "lost", { logicalTime: 500 }), joinDraft("p1", "Bo")]),
    ).rejects.toThrow("UNIQUE constraint failed: participants.id");
    // The failed batch's stamps (seq 3, time 501) were rolled back with it.
    expect(await log.append([messageDraft("p1", "Bo", "after", { messageId: "m2" })])).toEqual([
      stored(event(3, 3, "message", "p1", "Bo", "after")),
    ]);
    expect(rawStamps()).toEqual([
      { seq: 1, logical_time: 1 },
      { seq: 2, logical_time: 2 },
      { seq: 3, logical_time: 3 },
    ]);
  });
});

describe("refusals: messages and leaves from someone not in the chat", () => {
  test("a message or a leave from someone who never joined is refused and stores nothing", async () => {
    const { log, before } = await seeded();
    const calls: LogEvent[][] = [];
    log.onAppend((appended) => calls.push([...appended]));

    expect(
      await log.append([
        messageDraft("p9", "Ghost", "boo"),
        messageDraft("p9", "Ghost", "boo", { messageId: "m1" }),
        leaveDraft("p9", "Ghost"),
      ]),
    ).toEqual([REFUSED, REFUSED, REFUSED]);

    expect(await log.top()).toEqual({ seq: 2, logicalTime: 2 });
    expect(await log.readAfterSeq(0, 100)).toEqual(before);
    expect(await log.findByMessageId("p9", "m1")).toBeUndefined();
    expect(await log.findParticipant("p9")).toBeUndefined();
    expect(calls).toEqual([]);
  });

  test("a message before the JOIN in the same batch is refused, one after it is stored", async () => {
    const log = open();
    expect(
      await log.append([
        messageDraft("p1", "Bo", "too early"),
        joinDraft("p1", "Bo"),
        messageDraft("p1", "Bo", "in time"),
      ]),
    ).toEqual([
      REFUSED,
      stored(joined(1, 1, "p1", "Bo")),
      stored(event(2, 2, "message", "p1", "Bo", "in time")),
    ]);
  });

  test("after leaving, a message and a leave are refused", async () => {
    const { log, before } = await seeded();
    const leave = left(3, 3, "p1", "Bo");
    expect(await log.append([leaveDraft("p1", "Bo")])).toEqual([stored(leave)]);
    expect(
      await log.append([
        messageDraft("p1", "Bo", "still here?"),
        messageDraft("p1", "Bo", "still here?", { messageId: "m2" }),
      ]),
    ).toEqual([REFUSED, REFUSED]);
    expect(await log.append([leaveDraft("p1", "Bo")])).toEqual([REFUSED]);
    expect(await log.readAfterSeq(0, 100)).toEqual([...before, leave]);
    expect(await log.findByMessageId("p1", "m2")).toBeUndefined();
  });

  test("a LEAVE twice in one batch: the second is refused and only one LEAVE is stored", async () => {
    const { log, before } = await seeded();
    const leave = left(3, 3, "p1", "Bo");
    expect(await log.append([leaveDraft("p1", "Bo"), leaveDraft("p1", "Bo", 70)])).toEqual([
      stored(leave),
      REFUSED,
    ]);
    expect(await log.readAfterSeq(0, 100)).toEqual([...before, leave]);
    expect(await log.findParticipant("p1")).toEqual({
      id: "p1",
      name: "Bo",
      tokenHash: "hash-of-p1",
      joinedSeq: 1,
      joinedAt: 1,
      leftSeq: 3,
      leftAt: 3,
    });
  });

  test("refused and duplicate drafts consume no seq and no logical time", async () => {
    const { log } = await seeded();
    expect(
      await log.append([
        messageDraft("p9", "Ghost", "boo", { logicalTime: 1000 }),
        messageDraft("p1", "Bo", "retry", { messageId: "m1", logicalTime: 2000 }),
        leaveDraft("p9", "Ghost", 3000),
        messageDraft("p1", "Bo", "next"),
      ]),
    ).toEqual([
      REFUSED,
      duplicate(event(2, 2, "message", "p1", "Bo", "first")),
      REFUSED,
      stored(event(3, 3, "message", "p1", "Bo", "next")),
    ]);
    // A batch of nothing but refusals and duplicates leaves top where it was.
    expect(
      await log.append([
        leaveDraft("p9", "Ghost", 4000),
        messageDraft("p1", "Bo", "retry", { messageId: "m1", logicalTime: 5000 }),
      ]),
    ).toEqual([REFUSED, duplicate(event(2, 2, "message", "p1", "Bo", "first"))]);
    expect(await log.top()).toEqual({ seq: 3, logicalTime: 3 });
    expect(await log.append([messageDraft("p1", "Bo", "then")])).toEqual([
      stored(event(4, 4, "message", "p1", "Bo", "then")),
    ]);
    expect(rawStamps()).toEqual([
      { seq: 1, logical_time: 1 },
      { seq: 2, logical_time: 2 },
      { seq: 3, logical_time: 3 },
      { seq: 4, logical_time: 4 },
    ]);
  });
});

describe("names decided by the log", () => {
  test("a name a present participant has, in any case, gets the first free suffix on the name asked for", async () => {
    const log = open();
    expect(await log.append([joinDraft("p1", "Bo")])).toEqual([stored(joined(1, 1, "p1", "Bo"))]);
    expect(await log.append([joinDraft("p2", "bo")])).toEqual([stored(joined(2, 2, "p2", "bo#2"))]);
    expect(await log.append([joinDraft("p3", "BO")])).toEqual([stored(joined(3, 3, "p3", "BO#3"))]);
    expect(await log.append([joinDraft("p4", "Al")])).toEqual([stored(joined(4, 4, "p4", "Al"))]);
    expect((await log.presentParticipants()).map((p) => [p.id, p.name])).toEqual([
      ["p1", "Bo"],
      ["p2", "bo#2"],
      ["p3", "BO#3"],
      ["p4", "Al"],
    ]);
    expect((await log.findParticipant("p2"))?.name).toBe("bo#2");
  });

  test("joins in one batch see each other", async () => {
    const log = open();
    expect(
      await log.append([joinDraft("p1", "Bo"), joinDraft("p2", "bo"), joinDraft("p3", "BO")]),
    ).toEqual([
      stored(joined(1, 1, "p1", "Bo")),
      stored(joined(2, 2, "p2", "bo#2")),
      stored(joined(3, 3, "p3", "BO#3")),
    ]);
  });

  test("a name is free again once its holder has left, also earlier in the same batch", async () => {
    const log = open();
    await appendStored(log, [joinDraft("p1", "Bo"), joinDraft("p2", "bo")]); // Bo, bo#2
    expect(await log.append([leaveDraft("p1", "Bo"), joinDraft("p3", "Bo")])).toEqual([
      stored(left(3, 3, "p1", "Bo")),
      stored(joined(4, 4, "p3", "Bo")),
    ]);
    // Bo (p3) and bo#2 (p2) are taken; p1's Bo no longer counts.
    expect(await log.append([joinDraft("p4", "bo")])).toEqual([stored(joined(5, 5, "p4", "bo#3"))]);
    expect(await log.append([leaveDraft("p2", "bo#2"), joinDraft("p5", "BO")])).toEqual([
      stored(left(6, 6, "p2", "bo#2")),
      stored(joined(7, 7, "p5", "BO#2")),
    ]);
    expect((await log.allParticipants()).map((p) => [p.id, p.name, p.leftSeq])).toEqual([
      ["p1", "Bo", 3],
      ["p2", "bo#2", 6],
      ["p3", "Bo", null],
      ["p4", "bo#3", null],
      ["p5", "BO#2", null],
    ]);
  });
  test("a batch that rolls back takes no name and frees none", async () => {
    const log = open();
    await appendStored(log, [joinDraft("p1", "Bo"), joinDraft("p2", "Cy")]);
    await expect(
      log.append([leaveDraft("p1", "Bo"), joinDraft("p3", "Al"), joinDraft("p2", "Cy")]),
    ).rejects.toThrow("UNIQUE constraint failed: participants.id");
    // Al was not taken by the failed batch; Bo is still p1's.
    expect(await log.append([joinDraft("p4", "al"), joinDraft("p5", "bo")])).toEqual([
      stored(joined(3, 3, "p4", "al")),
      stored(joined(4, 4, "p5", "bo#2")),
    ]);
  });

  test("a log opened again knows whose names are taken", async () => {
    const first = open();
    await appendStored(first, [joinDraft("p1", "Bo"), joinDraft("p2", "Cy")]);
    await appendStored(first, [leaveDraft("p2", "Cy")]);
    await first.close();
    const log = open();
    expect(await log.append([joinDraft("p3", "BO"), joinDraft("p4", "cy")])).toEqual([
      stored(joined(4, 4, "p3", "BO#2")),
      stored(joined(5, 5, "p4", "cy")),
    ]);
  });
});

describe("onAppend", () => {
  test("notifies every listener once per batch with the whole batch", async () => {
    const log = open();
    const first: LogEvent[][] = [];
    const second: LogEvent[][] = [];
    log.onAppend((appended) => first.push([...appended]));
    log.onAppend((appended) => second.push([...appended]));

    const batch = await appendStored(log, [
      joinDraft("p1", "Bo"),
      messageDraft("p1", "Bo", "a"),
      messageDraft("p1", "Bo", "b"),
    ]);
    const single = await appendStored(log, [messageDraft("p1", "Bo", "c")]);

    expect(first).toEqual([batch, single]);
    expect(second).toEqual([batch, single]);
    expect(batch.length).toBe(3);
  });

  test("notifies only after commit: the listener can read the events back, from any connection", async () => {
    const log = open();
    const other = raw();
    // Reads started inside the listener, awaited after the append.
    const seen: Array<{
      appended: LogEvent[];
      read: Promise<LogEvent[]>;
      top: Promise<unknown>;
      other: unknown;
    }> = [];
    log.onAppend((appended) => {
      seen.push({
        appended: [...appended],
        read: log.readAfterSeq(0, 100),
        top: log.top(),
        // A separate connection sees only committed rows.
        other: other.prepare("select seq, kind from events order by seq").all(),
      });
    });

    const all = await appendStored(log, [joinDraft("p1", "Bo"), messageDraft("p1", "Bo", "hi")]);

    const settled = await Promise.all(
      seen.map(async (s) => ({ ...s, read: await s.read, top: await s.top })),
    );
    expect(settled).toEqual([
      {
        appended: all,
        read: all,
        top: { seq: 2, logicalTime: 2 },
        other: [
          { seq: 1, kind: "join" },
          { seq: 2, kind: "message" },
        ],
      },
    ]);
  });

  test("listeners run before the append's promise settles", async () => {
    const log = open();
    const order: string[] = [];
    log.onAppend((appended) => order.push(`listener ${appended.map((e) => e.seq).join(",")}`));
    const pending = log.append([joinDraft("p1", "Bo")]);
    pending.then(() => order.push("resolved"));
    await pending;
    await Promise.resolve();
    expect(order).toEqual(["listener 1", "resolved"]);
  });

  test("listeners hear only the stored events of a batch, and nothing of a batch that stored none", async () => {
    const { log } = await seeded();
    const calls: LogEvent[][] = [];
    log.onAppend((appended) => calls.push([...appended]));
    await log.append([
      messageDraft("p9", "Ghost", "boo"),
      messageDraft("p1", "Bo", "retry", { messageId: "m1" }),
      messageDraft("p1", "Bo", "new"),
      leaveDraft("p9", "Ghost"),
    ]);
    await log.append([messageDraft("p9", "Ghost", "boo again")]);
    expect(calls).toEqual([[event(3, 3, "message", "p1", "Bo", "new")]]);
  });

  test("a failing listener does not fail the append or keep the others from hearing", async () => {
    const log = open();
    const errors: unknown[] = [];
    const consoleError = spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      errors.push(args);
    });
    try {
      const heard: number[][] = [];
      log.onAppend(() => {
        throw new Error("listener broke");
      });
      log.onAppend((appended) => heard.push(appended.map((e) => e.seq)));
      expect(await log.append([joinDraft("p1", "Bo")])).toEqual([stored(joined(1, 1, "p1", "Bo"))]);
      expect(heard).toEqual([[1]]);
      expect(errors.length).toBe(1);
      expect(await log.top()).toEqual({ seq: 1, logicalTime: 1 });
    } finally {
      consoleError.mockRestore();
    }
  });

  test("unsubscribing stops the notifications for that listener only", async () => {
    const log = open();
    const kept: number[][] = [];
    const dropped: number[][] = [];
    log.onAppend((appended) => kept.push(appended.map((e) => e.seq)));
    const unsubscribe = log.onAppend((appended) => dropped.push(appended.map((e) => e.seq)));

    await appendStored(log, [joinDraft("p1", "Bo")]);
    unsubscribe();
    await appendStored(log, [messageDraft("p1", "Bo", "a"), messageDraft("p1", "Bo", "b")]);
    unsubscribe(); // a second call is harmless

    expect(kept).toEqual([[1], [2, 3]]);
    expect(dropped).toEqual([[1]]);
  });
});

describe("reading", () => {
  async function fiveEvents(log: EventLog): Promise<LogEvent[]> {
    return appendStored(log, [
      joinDraft("p1", "Bo", 2), // time 3
      messageDraft("p1", "Bo", "a", { logicalTime: 9 }), // time 10
      messageDraft("p1", "Bo", "b"), // time 11
      messageDraft("p1", "Bo", "c", { logicalTime: 19 }), // time 20
      leaveDraft("p1", "Bo"), // time 21
    ]);
  }

  test("readAfterSeq pages through the log oldest first", async () => {
    const log = open();
    const all = await fiveEvents(log);
    expect(all.map((e) => [e.seq, e.logicalTime])).toEqual([
      [1, 3],
      [2, 10],
      [3, 11],
      [4, 20],
      [5, 21],
    ]);
    expect(await log.readAfterSeq(0, 2)).toEqual(all.slice(0, 2));
    expect(await log.readAfterSeq(2, 2)).toEqual(all.slice(2, 4));
    expect(await log.readAfterSeq(4, 2)).toEqual(all.slice(4));
    expect(await log.readAfterSeq(5, 2)).toEqual([]);
    expect(await log.readAfterSeq(0, 100)).toEqual(all);
    expect(await log.readAfterSeq(3, 100)).toEqual(all.slice(3));
  });

  test("readAfterSeq in pages of 1 yields the whole log in seq order", async () => {
    const log = open();
    const all = await fiveEvents(log);
    const paged: LogEvent[] = [];
    let after = 0;
    for (;;) {
      const page = await log.readAfterSeq(after, 1);
      const last = page[page.length - 1];
      if (!last) break;
      paged.push(...page);
      after = last.seq;
    }
    expect(paged).toEqual(all);
  });

  test("readBefore returns the newest events before a logical time, oldest first", async () => {
    const log = open();
    const all = await fiveEvents(log); // logical times 3, 10, 11, 20, 21
    expect(await log.readBefore(20, 2)).toEqual(all.slice(1, 3));
    expect(await log.readBefore(21, 100)).toEqual(all.slice(0, 4));
    expect(await log.readBefore(1_000_000, 100)).toEqual(all);
    expect(await log.readBefore(3, 100)).toEqual([]);
  });

  test("seqAtOrBefore finds the newest event at or before a logical time", async () => {
    const log = open();
    await fiveEvents(log); // logical times 3, 10, 11, 20, 21
    const times = [0, 2, 3, 4, 9, 10, 11, 12, 19, 20, 21, 22, 1_000_000];
    const at = await Promise.all(times.map(async (t) => [t, await log.seqAtOrBefore(t)]));
    expect(at).toEqual([
      [0, 0],
      [2, 0],
      [3, 1],
      [4, 1],
      [9, 1],
      [10, 2],
      [11, 3],
      [12, 3],
      [19, 3],
      [20, 4],
      [21, 5],
      [22, 5],
      [1_000_000, 5],
    ]);
  });

  test("findByMessageId returns the stored event for that participant and id only", async () => {
    const log = open();
    await appendStored(log, [joinDraft("p1", "Bo"), joinDraft("p2", "Al")]);
    await appendStored(log, [
      messageDraft("p1", "Bo", "first", { messageId: "m1", logicalTime: 7 }),
      messageDraft("p2", "Al", "other", { messageId: "m2" }),
    ]);
    expect(await log.findByMessageId("p1", "m1")).toEqual(
      event(3, 8, "message", "p1", "Bo", "first"),
    );
    expect(await log.findByMessageId("p2", "m2")).toEqual(
      event(4, 9, "message", "p2", "Al", "other"),
    );
    expect(await log.findByMessageId("p2", "m1")).toBeUndefined();
    expect(await log.findByMessageId("p1", "m2")).toBeUndefined();
    expect(await log.findByMessageId("p1", "nope")).toBeUndefined();
  });
});

describe("participants", () => {
  test("a JOIN inserts a present participant with its token hash", async () => {
    const log = open();
    await appendStored(log, [joinDraft("p1", "Bo", 4)]);
    expect(await log.findParticipant("p1")).toEqual({
      id: "p1",
      name: "Bo",
      tokenHash: "hash-of-p1",
      joinedSeq: 1,
      joinedAt: 5,
      leftSeq: null,
      leftAt: null,
    });
  });

  test("a LEAVE marks the participant left with the LEAVE's seq and time", async () => {
    const log = open();
    await appendStored(log, [joinDraft("p1", "Bo"), messageDraft("p1", "Bo", "bye")]);
    await appendStored(log, [leaveDraft("p1", "Bo", 10)]);
    expect(await log.findParticipant("p1")).toEqual({
      id: "p1",
      name: "Bo",
      tokenHash: "hash-of-p1",
      joinedSeq: 1,
      joinedAt: 1,
      leftSeq: 3,
      leftAt: 11,
    });
    expect(await log.presentParticipants()).toEqual([]);
  });

  test("presentParticipants lists those who have not left, allParticipants everyone, in join order", async () => {
    const log = open();
    // Ids in reverse alphabetical order, so join order differs from id order.
    await appendStored(log, [joinDraft("p-z", "Zed"), joinDraft("p-m", "Mo")]);
    await appendStored(log, [joinDraft("p-a", "Ann"), leaveDraft("p-m", "Mo")]);
    const zed = {
      id: "p-z",
      name: "Zed",
      tokenHash: "hash-of-p-z",
      joinedSeq: 1,
      joinedAt: 1,
      leftSeq: null,
      leftAt: null,
    };
    const ann = {
      id: "p-a",
      name: "Ann",
      tokenHash: "hash-of-p-a",
      joinedSeq: 3,
      joinedAt: 3,
      leftSeq: null,
      leftAt: null,
    };
    const mo = {
      id: "p-m",
      name: "Mo",
      tokenHash: "hash-of-p-m",
      joinedSeq: 2,
      joinedAt: 2,
      leftSeq: 4,
      leftAt: 4,
    };
    expect(await log.presentParticipants()).toEqual([zed, ann]);
    expect(await log.allParticipants()).toEqual([zed, mo, ann]);
  });

  test("findParticipant of an unknown id is undefined", async () => {
    const log = open();
    await appendStored(log, [joinDraft("p1", "Bo")]);
    expect(await log.findParticipant("p2")).toBeUndefined();
  });
});

describe("reopening the same file", () => {
  test("keeps top, events, participants and log id, and the clock continues forward", async () => {
    const first = open();
    const logId = first.logId;
    const all = await appendStored(first, [
      joinDraft("p1", "Bo", 50),
      joinDraft("p2", "Al"),
      messageDraft("p1", "Bo", "before restart", { messageId: "m1" }),
      leaveDraft("p2", "Al"),
    ]);
    const participants = [await first.findParticipant("p1"), await first.findParticipant("p2")];
    await first.close();

    const second = open();
    expect(second.logId).toBe(logId);
    expect(await second.top()).toEqual({ seq: 4, logicalTime: 54 });
    expect(await second.readAfterSeq(0, 100)).toEqual(all);
    expect([await second.findParticipant("p1"), await second.findParticipant("p2")]).toEqual(
      participants,
    );
    expect((await second.presentParticipants()).map((p) => p.id)).toEqual(["p1"]);
    expect(await second.findByMessageId("p1", "m1")).toEqual(all[2]);

    // A draft far behind the old clock still lands after it.
    expect(
      await second.append([messageDraft("p1", "Bo", "after restart", { logicalTime: 1 })]),
    ).toEqual([stored(event(5, 55, "message", "p1", "Bo", "after restart"))]);
    // The message id, presence and names all hold across the restart.
    expect(
      await second.append([
        messageDraft("p1", "Bo", "dup", { messageId: "m1" }),
        messageDraft("p2", "Al", "gone"),
        joinDraft("p3", "bo"),
      ]),
    ).toEqual([duplicate(all[2] as LogEvent), REFUSED, stored(joined(6, 56, "p3", "bo#2"))]);
    expect(await second.top()).toEqual({ seq: 6, logicalTime: 56 });
  });

  test("an empty log reopens empty", async () => {
    await open().close();
    const again = open();
    expect(await again.top()).toEqual({ seq: 0, logicalTime: 0 });
    expect(
      (await appendStored(again, [joinDraft("p1", "Bo")])).map((e) => [e.seq, e.logicalTime]),
    ).toEqual([[1, 1]]);
  });
});

describe("the file as sqlite3 sees it", () => {
  test("events has plain, readable columns in a readable order", async () => {
    const log = open();
    await appendStored(log, [
      joinDraft("p1", "Bo", 4),
      messageDraft("p1", "Bo", "hello", { messageId: "m1" }),
      leaveDraft("p1", "Bo"),
    ]);
    const rows = raw().prepare("select * from events").all() as Array<Record<string, unknown>>;
    expect(rows.map((row) => Object.keys(row))).toEqual(
      Array.from({ length: 3 }, () => [
        "seq",
        "logical_time",
        "sent_at",
        "kind",
        "name",
        "content",
        "participant_id",
        "message_id",
        "sent_at_ms",
      ]),
    );
    expect(rows).toEqual([
      {
        seq: 1,
        logical_time: 5,
        sent_at: SENT_AT,
        kind: "join",
        name: "Bo",
        content: "Participant Bo joined Chit Chat at logical time 5",
        participant_id: "p1",
        message_id: null,
        sent_at_ms: SENT_AT_MS,
      },
      {
        seq: 2,
        logical_time: 6,
        sent_at: SENT_AT,
        kind: "message",
        name: "Bo",
        content: "hello",
        participant_id: "p1",
        message_id: "m1",
        sent_at_ms: SENT_AT_MS,
      },
      {
        seq: 3,
        logical_time: 7,
        sent_at: SENT_AT,
        kind: "leave",
        name: "Bo",
        content: "Participant Bo left Chit Chat at logical time 7",
        participant_id: "p1",
        message_id: null,
        sent_at_ms: SENT_AT_MS,
      },
    ]);
  });

  test("participants holds the effective name, the token hash and the join and leave stamps", async () => {
    const log = open();
    await appendStored(log, [joinDraft("p1", "Bo"), joinDraft("p2", "bo"), leaveDraft("p1", "Bo")]);
    expect(raw().prepare("select * from participants order by joined_seq").all()).toEqual([
      {
        id: "p1",
        name: "Bo",
        token_hash: "hash-of-p1",
        joined_seq: 1,
        joined_at: 1,
        left_seq: 3,
        left_at: 3,
      },
      {
        id: "p2",
        name: "bo#2",
        token_hash: "hash-of-p2",
        joined_seq: 2,
        joined_at: 2,
        left_seq: null,
        left_at: null,
      },
    ]);
  });

  test("sent_at is the ISO form of sent_at_ms, to the millisecond", async () => {
    const times = [0, 1, 999, 1_000, 1_700_000_000_123, SENT_AT_MS, SENT_AT_MS + 998];
    let i = 0;
    const log = open({ now: () => times[i] ?? 0 });
    for (i = 0; i < times.length; i += 1) {
      await appendStored(log, [
        i === 0 ? joinDraft("p1", "Bo") : messageDraft("p1", "Bo", `m${i}`),
      ]);
    }
    const rows = raw().prepare("select sent_at, sent_at_ms from events order by seq").all();
    expect(rows).toEqual(
      times.map((ms) => ({ sent_at: new Date(ms).toISOString(), sent_at_ms: ms })),
    );
  });

  test("the kind CHECK rejects an unknown kind written by hand", async () => {
    await open().close();
    const db = raw();
    const insert = db.prepare(
      "insert into events (seq, logical_time, kind, name, content, participant_id, sent_at_ms)" +
        " values (?, ?, ?, 'Bo', 'x', 'p1', 0)",
    );
    expect(() => insert.run(1, 1, "shout")).toThrow("CHECK constraint failed: events_kind");
    expect(() => insert.run(1, 1, "JOIN")).toThrow("CHECK constraint failed: events_kind");
    // The same statement with a known kind goes in, so it was the kind that was refused.
    insert.run(1, 1, "message");
    expect(db.prepare("select seq, kind from events").all()).toEqual([{ seq: 1, kind: "message" }]);
  });

  test("the log is in WAL mode", () => {
    open();
    // journal_mode=WAL is stored in the file, so a second connection reads it back.
    // `synchronous` is per connection and the log does not expose its connection;
    // a second connection would only show its own default, so it is not checked here
    // (openEventLog sets FULL by default and NORMAL when asked, below).
    expect(raw().pragma("journal_mode", { simple: true })).toBe("wal");
  });

  test("opens and works with synchronous = normal as well as the default full", async () => {
    const normal = open({ path: join(dir, "normal.db"), synchronous: "normal" });
    const full = open({ path: join(dir, "full.db"), synchronous: "full" });
    for (const log of [normal, full]) {
      expect((await appendStored(log, [joinDraft("p1", "Bo")])).map((e) => e.seq)).toEqual([1]);
    }
    expect(raw(join(dir, "normal.db")).pragma("journal_mode", { simple: true })).toBe("wal");
  });
});
