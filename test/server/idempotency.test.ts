import { afterEach, describe, expect, test } from "bun:test";
import { wholeLog } from "../support/events.ts";
import { Harness } from "../support/harness.ts";
import { defined, range } from "../support/values.ts";

const h = new Harness();
afterEach(() => h.dispose());

/** The message events in the log, as [seq, sender name, content]. */
function messages(server: Awaited<ReturnType<Harness["start"]>>): [number, string, string][] {
  return wholeLog(server)
    .filter((e) => e.kind === "message")
    .map((e) => [e.seq, e.name, e.content]);
}

describe("Publish.message_id", () => {
  test("a sequential retry with the same id returns the first ack and stores nothing new", async () => {
    const server = await h.start();
    const client = h.client(server.address);
    const alice = await client.join("Alice");
    const watch = client.subscribe(alice);

    const first = await client.publish(alice, "hello", { messageId: "m-1", logicalTime: 3 });
    expect(first).toEqual({ seq: 2, logicalTime: 4 });
    const other = await client.publish(alice, "in between");
    // The retry may carry a newer clock (and even other text): the first ack still stands.
    const retry = await client.publish(alice, "hello", { messageId: "m-1", logicalTime: 50 });
    const changed = await client.publish(alice, "edited?", { messageId: "m-1" });
    expect(retry).toEqual(first);
    expect(changed).toEqual(first);
    const after = await client.publish(alice, "after");
    expect(after).toEqual({ seq: other.seq + 1, logicalTime: other.logicalTime + 1 });

    expect(messages(server)).toEqual([
      [2, "Alice", "hello"],
      [3, "Alice", "in between"],
      [4, "Alice", "after"],
    ]);
    // Subscribers saw the message once.
    await watch.waitForCount(4);
    expect(watch.events.map((e) => e.content).slice(1)).toEqual(["hello", "in between", "after"]);
  });

  test("concurrent copies in the same tick store one event and all get its ack", async () => {
    const server = await h.start();
    const client = h.client(server.address);
    const alice = await client.join("Alice");
    const copies = await Promise.all(
      range(1, 10).map((i) =>
        client.publish(alice, "only once", { messageId: "dup", logicalTime: i }),
      ),
    );
    const stored = messages(server);
    expect(stored).toEqual([[2, "Alice", "only once"]]);
    const [event] = wholeLog(server).slice(-1);
    expect(copies).toEqual(
      range(1, 10).map(() => ({ seq: 2, logicalTime: defined(event).logicalTime })),
    );

    // Two copies on two connections, racing each other: still one event.
    const second = h.client(server.address);
    const [x, y] = await Promise.all([
      client.publish(alice, "racing", { messageId: "race" }),
      second.publish(alice, "racing", { messageId: "race" }),
    ]);
    expect(x).toEqual(y);
    expect(messages(server)).toEqual([
      [2, "Alice", "only once"],
      [3, "Alice", "racing"],
    ]);
  });

  test("the same id from two participants is two messages", async () => {
    const server = await h.start();
    const client = h.client(server.address);
    const alice = await client.join("Alice");
    const bob = await client.join("Bob");
    const [a, b] = await Promise.all([
      client.publish(alice, "hi", { messageId: "1" }),
      client.publish(bob, "hi", { messageId: "1" }),
    ]);
    expect(a.seq).not.toBe(b.seq);
    expect(await client.publish(alice, "hi", { messageId: "1" })).toEqual(a);
    expect(await client.publish(bob, "hi", { messageId: "1" })).toEqual(b);
    expect(messages(server).map(([, name, content]) => [name, content])).toEqual([
      ["Alice", "hi"],
      ["Bob", "hi"],
    ]);
  });

  test("an empty message_id never dedupes", async () => {
    const server = await h.start();
    const client = h.client(server.address);
    const alice = await client.join("Alice");
    const sequential = [
      await client.publish(alice, "same", { messageId: "" }),
      await client.publish(alice, "same", { messageId: "" }),
    ];
    const concurrent = await Promise.all(
      range(1, 3).map(() => client.publish(alice, "same", { messageId: "" })),
    );
    expect(new Set([...sequential, ...concurrent].map((ack) => ack.seq)).size).toBe(5);
    expect(messages(server)).toEqual(range(2, 6).map((seq) => [seq, "Alice", "same"]));
  });

  test("a retry after a server restart still finds the first message", async () => {
    const dbPath = h.dbPath();
    const first = await h.start({ dbPath });
    const alice = await h.client(first.address).join("Alice");
    const ack = await h.client(first.address).publish(alice, "durable", { messageId: "keep" });
    await first.stop();

    const second = await h.start({ dbPath });
    const client = h.client(second.address);
    expect(await client.publish(alice, "durable", { messageId: "keep" })).toEqual(ack);
    expect(messages(second)).toEqual([[ack.seq, "Alice", "durable"]]);
  });
});
