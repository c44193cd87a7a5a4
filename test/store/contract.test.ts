// The event log's contract, run against every backend (see ./backends.ts).
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { joinSentence, leaveSentence } from "../../src/protocol/events.ts";
import { MAX_LOGICAL_TIME } from "../../src/protocol/lamport.ts";
import type { AppendResult, EventDraft, EventLog, LogEvent } from "../../src/store/event-log.ts";
import { waitFor } from "../support/wait.ts";
import { BACKENDS, type FreshLog, type LogOptions } from "./backends.ts";

const SENT_AT_MS = Date.parse("2026-11-25T18:22:04.001Z");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function join(participantId: string, name: string, logicalTime = 0): EventDraft {
  return { kind: "join", participantId, name, logicalTime, tokenHash: `hash-of-${participantId}` };
}

function message(
  participantId: string,
  name: string,
  content: string,
  { logicalTime = 0, messageId = null }: { logicalTime?: number; messageId?: string | null } = {},
): EventDraft {
  return { kind: "message", participantId, name, logicalTime, content, messageId };
}

function leave(participantId: string, name: string, logicalTime = 0): EventDraft {
  return { kind: "leave", participantId, name, logicalTime };
}

function event(
  seq: number,
  logicalTime: number,
  kind: LogEvent["kind"],
  participantId: string,
  name: string,
  content?: string,
): LogEvent {
  const text =
    content ??
    (kind === "join" ? joinSentence(name, logicalTime) : leaveSentence(name, logicalTime));
  return { seq, logicalTime, kind, participantId, name, content: text, sentAtMs: SENT_AT_MS };
}

const stored = (e: LogEvent): AppendResult => ({ status: "stored", event: e });
const duplicate = (e: LogEvent): AppendResult => ({ status: "duplicate", event: e });
const refused: AppendResult = { status: "refused", reason: "not_present" };

for (const backend of BACKENDS) {
  describe(`event log contract (${backend.name})`, () => {
    let fresh: FreshLog;
    let opened: EventLog[];

    beforeEach(async () => {
      fresh = await backend.fresh();
      opened = [];
    });

    afterEach(async () => {
      for (const log of opened.splice(0).reverse()) await log.close();
      await fresh.dispose();
    });

    async function open(options: LogOptions = {}): Promise<EventLog> {
      const log = await fresh.open({ now: () => SENT_AT_MS, ...options });
      opened.push(log);
      return log;
    }

    test("a fresh log is empty and has a UUID log id", async () => {
      const log = await open();
      expect(log.backend).toBe(backend.name);
      expect(log.logId).toMatch(UUID);
      expect(await log.top()).toEqual({ seq: 0, logicalTime: 0 });
      expect(await log.readAfterSeq(0, 100)).toEqual([]);
      expect(await log.readBefore(1000, 100)).toEqual([]);
      expect(await log.seqAtOrBefore(1000)).toBe(0);
      expect(await log.presentParticipants()).toEqual([]);
      expect(await log.allParticipants()).toEqual([]);
      expect(await log.findParticipant("nobody")).toBeUndefined();
      expect(await log.findByMessageId("nobody", "m1")).toBeUndefined();
    });

    test("stamps seq 1, 2, 3 and logical time max(clock, draft) + 1", async () => {
      const log = await open();
      // Draft times lower than, equal to and higher than the log's clock.
      expect(await log.append([join("p1", "Bo", 5)])).toEqual([
        stored(event(1, 6, "join", "p1", "Bo")),
      ]);
      expect(await log.append([message("p1", "Bo", "low", { logicalTime: 2 })])).toEqual([
        stored(event(2, 7, "message", "p1", "Bo", "low")),
      ]);
      expect(await log.append([message("p1", "Bo", "equal", { logicalTime: 7 })])).toEqual([
        stored(event(3, 8, "message", "p1", "Bo", "equal")),
      ]);
      expect(await log.append([message("p1", "Bo", "high", { logicalTime: 40 })])).toEqual([
        stored(event(4, 41, "message", "p1", "Bo", "high")),
      ]);
      expect(await log.top()).toEqual({ seq: 4, logicalTime: 41 });
    });

    test("stamps every draft of a batch in order, with the batch's wall-clock time", async () => {
      let now = SENT_AT_MS;
      const log = await open({ now: () => now });
      const results = await log.append([
        join("p1", "Bo", 0),
        join("p2", "Al", 10),
        message("p1", "Bo", "hi Al", { logicalTime: 3 }),
        message("p2", "Al", "  spaced\tout 😀 'quoted' ", { logicalTime: 30 }),
        leave("p1", "Bo", 0),
      ]);
      const events = [
        event(1, 1, "join", "p1", "Bo"),
        event(2, 11, "join", "p2", "Al"),
        event(3, 12, "message", "p1", "Bo", "hi Al"),
        event(4, 31, "message", "p2", "Al", "  spaced\tout 😀 'quoted' "),
        event(5, 32, "leave", "p1", "Bo"),
      ];
      expect(results).toEqual(events.map(stored));
      expect(await log.readAfterSeq(0, 100)).toEqual(events);
      now += 1500;
      const [later] = await log.append([message("p2", "Al", "later")]);
      expect(later).toEqual(
        stored({ ...event(6, 33, "message", "p2", "Al", "later"), sentAtMs: now }),
      );
      expect(await log.top()).toEqual({ seq: 6, logicalTime: 33 });
    });

    test("an empty batch stores nothing and returns []", async () => {
      const log = await open();
      await log.append([join("p1", "Bo")]);
      expect(await log.append([])).toEqual([]);
      expect(await log.top()).toEqual({ seq: 1, logicalTime: 1 });
    });

    test("stays exact at the largest logical time a request may carry", async () => {
      const log = await open();
      await log.append([join("p1", "Bo", MAX_LOGICAL_TIME)]);
      await log.append([message("p1", "Bo", "next"), message("p1", "Bo", "and next")]);
      const times = (await log.readAfterSeq(0, 10)).map((e) => e.logicalTime - MAX_LOGICAL_TIME);
      expect(times).toEqual([1, 2, 3]);
      expect(await log.top()).toEqual({ seq: 3, logicalTime: MAX_LOGICAL_TIME + 3 });
    });

    test("a join takes the first free suffix among present names, whatever their case", async () => {
      const log = await open();
      const names = async (drafts: EventDraft[]) =>
        (await log.append(drafts)).map((r) => (r.status === "refused" ? r : r.event.name));
      expect(await names([join("p1", "Bo"), join("p2", "bo"), join("p3", "BO")])).toEqual([
        "Bo",
        "bo#2",
        "BO#3",
      ]);
      // A name taken by someone who left is free again; the suffix goes to the first free one.
      expect(await names([leave("p1", "Bo"), join("p4", "bO"), join("p5", "Bo")])).toEqual([
        "Bo",
        "bO",
        "Bo#4",
      ]);
      expect(await names([leave("p2", "bo#2"), join("p6", "Bo")])).toEqual(["bo#2", "Bo#2"]);
      // A name that merely looks like a suffixed one is its own name.
      expect(await names([join("p7", "Al#2"), join("p8", "Al")])).toEqual(["Al#2", "Al"]);
      const last = (await log.readAfterSeq(0, 100)).at(-3);
      expect(last).toEqual(event(8, 8, "join", "p6", "Bo#2"));
      expect((await log.presentParticipants()).map((p) => [p.id, p.name])).toEqual([
        ["p3", "BO#3"],
        ["p4", "bO"],
        ["p5", "Bo#4"],
        ["p6", "Bo#2"],
        ["p7", "Al#2"],
        ["p8", "Al"],
      ]);
    });

    test("a repeated message id returns the first event and stores nothing, even within one batch", async () => {
      const log = await open();
      await log.append([join("p1", "Bo"), join("p2", "Al")]);
      const first = event(3, 3, "message", "p1", "Bo", "first");
      const results = await log.append([
        message("p1", "Bo", "first", { messageId: "m1" }),
        message("p1", "Bo", "retry in the same batch", { messageId: "m1", logicalTime: 99 }),
        message("p2", "Al", "same id, other participant", { messageId: "m1" }),
        message("p1", "Bo", "no id"),
        message("p1", "Bo", "no id"),
      ]);
      expect(results).toEqual([
        stored(first),
        duplicate(first),
        stored(event(4, 4, "message", "p2", "Al", "same id, other participant")),
        stored(event(5, 5, "message", "p1", "Bo", "no id")),
        stored(event(6, 6, "message", "p1", "Bo", "no id")),
      ]);
      expect(await log.append([message("p1", "Bo", "retry later", { messageId: "m1" })])).toEqual([
        duplicate(first),
      ]);
      expect(await log.top()).toEqual({ seq: 6, logicalTime: 6 });
      expect(await log.findByMessageId("p1", "m1")).toEqual(first);
      expect(await log.findByMessageId("p1", "m2")).toBeUndefined();
    });

    test("a message or leave from someone not present is refused and the rest of the batch stored", async () => {
      const log = await open();
      await log.append([join("p1", "Bo"), join("p2", "Al"), leave("p2", "Al")]);
      const results = await log.append([
        message("ghost", "Ghost", "never joined"),
        message("p2", "Al", "after leaving", { messageId: "m9" }),
        leave("p2", "Al"),
        leave("ghost", "Ghost"),
        message("p1", "Bo", "still here", { logicalTime: 50 }),
      ]);
      expect(results).toEqual([
        refused,
        refused,
        refused,
        refused,
        stored(event(4, 51, "message", "p1", "Bo", "still here")),
      ]);
      expect(await log.append([message("ghost", "Ghost", "alone")])).toEqual([refused]);
      expect(await log.top()).toEqual({ seq: 4, logicalTime: 51 });
      expect(await log.findByMessageId("p2", "m9")).toBeUndefined();
      expect((await log.findParticipant("p2"))?.leftSeq).toBe(3);
    });

    test("participants: the join and leave are recorded with the token hash", async () => {
      const log = await open();
      await log.append([join("p1", "Bo", 4), join("p2", "bo"), join("p3", "Cy")]);
      await log.append([leave("p2", "bo#2")]);
      const bo = {
        id: "p1",
        name: "Bo",
        tokenHash: "hash-of-p1",
        joinedSeq: 1,
        joinedAt: 5,
        leftSeq: null,
        leftAt: null,
      };
      const bo2 = {
        id: "p2",
        name: "bo#2",
        tokenHash: "hash-of-p2",
        joinedSeq: 2,
        joinedAt: 6,
        leftSeq: 4,
        leftAt: 8,
      };
      const cy = {
        id: "p3",
        name: "Cy",
        tokenHash: "hash-of-p3",
        joinedSeq: 3,
        joinedAt: 7,
        leftSeq: null,
        leftAt: null,
      };
      expect(await log.findParticipant("p2")).toEqual(bo2);
      expect(await log.presentParticipants()).toEqual([bo, cy]);
      expect(await log.allParticipants()).toEqual([bo, bo2, cy]);
    });

    test("reads: after a seq, before a logical time, and the seq at or before a time", async () => {
      const log = await open();
      await log.append([join("p1", "Bo")]);
      await log.append([message("p1", "Bo", "a", { logicalTime: 10 }), message("p1", "Bo", "b")]);
      await log.append([message("p1", "Bo", "c", { logicalTime: 20 })]);
      const all = [
        event(1, 1, "join", "p1", "Bo"),
        event(2, 11, "message", "p1", "Bo", "a"),
        event(3, 12, "message", "p1", "Bo", "b"),
        event(4, 21, "message", "p1", "Bo", "c"),
      ];
      expect(await log.readAfterSeq(0, 100)).toEqual(all);
      expect(await log.readAfterSeq(1, 2)).toEqual(all.slice(1, 3));
      expect(await log.readAfterSeq(4, 10)).toEqual([]);
      expect(await log.readBefore(21, 2)).toEqual(all.slice(1, 3));
      expect(await log.readBefore(22, 100)).toEqual(all);
      expect(await log.readBefore(1, 100)).toEqual([]);
      expect(await log.seqAtOrBefore(0)).toBe(0);
      expect(await log.seqAtOrBefore(1)).toBe(1);
      expect(await log.seqAtOrBefore(15)).toBe(3);
      expect(await log.seqAtOrBefore(21)).toBe(4);
      expect(await log.seqAtOrBefore(MAX_LOGICAL_TIME)).toBe(4);
    });

    test("listeners hear each stored event once, in order, and stop when removed", async () => {
      const log = await open();
      const heard: LogEvent[] = [];
      const stop = log.onAppend((appended) => heard.push(...appended));
      const batches = await Promise.all([
        log.append([join("p1", "Bo"), message("p1", "Bo", "one", { messageId: "m1" })]),
        log.append([message("p1", "Bo", "dup", { messageId: "m1" }), message("ghost", "G", "no")]),
      ]);
      await log.append([message("p1", "Bo", "two")]);
      const all = await log.readAfterSeq(0, 100);
      expect(all.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(batches.flat().filter((r) => r.status === "stored")).toHaveLength(2);
      await waitFor(() => heard.length >= 3, { what: "three events heard" });
      expect(heard).toEqual(all);
      stop();
      await log.append([message("p1", "Bo", "unheard")]);
      const quiet: LogEvent[] = [];
      log.onAppend((appended) => quiet.push(...appended));
      await log.append([message("p1", "Bo", "heard by the second")]);
      await waitFor(() => quiet.length >= 1, { what: "the second listener" });
      expect(quiet.map((e) => e.content)).toEqual(["heard by the second"]);
      expect(heard).toHaveLength(3);
    });

    test("a reopened log keeps its id, events, participants and clock", async () => {
      const first = await open();
      await first.append([join("p1", "Bo", 41), message("p1", "Bo", "kept", { messageId: "m1" })]);
      const id = first.logId;
      await first.close();
      const again = await open();
      expect(again.logId).toBe(id);
      expect(await again.top()).toEqual({ seq: 2, logicalTime: 43 });
      expect(
        await again.append([
          message("p1", "Bo", "kept", { messageId: "m1" }),
          message("p1", "Bo", "new"),
        ]),
      ).toEqual([
        duplicate(event(2, 43, "message", "p1", "Bo", "kept")),
        stored(event(3, 44, "message", "p1", "Bo", "new")),
      ]);
      expect((await again.presentParticipants()).map((p) => p.name)).toEqual(["Bo"]);
    });
  });
}
