// What only a shared PostgreSQL log has: several servers' logs on one database,
// migrations raced at start, and the tail through dropped connections and outages.
import { afterEach, describe, expect, test } from "bun:test";
import journal from "../../migrations/postgres/meta/_journal.json";
import { ChatError } from "../../src/protocol/errors.ts";
import type { AppendResult, EventDraft, EventLog, LogEvent } from "../../src/store/event-log.ts";
import { openPostgresLog } from "../../src/store/postgres/open.ts";
import { deadAddress } from "../support/net.ts";
import { type PgCluster, sharedPostgres } from "../support/postgres.ts";
import { waitFor } from "../support/wait.ts";

const POSTGRES_MIGRATIONS = journal.entries.length;

const opened: EventLog[] = [];

afterEach(async () => {
  for (const log of opened.splice(0).reverse()) await log.close();
});

async function open(url: string): Promise<EventLog> {
  const log = await openPostgresLog({ url, pollMs: 100 });
  opened.push(log);
  return log;
}

/** Everything a log's listeners hear, flattened, and how many calls it took. */
function record(log: EventLog): LogEvent[] {
  const heard: LogEvent[] = [];
  log.onAppend((appended) => heard.push(...appended));
  return heard;
}

function join(participantId: string, logicalTime = 0): EventDraft {
  return { kind: "join", participantId, name: participantId, logicalTime, tokenHash: "h" };
}

function message(participantId: string, content: string, logicalTime = 0): EventDraft {
  return {
    kind: "message",
    participantId,
    name: participantId,
    logicalTime,
    content,
    messageId: content,
  };
}

/** Appends, retrying while the database is unavailable (as a client retries a publish). */
async function appendRetrying(log: EventLog, drafts: EventDraft[]): Promise<AppendResult[]> {
  for (;;) {
    try {
      return await log.append(drafts);
    } catch (error) {
      if (!(error instanceof ChatError && error.code === "unavailable")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The log holds seq 1..n densely, Lamport strictly increasing; returns it. */
async function checkWholeLog(log: EventLog): Promise<LogEvent[]> {
  const { seq: top } = await log.top();
  const all = await log.readAfterSeq(0, top + 10);
  expect(all.map((e) => e.seq)).toEqual(Array.from({ length: top }, (_, i) => i + 1));
  for (let i = 1; i < all.length; i += 1) {
    expect((all[i] as LogEvent).logicalTime).toBeGreaterThan((all[i - 1] as LogEvent).logicalTime);
  }
  return all;
}

describe("three logs on one database (three servers)", () => {
  test("concurrent appends from all three make one dense, Lamport-ordered log that every listener hears exactly once", async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const logs = [await open(url), await open(url), await open(url)];
    const heard = logs.map(record);
    const APPENDERS = 8;
    const MESSAGES = 3;
    const acked: LogEvent[] = [];
    await Promise.all(
      logs.flatMap((log, server) =>
        Array.from({ length: APPENDERS }, async (_, a) => {
          const who = `s${server}-a${a}`;
          const [joined] = await log.append([join(who)]);
          if (joined?.status !== "stored") throw new Error(`join answered ${joined?.status}`);
          acked.push(joined.event);
          for (let m = 0; m < MESSAGES; m += 1) {
            // One appender on one server carries a clock far ahead: everyone's clock moves.
            const ahead = server === 1 && a === 0 && m === 1 ? 1_000_000 : 0;
            const [result] = await log.append([message(who, `${who}-m${m}`, ahead)]);
            if (result?.status !== "stored") throw new Error(`message answered ${result?.status}`);
            acked.push(result.event);
          }
        }),
      ),
    );
    const total = 3 * APPENDERS * (1 + MESSAGES);
    const all = await checkWholeLog(logs[0] as EventLog);
    expect(all).toHaveLength(total);
    expect(all.at(-1)?.logicalTime).toBeGreaterThan(1_000_000);
    // Every ack is the event the log holds at its seq.
    expect([...acked].sort((x, y) => x.seq - y.seq)).toEqual(all);
    for (const [i, events] of heard.entries()) {
      await waitFor(() => events.length >= total, {
        what: `listener ${i} hearing ${total} events`,
      });
      expect(events).toEqual(all);
    }
    console.log(
      `three logs: ${total} appends, ${heard.length} listeners heard ${total} each, 0 gaps, 0 duplicates`,
    );
  });

  test("three opens racing on an empty database migrate it once and share one log id", async () => {
    const cluster = await sharedPostgres();
    const url = await cluster.createDatabase();
    const logs = await Promise.all([open(url), open(url), open(url)]);
    expect(new Set(logs.map((log) => log.logId)).size).toBe(1);
    const database = new URL(url).pathname.slice(1);
    const sql = postgresFor(cluster, database);
    try {
      const rows = async (query: string): Promise<Record<string, unknown>[]> => [
        ...(await sql.unsafe(query)),
      ];
      // Each migration applied once, not once per server.
      expect(await rows("select count(*)::int as n from drizzle.__drizzle_migrations")).toEqual([
        { n: POSTGRES_MIGRATIONS },
      ]);
      expect(await rows("select log_id from log_info")).toEqual([{ log_id: logs[0]?.logId }]);
      expect(await rows("select seq::int, logical_time::int from log_top")).toEqual([
        { seq: 0, logical_time: 0 },
      ]);
    } finally {
      await sql.end();
    }
  });

  test("a batch that fails stores none of its drafts and the log goes on", async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const log = await open(url);
    const heard = record(log);
    await log.append([join("p1")]);
    // A second join with the same participant id breaks the primary key: the whole batch rolls back.
    await expect(log.append([message("p1", "lost"), join("p1")])).rejects.toThrow(
      /participants_pkey/,
    );
    expect(await log.top()).toEqual({ seq: 1, logicalTime: 1 });
    expect(await log.findByMessageId("p1", "lost")).toBeUndefined();
    const [next] = await log.append([message("p1", "kept")]);
    expect(next?.status === "stored" && next.event.seq).toBe(2);
    await waitFor(() => heard.length >= 2, { what: "two events heard" });
    expect(heard.map((e) => e.seq)).toEqual([1, 2]);
  });
});

import postgres from "postgres";

function postgresFor(cluster: PgCluster, database: string) {
  return postgres(cluster.url(database), { max: 1, onnotice: () => {} });
}

describe("the tail through failures", () => {
  test("a listener keeps hearing every event after its LISTEN connection is terminated", async () => {
    const cluster = await sharedPostgres();
    const url = await cluster.createDatabase();
    const database = new URL(url).pathname.slice(1);
    const [listening, appending] = [await open(url), await open(url)];
    const heard = record(listening as EventLog);
    await appendRetrying(appending as EventLog, [join("p1")]);
    await waitFor(() => heard.length === 1, { what: "the join heard" });
    const listeners = async () =>
      cluster.sql(
        "select pid from pg_stat_activity where datname = $1 and query ilike 'listen%'",
        database,
      );
    const before = await waitFor(
      async () => {
        const rows = await listeners();
        return rows.length === 2 && rows;
      },
      { what: "both logs listening" },
    );
    await cluster.sql(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query ilike 'listen%'",
      database,
    );
    for (let m = 0; m < 20; m += 1) {
      await appendRetrying(appending as EventLog, [message("p1", `after-${m}`)]);
    }
    await waitFor(() => heard.length >= 21, { what: "every event after the termination" });
    expect(heard).toEqual(await checkWholeLog(listening as EventLog));
    // And the logs listen again on new connections.
    const after = await waitFor(
      async () => {
        const rows = await listeners();
        return rows.length === 2 && rows;
      },
      { what: "both logs listening again" },
    );
    expect(after.map((r) => r.pid)).not.toContain(before[0]?.pid);
  });

  test("a database unreachable at open is ChatError unavailable", async () => {
    const url = `postgres://postgres@${await deadAddress()}/chitchat`;
    const opening = openPostgresLog({ url });
    await expect(opening).rejects.toBeInstanceOf(ChatError);
    await expect(opening).rejects.toMatchObject({
      code: "unavailable",
      message: expect.stringMatching(/database cannot be reached/),
    });
  });

  test("calls fail unavailable while PostgreSQL is down; afterwards appends go on and listeners miss nothing", async () => {
    const cluster = await sharedPostgres();
    const url = await cluster.createDatabase();
    const logs = [await open(url), await open(url)];
    const [a, b] = logs as [EventLog, EventLog];
    const heard = logs.map(record);
    let down = false;
    try {
      await a.append([join("p1")]);
      await b.append([join("p2"), message("p2", "before")]);
      await cluster.stop();
      down = true;

      for (const call of [
        () => a.append([message("p1", "while down")]),
        () => b.top(),
        () => b.readAfterSeq(0, 10),
        () => a.presentParticipants(),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: "unavailable" });
      }
      expect(heard.map((events) => events.length)).toEqual([3, 3]);

      await cluster.start();
      down = false;
      // "while down" was never stored: the retry stores it once.
      await appendRetrying(a, [message("p1", "while down")]);
      await appendRetrying(b, [message("p2", "after")]);
      const all = await checkWholeLog(a);
      expect(all.map((e) => e.content).slice(3)).toEqual(["while down", "after"]);
      for (const [i, events] of heard.entries()) {
        await waitFor(() => events.length >= all.length, { what: `listener ${i} catching up` });
        expect(events).toEqual(all);
      }
      const [again] = await a.append([message("p1", "while down")]);
      expect(again?.status).toBe("duplicate");
    } finally {
      // The cluster is shared with the other tests of this process.
      if (down) await cluster.start();
    }
  });
});

describe("leases (which servers are alive, who answers for whom)", () => {
  const leave = (participantId: string, vanished: boolean): EventDraft => ({
    kind: "leave",
    participantId,
    name: participantId,
    logicalTime: 0,
    vanished,
  });

  test("renewed leases list the servers; a released one is gone and its participants are orphans", async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const [a, b] = [await open(url), await open(url)];
    const [la, lb] = [a.leases, b.leases];
    if (!la || !lb) throw new Error("a PostgreSQL log has leases");
    expect(la.serverId).not.toBe(lb.serverId);
    await la.renew({ address: "a:1", adminUrl: "http://a" });
    await lb.renew({ address: "b:1", adminUrl: null });
    await la.renew({ address: "a:2", adminUrl: "http://a" });
    const listed = await lb.servers();
    expect(listed.map((s) => [s.id, s.address, s.adminUrl])).toEqual([
      [la.serverId, "a:2", "http://a"],
      [lb.serverId, "b:1", null],
    ]);
    for (const s of listed) expect(s.renewedAtMs).toBeGreaterThanOrEqual(s.startedAtMs);

    await a.append([join("pa")]);
    await b.append([join("pb")]);
    expect(await la.holders()).toEqual([
      { participantId: "pa", serverId: la.serverId, streaming: false },
      { participantId: "pb", serverId: lb.serverId, streaming: false },
    ]);
    expect(await lb.orphans()).toEqual([]);

    await la.release();
    expect((await lb.servers()).map((s) => s.id)).toEqual([lb.serverId]);
    expect((await lb.orphans()).map((p) => p.id)).toEqual(["pa"]);
    // B takes pa's stream over: no longer an orphan.
    await lb.hold("pa", true);
    expect(await lb.orphans()).toEqual([]);
    expect(await lb.holders()).toEqual([
      { participantId: "pa", serverId: lb.serverId, streaming: true },
      { participantId: "pb", serverId: lb.serverId, streaming: false },
    ]);
  });

  test("a lease not renewed within its ttl expires", async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const a = await openPostgresLog({ url, leaseTtlMs: 300 });
    opened.push(a);
    const b = await open(url);
    await a.leases?.renew({ address: "a:1", adminUrl: null });
    await a.append([join("pa")]);
    expect((await b.leases?.servers())?.length).toBe(1);
    await waitFor(async () => (await a.leases?.servers())?.length === 0, {
      what: "the lease to expire",
    });
    // b judges by its own ttl (5 s), so a is still alive to b until then.
    expect((await a.leases?.orphans())?.map((p) => p.id)).toEqual(["pa"]);
  });

  test("a vanished participant's leave is refused as held while a live server holds its stream", async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const [a, b] = [await open(url), await open(url)];
    await a.leases?.renew({ address: "a:1", adminUrl: null });
    await b.leases?.renew({ address: "b:1", adminUrl: null });
    await a.append([join("p1"), join("p2"), join("p3")]);
    // p1 came back on B (streaming there); p2's stream on B closed; p3 is held by A, not streaming.
    await b.leases?.hold("p1", true);
    await b.leases?.hold("p2", true);
    await b.leases?.hold("p2", false);
    expect(await a.append([leave("p1", true), leave("p2", true), leave("p3", true)])).toEqual([
      { status: "refused", reason: "held" },
      { status: "stored", event: expect.objectContaining({ kind: "leave", participantId: "p2" }) },
      { status: "stored", event: expect.objectContaining({ kind: "leave", participantId: "p3" }) },
    ]);
    // Once B's lease is gone, nobody holds p1: its vanished leave is stored, once.
    await b.leases?.release();
    expect((await a.append([leave("p1", true), leave("p1", true)])).map((r) => r.status)).toEqual([
      "stored",
      "refused",
    ]);
    // A leave the participant asked for is never refused as held.
    await a.append([join("p4")]);
    await a.leases?.hold("p4", true);
    expect((await a.append([leave("p4", false)]))[0]?.status).toBe("stored");
  });
});

describe("the participant cap (--max-participants) across servers", () => {
  test("joins through every log count against one cap; a leave makes room; no cap, no refusal", async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const capped = async () => {
      const log = await openPostgresLog({ url, pollMs: 100, maxParticipants: 2 });
      opened.push(log);
      return log;
    };
    const [a, b] = [await capped(), await capped()];
    expect((await a.append([join("p1")]))[0]?.status).toBe("stored");
    expect((await b.append([join("p2")]))[0]?.status).toBe("stored");
    // Two present, through two servers: a third is refused on either, and in a batch.
    expect(await a.append([join("p3")])).toEqual([{ status: "refused", reason: "full" }]);
    expect(await b.append([message("p1", "still here"), join("p4")])).toEqual([
      { status: "stored", event: expect.objectContaining({ content: "still here" }) },
      { status: "refused", reason: "full" },
    ]);
    // A leave makes room for exactly one.
    const leaveP2: EventDraft = { kind: "leave", participantId: "p2", name: "p2", logicalTime: 0 };
    expect((await b.append([leaveP2, join("p5"), join("p6")])).map((r) => r.status)).toEqual([
      "stored",
      "stored",
      "refused",
    ]);
    const present = await a.presentParticipants();
    expect(present.map((p) => p.id)).toEqual(["p1", "p5"]);
    // A log opened without a cap refuses no join.
    const open_ = await open(url);
    expect((await open_.append([join("p7")]))[0]?.status).toBe("stored");
  });
});
