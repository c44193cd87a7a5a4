import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MAX_LOGICAL_TIME } from "../../src/protocol/lamport.ts";
import type { EventDraft, EventLog, LogEvent } from "../../src/store/event-log.ts";
import { type OpenEventLogOptions, openEventLog } from "../../src/store/open.ts";

const SENT_AT = "2026-11-25T18:22:04.001Z";
const SENT_AT_MS = Date.parse(SENT_AT);

let dir: string;
let file: string;
let toClose: Array<{ close(): unknown }>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "chitchat-store-"));
  file = join(dir, "chitchat.db");
  toClose = [];
});

afterEach(() => {
  // Closing twice is harmless, so tests may close early themselves.
  for (const handle of toClose.splice(0).reverse()) handle.close();
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

describe("a fresh log", () => {
  test("is empty: top is seq 0, logical time 0, and nothing reads back", () => {
    const log = open();
    expect(log.top()).toEqual({ seq: 0, logicalTime: 0 });
    expect(log.readAfterSeq(0, 100)).toEqual([]);
    expect(log.seqAtOrBefore(1000)).toBe(0);
    expect(log.presentParticipants()).toEqual([]);
    expect(log.findParticipant("nobody")).toBeUndefined();
    expect(log.findByMessageId("nobody", "m1")).toBeUndefined();
  });

  test("creates the parent folders of the file", () => {
    const nested = join(dir, "a", "b", "c", "chat.db");
    expect(existsSync(join(dir, "a"))).toBe(false);
    const log = open({ path: nested });
    expect(existsSync(nested)).toBe(true);
    expect(log.top()).toEqual({ seq: 0, logicalTime: 0 });
  });

  test("has a UUID log id, stable across reopen and different for another file", () => {
    const first = open();
    const id = first.logId;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    first.close();

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
  test("stamps seq 1, 2, 3 and logical time max(clock, draft) + 1", () => {
    const log = open();
    // Draft times lower than, equal to and higher than the log's clock.
    expect(log.append([joinDraft("p1", "Bo", 5)])).toEqual([
      event(1, 6, "join", "p1", "Bo", "Participant Bo joined Chit Chat at logical time 6"),
    ]);
    expect(log.append([messageDraft("p1", "Bo", "low", { logicalTime: 2 })])).toEqual([
      event(2, 7, "message", "p1", "Bo", "low"),
    ]);
    expect(log.append([messageDraft("p1", "Bo", "equal", { logicalTime: 7 })])).toEqual([
      event(3, 8, "message", "p1", "Bo", "equal"),
    ]);
    expect(log.append([messageDraft("p1", "Bo", "high", { logicalTime: 40 })])).toEqual([
      event(4, 41, "message", "p1", "Bo", "high"),
    ]);
    expect(log.top()).toEqual({ seq: 4, logicalTime: 41 });
  });

  test("stamps every draft of a batch in order and returns them all", () => {
    const log = open();
    const stored = log.append([
      joinDraft("p1", "Bo", 0),
      joinDraft("p2", "Al", 10),
      messageDraft("p1", "Bo", "hi Al", { logicalTime: 3 }),
      messageDraft("p2", "Al", "hi Bo", { logicalTime: 30 }),
      leaveDraft("p1", "Bo", 0),
    ]);
    expect(stored).toEqual([
      event(1, 1, "join", "p1", "Bo", "Participant Bo joined Chit Chat at logical time 1"),
      event(2, 11, "join", "p2", "Al", "Participant Al joined Chit Chat at logical time 11"),
      event(3, 12, "message", "p1", "Bo", "hi Al"),
      event(4, 31, "message", "p2", "Al", "hi Bo"),
      event(5, 32, "leave", "p1", "Bo", "Participant Bo left Chit Chat at logical time 32"),
    ]);
    expect(log.top()).toEqual({ seq: 5, logicalTime: 32 });
    expect(log.readAfterSeq(0, 100)).toEqual(stored);
  });

  test("stores message content exactly as given", () => {
    const log = open();
    const content = "  spaced\tout 😀  ";
    expect(log.append([messageDraft("p1", "Bo", content)])).toEqual([
      event(1, 1, "message", "p1", "Bo", content),
    ]);
    expect(log.readAfterSeq(0, 1)).toEqual([event(1, 1, "message", "p1", "Bo", content)]);
  });

  test("an empty batch stores nothing, returns [] and notifies no one", () => {
    const log = open();
    log.append([joinDraft("p1", "Bo")]);
    const calls: LogEvent[][] = [];
    log.onAppend((appended) => calls.push([...appended]));
    expect(log.append([])).toEqual([]);
    expect(log.top()).toEqual({ seq: 1, logicalTime: 1 });
    expect(calls).toEqual([]);
  });

  test("stamps each batch with the wall-clock time of its commit", () => {
    let now = SENT_AT_MS;
    const log = open({ now: () => now });
    log.append([joinDraft("p1", "Bo"), messageDraft("p1", "Bo", "a")]);
    now += 1500;
    log.append([messageDraft("p1", "Bo", "b")]);
    expect(log.readAfterSeq(0, 10).map((e) => [e.seq, e.sentAtMs])).toEqual([
      [1, SENT_AT_MS],
      [2, SENT_AT_MS],
      [3, SENT_AT_MS + 1500],
    ]);
  });

  test("stays exact at the largest logical time a request may carry", () => {
    const log = open();
    log.append([messageDraft("p1", "Bo", "far ahead", { logicalTime: MAX_LOGICAL_TIME })]);
    log.append([messageDraft("p1", "Bo", "next"), messageDraft("p1", "Bo", "and next")]);
    expect(log.readAfterSeq(0, 10).map((e) => e.logicalTime - MAX_LOGICAL_TIME)).toEqual([1, 2, 3]);
    expect(log.top()).toEqual({ seq: 3, logicalTime: MAX_LOGICAL_TIME + 3 });
  });

  test("allows many messages without an id, and the same id from different participants", () => {
    const log = open();
    const stored = log.append([
      messageDraft("p1", "Bo", "one"),
      messageDraft("p1", "Bo", "two"),
      messageDraft("p1", "Bo", "three", { messageId: "m1" }),
      messageDraft("p2", "Al", "four", { messageId: "m1" }),
    ]);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });
});

describe("a batch that fails inside the transaction", () => {
  function seeded(): { log: EventLog; before: LogEvent[] } {
    const log = open();
    const before = log.append([
      joinDraft("p1", "Bo"),
      messageDraft("p1", "Bo", "first", { messageId: "m1" }),
    ]);
    return { log, before };
  }

  test("a duplicate (participant, message id) against the log stores nothing and notifies no one", () => {
    const { log, before } = seeded();
    const calls: LogEvent[][] = [];
    log.onAppend((appended) => calls.push([...appended]));

    expect(() =>
      log.append([
        joinDraft("p2", "Al"),
        messageDraft("p2", "Al", "fine"),
        messageDraft("p1", "Bo", "retry", { messageId: "m1" }),
      ]),
    ).toThrow("UNIQUE constraint failed: events.participant_id, events.message_id");

    expect(log.top()).toEqual({ seq: 2, logicalTime: 2 });
    expect(log.readAfterSeq(0, 100)).toEqual(before);
    // The JOIN earlier in the failed batch left no participant behind.
    expect(log.findParticipant("p2")).toBeUndefined();
    expect(log.presentParticipants().map((p) => p.id)).toEqual(["p1"]);
    expect(calls).toEqual([]);
  });

  test("a duplicate message id within one batch stores nothing", () => {
    const { log, before } = seeded();
    expect(() =>
      log.append([
        messageDraft("p1", "Bo", "a", { messageId: "m2" }),
        messageDraft("p1", "Bo", "b", { messageId: "m2" }),
      ]),
    ).toThrow("UNIQUE constraint failed");
    expect(log.top()).toEqual({ seq: 2, logicalTime: 2 });
    expect(log.readAfterSeq(0, 100)).toEqual(before);
    expect(log.findByMessageId("p1", "m2")).toBeUndefined();
  });

  test("a second JOIN of the same participant id stores nothing", () => {
    const { log, before } = seeded();
    expect(() => log.append([messageDraft("p1", "Bo", "x"), joinDraft("p1", "Bo")])).toThrow(
      "UNIQUE constraint failed: participants.id",
    );
    expect(log.top()).toEqual({ seq: 2, logicalTime: 2 });
    expect(log.readAfterSeq(0, 100)).toEqual(before);
  });

  test("the next append continues right after the last committed event, with no hole", () => {
    const { log } = seeded();
    expect(() =>
      log.append([
        messageDraft("p1", "Bo", "lost", { logicalTime: 500 }),
        messageDraft("p1", "Bo", "retry", { messageId: "m1" }),
      ]),
    ).toThrow("UNIQUE constraint failed");
    // The failed batch's stamps (seq 3, time 501) were rolled back with it.
    expect(log.append([messageDraft("p1", "Bo", "after")])).toEqual([
      event(3, 3, "message", "p1", "Bo", "after"),
    ]);
    expect(raw().prepare("select seq, logical_time from events order by seq").all()).toEqual([
      { seq: 1, logical_time: 1 },
      { seq: 2, logical_time: 2 },
      { seq: 3, logical_time: 3 },
    ]);
  });
});

describe("onAppend", () => {
  test("notifies every listener once per batch with the whole batch", () => {
    const log = open();
    const first: LogEvent[][] = [];
    const second: LogEvent[][] = [];
    log.onAppend((appended) => first.push([...appended]));
    log.onAppend((appended) => second.push([...appended]));

    const batch = log.append([
      joinDraft("p1", "Bo"),
      messageDraft("p1", "Bo", "a"),
      messageDraft("p1", "Bo", "b"),
    ]);
    const single = log.append([messageDraft("p1", "Bo", "c")]);

    expect(first).toEqual([batch, single]);
    expect(second).toEqual([batch, single]);
    expect(batch.length).toBe(3);
  });

  test("notifies only after commit: the listener can read the events back, from any connection", () => {
    const log = open();
    const other = raw();
    const seen: Array<{ appended: LogEvent[]; read: LogEvent[]; top: unknown; other: unknown }> =
      [];
    log.onAppend((appended) => {
      seen.push({
        appended: [...appended],
        read: log.readAfterSeq(0, 100),
        top: log.top(),
        // A separate connection sees only committed rows.
        other: other.prepare("select seq, kind from events order by seq").all(),
      });
    });

    const stored = log.append([joinDraft("p1", "Bo"), messageDraft("p1", "Bo", "hi")]);

    expect(seen).toEqual([
      {
        appended: stored,
        read: stored,
        top: { seq: 2, logicalTime: 2 },
        other: [
          { seq: 1, kind: "join" },
          { seq: 2, kind: "message" },
        ],
      },
    ]);
  });

  test("unsubscribing stops the notifications for that listener only", () => {
    const log = open();
    const kept: number[][] = [];
    const dropped: number[][] = [];
    log.onAppend((appended) => kept.push(appended.map((e) => e.seq)));
    const unsubscribe = log.onAppend((appended) => dropped.push(appended.map((e) => e.seq)));

    log.append([joinDraft("p1", "Bo")]);
    unsubscribe();
    log.append([messageDraft("p1", "Bo", "a"), messageDraft("p1", "Bo", "b")]);
    unsubscribe(); // a second call is harmless

    expect(kept).toEqual([[1], [2, 3]]);
    expect(dropped).toEqual([[1]]);
  });
});

describe("reading", () => {
  function fiveEvents(log: EventLog): LogEvent[] {
    return log.append([
      joinDraft("p1", "Bo", 2), // time 3
      messageDraft("p1", "Bo", "a", { logicalTime: 9 }), // time 10
      messageDraft("p1", "Bo", "b"), // time 11
      messageDraft("p1", "Bo", "c", { logicalTime: 19 }), // time 20
      leaveDraft("p1", "Bo"), // time 21
    ]);
  }

  test("readAfterSeq pages through the log oldest first", () => {
    const log = open();
    const all = fiveEvents(log);
    expect(all.map((e) => [e.seq, e.logicalTime])).toEqual([
      [1, 3],
      [2, 10],
      [3, 11],
      [4, 20],
      [5, 21],
    ]);
    expect(log.readAfterSeq(0, 2)).toEqual(all.slice(0, 2));
    expect(log.readAfterSeq(2, 2)).toEqual(all.slice(2, 4));
    expect(log.readAfterSeq(4, 2)).toEqual(all.slice(4));
    expect(log.readAfterSeq(5, 2)).toEqual([]);
    expect(log.readAfterSeq(0, 100)).toEqual(all);
    expect(log.readAfterSeq(3, 100)).toEqual(all.slice(3));
  });

  test("readAfterSeq in pages of 1 yields the whole log in seq order", () => {
    const log = open();
    const all = fiveEvents(log);
    const paged: LogEvent[] = [];
    let after = 0;
    for (;;) {
      const page = log.readAfterSeq(after, 1);
      const last = page[page.length - 1];
      if (!last) break;
      paged.push(...page);
      after = last.seq;
    }
    expect(paged).toEqual(all);
  });

  test("seqAtOrBefore finds the newest event at or before a logical time", () => {
    const log = open();
    fiveEvents(log); // logical times 3, 10, 11, 20, 21
    const at = (t: number) => [t, log.seqAtOrBefore(t)];
    expect([0, 2, 3, 4, 9, 10, 11, 12, 19, 20, 21, 22, 1_000_000].map(at)).toEqual([
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

  test("findByMessageId returns the stored event for that participant and id only", () => {
    const log = open();
    log.append([joinDraft("p1", "Bo"), joinDraft("p2", "Al")]);
    log.append([
      messageDraft("p1", "Bo", "first", { messageId: "m1", logicalTime: 7 }),
      messageDraft("p2", "Al", "other", { messageId: "m2" }),
    ]);
    expect(log.findByMessageId("p1", "m1")).toEqual(event(3, 8, "message", "p1", "Bo", "first"));
    expect(log.findByMessageId("p2", "m2")).toEqual(event(4, 9, "message", "p2", "Al", "other"));
    expect(log.findByMessageId("p2", "m1")).toBeUndefined();
    expect(log.findByMessageId("p1", "m2")).toBeUndefined();
    expect(log.findByMessageId("p1", "nope")).toBeUndefined();
  });
});

describe("participants", () => {
  test("a JOIN inserts a present participant with its token hash", () => {
    const log = open();
    log.append([joinDraft("p1", "Bo", 4)]);
    expect(log.findParticipant("p1")).toEqual({
      id: "p1",
      name: "Bo",
      tokenHash: "hash-of-p1",
      joinedSeq: 1,
      joinedAt: 5,
      leftSeq: null,
      leftAt: null,
    });
  });

  test("a LEAVE marks the participant left with the LEAVE's seq and time", () => {
    const log = open();
    log.append([joinDraft("p1", "Bo"), messageDraft("p1", "Bo", "bye")]);
    log.append([leaveDraft("p1", "Bo", 10)]);
    expect(log.findParticipant("p1")).toEqual({
      id: "p1",
      name: "Bo",
      tokenHash: "hash-of-p1",
      joinedSeq: 1,
      joinedAt: 1,
      leftSeq: 3,
      leftAt: 11,
    });
    expect(log.presentParticipants()).toEqual([]);
  });

  test("presentParticipants lists those who have not left, in join order", () => {
    const log = open();
    // Ids in reverse alphabetical order, so join order differs from id order.
    log.append([joinDraft("p-z", "Zed"), joinDraft("p-m", "Mo")]);
    log.append([joinDraft("p-a", "Ann"), leaveDraft("p-m", "Mo")]);
    expect(log.presentParticipants()).toEqual([
      {
        id: "p-z",
        name: "Zed",
        tokenHash: "hash-of-p-z",
        joinedSeq: 1,
        joinedAt: 1,
        leftSeq: null,
        leftAt: null,
      },
      {
        id: "p-a",
        name: "Ann",
        tokenHash: "hash-of-p-a",
        joinedSeq: 3,
        joinedAt: 3,
        leftSeq: null,
        leftAt: null,
      },
    ]);
  });

  test("findParticipant of an unknown id is undefined", () => {
    const log = open();
    log.append([joinDraft("p1", "Bo")]);
    expect(log.findParticipant("p2")).toBeUndefined();
  });
});

describe("reopening the same file", () => {
  test("keeps top, events, participants and log id, and the clock continues forward", () => {
    const first = open();
    const logId = first.logId;
    const stored = first.append([
      joinDraft("p1", "Bo", 50),
      joinDraft("p2", "Al"),
      messageDraft("p1", "Bo", "before restart", { messageId: "m1" }),
      leaveDraft("p2", "Al"),
    ]);
    const participants = [first.findParticipant("p1"), first.findParticipant("p2")];
    first.close();

    const second = open();
    expect(second.logId).toBe(logId);
    expect(second.top()).toEqual({ seq: 4, logicalTime: 54 });
    expect(second.readAfterSeq(0, 100)).toEqual(stored);
    expect([second.findParticipant("p1"), second.findParticipant("p2")]).toEqual(participants);
    expect(second.presentParticipants().map((p) => p.id)).toEqual(["p1"]);
    expect(second.findByMessageId("p1", "m1")).toEqual(stored[2]);

    // A draft far behind the old clock still lands after it.
    expect(second.append([messageDraft("p1", "Bo", "after restart", { logicalTime: 1 })])).toEqual([
      event(5, 55, "message", "p1", "Bo", "after restart"),
    ]);
    // The unique message id still holds across the restart.
    expect(() => second.append([messageDraft("p1", "Bo", "dup", { messageId: "m1" })])).toThrow(
      "UNIQUE constraint failed",
    );
    expect(second.top()).toEqual({ seq: 5, logicalTime: 55 });
  });

  test("an empty log reopens empty", () => {
    open().close();
    const again = open();
    expect(again.top()).toEqual({ seq: 0, logicalTime: 0 });
    expect(again.append([joinDraft("p1", "Bo")]).map((e) => [e.seq, e.logicalTime])).toEqual([
      [1, 1],
    ]);
  });
});

describe("the file as sqlite3 sees it", () => {
  test("events has plain, readable columns in a readable order", () => {
    const log = open();
    log.append([
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

  test("sent_at is the ISO form of sent_at_ms, to the millisecond", () => {
    const times = [0, 1, 999, 1_000, 1_700_000_000_123, SENT_AT_MS, SENT_AT_MS + 998];
    let i = 0;
    const log = open({ now: () => times[i] ?? 0 });
    for (i = 0; i < times.length; i += 1) log.append([messageDraft("p1", "Bo", `m${i}`)]);
    const rows = raw().prepare("select sent_at, sent_at_ms from events order by seq").all();
    expect(rows).toEqual(
      times.map((ms) => ({ sent_at: new Date(ms).toISOString(), sent_at_ms: ms })),
    );
  });

  test("the kind CHECK rejects an unknown kind written by hand", () => {
    open().close();
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

  test("opens and works with synchronous = normal as well as the default full", () => {
    const normal = open({ path: join(dir, "normal.db"), synchronous: "normal" });
    const full = open({ path: join(dir, "full.db"), synchronous: "full" });
    for (const log of [normal, full]) {
      expect(log.append([joinDraft("p1", "Bo")]).map((e) => e.seq)).toEqual([1]);
    }
    expect(raw(join(dir, "normal.db")).pragma("journal_mode", { simple: true })).toBe("wal");
  });
});
