import { afterEach, describe, expect, test } from "bun:test";
import { Harness } from "../support/harness.ts";

const h = new Harness();
afterEach(() => h.dispose());

describe("the S1–S7 scenario with three participants", () => {
  test("joins, messages and leaves reach everyone with their logical times", async () => {
    const server = await h.start();
    const [a, b, c] = [
      h.client(server.address),
      h.client(server.address),
      h.client(server.address),
    ];

    const alice = await a.join("Alice", 1);
    expect(alice.logicalTime).toBe(2);
    expect(alice.seq).toBe(1);
    expect(alice.name).toBe("Alice");
    expect(alice.logId).toBe(server.log.logId);
    const aliceStream = a.subscribe(alice);
    await aliceStream.waitForCount(1);

    const bob = await b.join("Bob", 1);
    const bobStream = b.subscribe(bob);
    const carol = await c.join("Carol", 1);
    const carolStream = c.subscribe(carol);
    await carolStream.waitForCount(1);

    const hi = await b.publish(bob, "hej fra Bob", { logicalTime: 3 });
    const leave = await a.leave(alice, { logicalTime: 5 });
    await bobStream.waitForCount(4);
    await carolStream.waitForCount(3);

    const sentence = (who: string, verb: string, lt: number) =>
      `Participant ${who} ${verb} Chit Chat at logical time ${lt}`;
    // Alice sees her own JOIN, the others' JOINs, the message, then her LEAVE; then her stream ends OK.
    expect(await aliceStream.waitForEnd()).toMatchObject({ code: 0 });
    expect(aliceStream.events.map((e) => [e.seq, e.kind, e.content])).toEqual([
      [1, "EVENT_KIND_JOIN", sentence("Alice", "joined", 2)],
      [2, "EVENT_KIND_JOIN", sentence("Bob", "joined", 3)],
      [3, "EVENT_KIND_JOIN", sentence("Carol", "joined", 4)],
      [4, "EVENT_KIND_MESSAGE", "hej fra Bob"],
      [5, "EVENT_KIND_LEAVE", sentence("Alice", "left", leave.logicalTime)],
    ]);
    expect(hi).toEqual({ logicalTime: 5, seq: 4 });
    expect(leave).toEqual({ logicalTime: 6, seq: 5 });
    // Bob joined after Alice: he sees his own JOIN (since = JOIN - 1) and everything after.
    expect(bobStream.events.map((e) => e.content)).toEqual([
      sentence("Bob", "joined", 3),
      sentence("Carol", "joined", 4),
      "hej fra Bob",
      sentence("Alice", "left", 6),
    ]);
    expect(carolStream.events.map((e) => [e.seq, e.logicalTime])).toEqual([
      [3, 4],
      [4, 5],
      [5, 6],
    ]);
    expect(bobStream.events[2]).toMatchObject({
      kind: "EVENT_KIND_MESSAGE",
      participantId: bob.participantId,
      name: "Bob",
      logicalTime: 5,
    });
    expect(bobStream.status).toBeUndefined();
  });
});
