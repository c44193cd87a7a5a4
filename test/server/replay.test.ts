import { afterEach, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { asBroadcast, wholeLog, withoutFlag } from "../support/events.ts";
import { expectStreamStatus } from "../support/expect-status.ts";
import {
  type Joined,
  publishMany,
  type Recorder,
  type TestClient,
} from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import type { TestServer } from "../support/server.ts";
import { defined, range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

// Waits inside the tests time out first, so a stuck stream fails with a message.

const h = new Harness();
afterEach(() => h.dispose());

/** A participant on its own connection. */
async function participant(server: TestServer, name: string): Promise<[TestClient, Joined]> {
  const client = h.client(server.address);
  return [client, await client.join(name)];
}

/** Waits until the recorder has every event of the log from `firstSeq` on. */
async function waitForTop(server: TestServer, rec: Recorder, firstSeq = 1): Promise<void> {
  await rec.waitForCount(server.view.top().seq - firstSeq + 1);
}

describe("Subscribe(since = L)", () => {
  test("replays exactly the stored events after L (replayed), then goes live (not replayed)", async () => {
    const server = await h.start();
    const [a, alice] = await participant(server, "Alice");
    // Lamport jumps leave gaps, so L can fall on an event or between two.
    for (const [i, lt] of [0, 0, 40, 0, 90, 91, 0, 200].entries()) {
      await a.publish(alice, `before ${i}`, { logicalTime: lt });
    }
    const readers = await Promise.all(
      ["R1", "R2", "R3", "R4", "R5"].map((name) => participant(server, name)),
    );
    const stored = wholeLog(server);
    const times = stored.map((e) => e.logicalTime);
    expect(times).toEqual([1, 2, 3, 41, 42, 91, 92, 93, 201, 202, 203, 204, 205, 206]);
    const sinces = [1, 41, 60, 93, 200];

    const recs = readers.map(([client, who], i) =>
      client.subscribe(who, { since: sinces[i] as number }),
    );
    for (const [i, rec] of recs.entries()) {
      await rec.waitForCount(stored.filter((e) => e.logicalTime > (sinces[i] as number)).length);
    }
    await a.publish(alice, "live 1");
    await a.publish(alice, "live 2", { logicalTime: 1_000 });
    const all = wholeLog(server);
    const live = all.slice(stored.length).map((e) => asBroadcast(e, false));
    expect(live.map((e) => [e.logicalTime, e.content])).toEqual([
      [207, "live 1"],
      [1_001, "live 2"],
    ]);
    for (const [i, rec] of recs.entries()) {
      const since = sinces[i] as number;
      await rec.waitForCount(stored.filter((e) => e.logicalTime > since).length + 2);
      expect(rec.events).toEqual([
        ...stored.filter((e) => e.logicalTime > since).map((e) => asBroadcast(e, true)),
        ...live,
      ]);
    }
  });

  test("since = 0 replays the whole log, including events before the subscriber joined", async () => {
    const server = await h.start();
    const [a, alice] = await participant(server, "Alice");
    await publishMany(a, alice, 20, { concurrency: 5 });
    const [b, bob] = await participant(server, "Bob");
    const rec = b.subscribe(bob, { since: 0 });
    await waitForTop(server, rec);
    expect(rec.events).toEqual(wholeLog(server).map((e) => asBroadcast(e, true)));
    expect(rec.events).toHaveLength(22);
  });

  test("since = the newest logical time delivers nothing until the next event", async () => {
    const server = await h.start();
    const [a, alice] = await participant(server, "Alice");
    await a.publish(alice, "old", { logicalTime: 10 });
    const [b, bob] = await participant(server, "Bob");
    const rec = b.subscribe(bob, { since: server.view.top().logicalTime });
    // The stream is registered once Bob counts as subscribed.
    await waitFor(() => server.server.hub.subscriberCount() === 1, { what: "Bob's stream" });
    const ack = await a.publish(alice, "new");
    await rec.waitForCount(1);
    const [newest] = wholeLog(server).slice(-1);
    expect(ack).toEqual({ seq: 4, logicalTime: 13 });
    expect(rec.events).toEqual([asBroadcast(defined(newest), false)]);
  });

  test("since ahead of the log is OUT_OF_RANGE, however far ahead", async () => {
    const server = await h.start();
    const [a, alice] = await participant(server, "Alice");
    await a.publish(alice, "hi", { logicalTime: 4 });
    const top = server.view.top();
    expect(top).toEqual({ seq: 2, logicalTime: 5 });
    const cases: [number | string, string][] = [
      [6, "since 6 is ahead of the log (its newest logical time is 5)"],
      [1_000, "since 1000 is ahead of the log (its newest logical time is 5)"],
      [
        Number.MAX_SAFE_INTEGER,
        `since ${Number.MAX_SAFE_INTEGER} is ahead of the log (its newest logical time is 5)`,
      ],
      // The largest uint64: it cannot be a number exactly, but it is still just "ahead".
      [
        "18446744073709551615",
        "since 18446744073709552000 is ahead of the log (its newest logical time is 5)",
      ],
    ];
    for (const [since, details] of cases) {
      await expectStreamStatus(
        a.subscribe(alice, { since: since as number }),
        status.OUT_OF_RANGE,
        details,
      );
    }
    expect(server.view.top()).toEqual(top);
    // Alice's token still works and since = the newest time is fine.
    const rec = a.subscribe(alice, { since: 5 });
    await a.publish(alice, "still here");
    await rec.waitForCount(1);
    expect(rec.events.map((e) => [e.seq, e.content, e.replayed])).toEqual([
      [3, "still here", false],
    ]);
  });

  test("another log's id is FAILED_PRECONDITION; an empty log_id skips the check", async () => {
    const server = await h.start();
    const other = await h.start();
    const [a, alice] = await participant(server, "Alice");
    expect(alice.logId).toBe(server.log.logId);
    expect(other.log.logId).not.toBe(server.log.logId);
    await expectStreamStatus(
      a.subscribe(alice, { logId: other.log.logId }),
      status.FAILED_PRECONDITION,
      `this server's event log is not the one you joined (it holds log ${server.log.logId}, not ${other.log.logId})`,
    );
    await expectStreamStatus(
      a.subscribe(alice, { logId: "not-a-log" }),
      status.FAILED_PRECONDITION,
      `this server's event log is not the one you joined (it holds log ${server.log.logId}, not not-a-log)`,
    );
    // A participant of another log is unknown here: the log id is what the client must hear.
    await expectStreamStatus(
      a.subscribe(
        { ...alice, participantId: "someone-from-the-other-log" },
        { logId: other.log.logId },
      ),
      status.FAILED_PRECONDITION,
      `this server's event log is not the one you joined (it holds log ${server.log.logId}, not ${other.log.logId})`,
    );
    expect(server.view.top()).toEqual({ seq: 1, logicalTime: 1 });

    const rec = a.subscribe(alice, { logId: "" });
    await rec.waitForCount(1);
    expect(rec.events).toEqual(wholeLog(server).map((e) => asBroadcast(e, true)));
    expect(rec.status).toBeUndefined();
  });
});

describe("the switch from replay to live under concurrent publishing", () => {
  test("a since = 0 subscriber over several pages gets every event exactly once, in order", async () => {
    const server = await h.start();
    const [p, pub] = await participant(server, "Pub");
    await publishMany(p, pub, 300, { prefix: "early", concurrency: 30 });
    const [s, sub] = await participant(server, "Sub");
    const before = server.view.top().seq;
    expect(before).toBe(302);

    const more = publishMany(p, pub, 500, { prefix: "late", concurrency: 10 });
    const rec = s.subscribe(sub, { since: 0 });
    await more;
    await waitForTop(server, rec);
    const log = wholeLog(server);
    expect(log).toHaveLength(802);
    expect(rec.events.map((e) => e.seq)).toEqual(range(1, 802));
    expect(rec.events.map(withoutFlag)).toEqual(log.map((e) => withoutFlag(asBroadcast(e, true))));
    // What was stored before the Subscribe came from the log; the stream then went live.
    expect(rec.events.slice(0, before).every((e) => e.replayed)).toBe(true);
    expect(rec.events.some((e) => !e.replayed)).toBe(true);
  });

  test("subscribers starting at staggered moments each get the whole log once, in order", async () => {
    const server = await h.start();
    const [p, pub] = await participant(server, "Pub");
    await publishMany(p, pub, 300, { prefix: "early", concurrency: 30 });
    const subs = await Promise.all(
      ["S1", "S2", "S3", "S4", "S5"].map((name) => participant(server, name)),
    );

    const more = publishMany(p, pub, 600, { prefix: "late", concurrency: 10 });
    const recs: Recorder[] = [];
    for (const [i, [client, who]] of subs.entries()) {
      // Start each one after another 100 or so events were stored.
      const mark = 305 + i * 100;
      await waitFor(() => server.view.top().seq >= mark, { what: `seq ${mark}` });
      recs.push(client.subscribe(who, { since: 0 }));
    }
    await more;
    const log = wholeLog(server);
    expect(log).toHaveLength(1 + 300 + 5 + 600);
    const expected = log.map((e) => withoutFlag(asBroadcast(e, true)));
    for (const rec of recs) {
      await waitForTop(server, rec);
      expect(rec.events.map(withoutFlag)).toEqual(expected);
    }
  });

  test("a stream cut mid-flow and resumed from its last logical time misses nothing and repeats nothing", async () => {
    const server = await h.start();
    const [p, pub] = await participant(server, "Pub");
    const [s, sub] = await participant(server, "Sub");
    const first = s.subscribe(sub, { since: 0 });
    const traffic = publishMany(p, pub, 600, { concurrency: 10 });
    await first.waitForCount(200);
    first.cancel();
    await first.waitForEnd();
    const seen = [...first.events];
    const last = defined(seen.at(-1));
    const second = s.subscribe(sub, { since: last.logicalTime });
    await traffic;
    await waitForTop(server, second, last.seq + 1);
    expect([...seen, ...second.events].map(withoutFlag)).toEqual(
      wholeLog(server).map((e) => withoutFlag(asBroadcast(e, true))),
    );
    expect(second.events[0]).toMatchObject({ seq: last.seq + 1, replayed: true });
  });
});
