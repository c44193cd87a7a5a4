import { afterEach, describe, expect, test } from "bun:test";
import type { PublishAck__Output } from "../../src/protocol/proto.ts";
import { asBroadcast, wholeLog, withoutFlag } from "../support/events.ts";
import type { Joined, Recorder, TestClient } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { defined, range } from "../support/values.ts";

// Waits inside the tests time out first, so a stuck stream fails with a message.

const h = new Harness();
afterEach(() => h.dispose());

interface Sent {
  who: Joined;
  content: string;
  logicalTime: number;
}

/** Joins `n` participants, each on its own connection. */
async function joinAll(address: string, names: string[]): Promise<[TestClient, Joined][]> {
  const out: [TestClient, Joined][] = [];
  for (const name of names) {
    const client = h.client(address);
    out.push([client, await client.join(name)]);
  }
  return out;
}

/** Subscribers that joined before the test's traffic; waits until each has seen its own JOIN. */
async function subscribers(address: string, n: number): Promise<{ who: Joined; rec: Recorder }[]> {
  const out: { who: Joined; rec: Recorder }[] = [];
  for (const [client, who] of await joinAll(
    address,
    range(1, n).map((i) => `Sub${i}`),
  )) {
    const rec = client.subscribe(who);
    await rec.waitForCount(1);
    out.push({ who, rec });
  }
  return out;
}

describe("total order under concurrent publishers", () => {
  test("5 publishers × 200 concurrent messages: one dense, Lamport-stamped order seen by every subscriber", async () => {
    const server = await h.start();
    const subs = await subscribers(server.address, 3);
    const publishers = await joinAll(server.address, ["P0", "P1", "P2", "P3", "P4"]);

    // Varied client clocks: some behind the server, some far ahead of it.
    const sent: Sent[] = [];
    for (let k = 0; k < 200; k += 1) {
      for (const [p, [, who]] of publishers.entries()) {
        const logicalTime = k % 10 === 3 ? 5_000 + p * 1_000 + k * 3 : k % 10 === 7 ? 0 : k;
        sent.push({ who, content: `P${p} says ${k}`, logicalTime });
      }
    }
    const clientOf = new Map(publishers.map(([client, who]) => [who.participantId, client]));
    // Fire everything before awaiting anything.
    const pending = sent.map(({ who, content, logicalTime }) =>
      (clientOf.get(who.participantId) as TestClient).publish(who, content, { logicalTime }),
    );
    const acks: PublishAck__Output[] = await Promise.all(pending);

    const log = wholeLog(server);
    const n = log.length;
    expect(n).toBe(3 + 5 + 1000);
    expect(log.map((e) => e.seq)).toEqual(range(1, n));
    for (const { rec } of subs) await rec.waitForCount(n - defined(rec.events[0]).seq + 1);

    // Lamport rule, event by event: lt = max(previous lt, the request's lt) + 1.
    const requestTime = new Map(sent.map((s) => [s.content, s.logicalTime]));
    let previous = 0;
    const violations: string[] = [];
    for (const e of log) {
      const asked = e.kind === "message" ? (requestTime.get(e.content) as number) : 0;
      if (e.logicalTime !== Math.max(previous, asked) + 1) {
        violations.push(`seq ${e.seq}: lt ${e.logicalTime} after ${previous}, asked ${asked}`);
      }
      previous = e.logicalTime;
    }
    expect(violations).toEqual([]);

    // Every ack names the event that holds that message, and is later than what was asked.
    const bySeq = new Map(log.map((e) => [e.seq, e]));
    const ackMismatches = sent.filter(({ who, content, logicalTime }, i) => {
      const ack = acks[i] as PublishAck__Output;
      const e = bySeq.get(ack.seq);
      return (
        e === undefined ||
        e.content !== content ||
        e.participantId !== who.participantId ||
        e.logicalTime !== ack.logicalTime ||
        ack.logicalTime <= logicalTime
      );
    });
    expect(ackMismatches).toEqual([]);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(1000);

    // Every subscriber got exactly the log from its own JOIN on (its JOIN replayed from the log;
    // the rest live, or from the log again if it fell behind, so the flag is not compared).
    for (const { who, rec } of subs) {
      expect(rec.events[0]).toEqual(asBroadcast(defined(bySeq.get(who.seq)), true));
      expect(rec.events.map(withoutFlag)).toEqual(
        log.filter((e) => e.seq >= who.seq).map((e) => withoutFlag(asBroadcast(e, false))),
      );
    }
    // ...so all three saw the same sequence of messages.
    const messagesOf = (rec: Recorder) =>
      rec.events.filter((e) => e.kind === "EVENT_KIND_MESSAGE").map(withoutFlag);
    const [first, ...others] = subs.map(({ rec }) => messagesOf(rec));
    expect(first).toHaveLength(1000);
    for (const other of others) expect(other).toEqual(first as typeof other);
  });

  test("a publisher that awaits each ack sees its messages stored in the order it sent them", async () => {
    const server = await h.start();
    const subs = await subscribers(server.address, 2);
    const [[seqClient, sequential], ...noisy] = (await joinAll(server.address, [
      "Steady",
      "Noisy1",
      "Noisy2",
      "Noisy3",
    ])) as [[TestClient, Joined], ...[TestClient, Joined][]];

    const noise = noisy.flatMap(([client, who]) =>
      range(1, 150).map((i) => client.publish(who, `${who.name} ${i}`, { logicalTime: i * 7 })),
    );
    const steadyAcks: PublishAck__Output[] = [];
    for (let i = 1; i <= 60; i += 1) {
      steadyAcks.push(await seqClient.publish(sequential, `steady ${i}`, { logicalTime: i }));
    }
    await Promise.all(noise);

    const log = wholeLog(server);
    const steadyInLog = log.filter(
      (e) => e.participantId === sequential.participantId && e.kind === "message",
    );
    expect(steadyInLog.map((e) => e.content)).toEqual(range(1, 60).map((i) => `steady ${i}`));
    expect(steadyAcks).toEqual(
      steadyInLog.map((e) => ({ seq: e.seq, logicalTime: e.logicalTime })),
    );
    // Each ack is later (in seq and in Lamport time) than the one before.
    const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > (xs[i - 1] as number));
    expect(increasing(steadyAcks.map((a) => a.seq))).toBe(true);
    expect(increasing(steadyAcks.map((a) => a.logicalTime))).toBe(true);
    const top = server.view.top();
    for (const { who, rec } of subs) {
      await rec.waitForCount(top.seq - who.seq + 1);
      expect(rec.events.map(withoutFlag)).toEqual(
        log.filter((e) => e.seq >= who.seq).map((e) => withoutFlag(asBroadcast(e, false))),
      );
    }
  });
});

describe("Lamport rules at the server", () => {
  test("a request far ahead moves the clock there; later events continue from it, across a restart", async () => {
    const dbPath = h.dbPath();
    let server = await h.start({ dbPath });
    const a = h.client(server.address);
    const alice = await a.join("Alice");
    expect(alice).toMatchObject({ logicalTime: 1, seq: 1 });
    const watch = a.subscribe(alice);

    expect(await a.publish(alice, "behind", { logicalTime: 0 })).toEqual({
      logicalTime: 2,
      seq: 2,
    });
    expect(await a.publish(alice, "equal", { logicalTime: 2 })).toEqual({ logicalTime: 3, seq: 3 });
    expect(await a.publish(alice, "ahead", { logicalTime: 1_000_000 })).toEqual({
      logicalTime: 1_000_001,
      seq: 4,
    });
    expect(await a.publish(alice, "after", { logicalTime: 5 })).toEqual({
      logicalTime: 1_000_002,
      seq: 5,
    });
    const b = h.client(server.address);
    const bob = await b.join("Bob", 7);
    expect(bob).toMatchObject({ logicalTime: 1_000_003, seq: 6 });
    expect(await a.publish(alice, "further", { logicalTime: 1_000_010 })).toEqual({
      logicalTime: 1_000_011,
      seq: 7,
    });
    await watch.waitForCount(7);
    expect(watch.events.map((e) => [e.seq, e.logicalTime, e.content])).toEqual([
      [1, 1, "Participant Alice joined Chit Chat at logical time 1"],
      [2, 2, "behind"],
      [3, 3, "equal"],
      [4, 1_000_001, "ahead"],
      [5, 1_000_002, "after"],
      [6, 1_000_003, "Participant Bob joined Chit Chat at logical time 1000003"],
      [7, 1_000_011, "further"],
    ]);

    // The clock survives a restart: it starts from the newest time in the log.
    await server.stop();
    server = await h.start({ dbPath });
    const a2 = h.client(server.address);
    expect(await a2.publish(alice, "after restart", { logicalTime: 3 })).toEqual({
      logicalTime: 1_000_012,
      seq: 8,
    });
  });
});
