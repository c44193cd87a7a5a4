// SubscribeBatches: the Subscribe stream with several events per gRPC message.
// Everything but the framing must be the same as Subscribe (the other server
// tests hold those guarantees through Subscribe); these hold the batching
// itself and the sameness, through a raw client that counts messages.
import { afterEach, describe, expect, test } from "bun:test";
import { Metadata, status } from "@grpc/grpc-js";
import { asBroadcast, wholeLog, withoutFlag } from "../support/events.ts";
import {
  type Joined,
  publishMany,
  type Recorder,
  type TestClient,
} from "../support/grpc-client.ts";
import { lengthDelimited, rawSubscribe } from "../support/grpc-raw.ts";
import { Harness } from "../support/harness.ts";
import type { TestServer } from "../support/server.ts";
import { defined, range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

/** The hub's replay page (createHub's default). */
const PAGE = 256;

async function participant(server: TestServer, name: string): Promise<[TestClient, Joined]> {
  const client = h.client(server.address);
  return [client, await client.join(name)];
}

/** How a stream's end looks, to compare the two RPCs. */
async function ending(rec: Recorder) {
  const end = await rec.waitForEnd();
  return { code: end.code, details: end.details, events: rec.events };
}

describe("SubscribeBatches", () => {
  test("replays in pages and goes live in order, no gap or duplicate at the switch, while others publish", async () => {
    const server = await h.start();
    const [p, pub] = await participant(server, "Pub");
    await publishMany(p, pub, 600, { prefix: "before" });
    const [r, reader] = await participant(server, "Reader");
    // Publishing goes on while the stream replays and switches to live.
    const during = publishMany(p, pub, 600, { prefix: "during" });
    const rec = r.subscribeBatches(reader, { since: 0 });
    await during;
    const last = await p.publish(pub, "after");
    await rec.waitForCount(last.seq);
    const log = wholeLog(server);
    expect(rec.events.map((e) => e.seq)).toEqual(range(1, last.seq));
    expect(rec.events.map(withoutFlag)).toEqual(log.map((e) => withoutFlag(asBroadcast(e, true))));
    // Both sides of the switch were exercised, and the stream ended live.
    expect(rec.events.some((e) => e.replayed)).toBe(true);
    expect(rec.events.some((e) => !e.replayed && e.content.startsWith("during"))).toBe(true);
    expect(rec.events.at(-1)).toEqual(asBroadcast(defined(log.at(-1)), false));
    expect(rec.messageSizes.length).toBeLessThan(rec.events.length / 2);
    expect(rec.status).toBeUndefined();
  });

  test("a replay of 1000 events comes in pages of 256, where Subscribe sends 1000 messages", async () => {
    const server = await h.start();
    const [p, pub] = await participant(server, "Pub");
    await publishMany(p, pub, 1000);
    const [r, reader] = await participant(server, "Reader");
    const top = server.view.top().seq;
    const batches = r.subscribeBatches(reader, { since: 0 });
    await batches.waitForCount(top);
    expect(batches.events).toEqual(wholeLog(server).map((e) => asBroadcast(e, true)));
    const full = Math.floor(top / PAGE);
    expect(batches.messageSizes).toEqual([...Array(full).fill(PAGE), top - full * PAGE]);

    // The old RPC is untouched: one message per event. (It replaces the stream above.)
    const single = r.subscribe(reader, { since: 0 });
    await single.waitForCount(top);
    expect(single.events).toEqual(batches.events);
    expect(single.messageSizes).toEqual(Array(top).fill(1));
  });

  test("while live, the events of one commit come in one message", async () => {
    const server = await h.start();
    const [r, reader] = await participant(server, "Reader");
    const rec = r.subscribeBatches(reader);
    await rec.waitForCount(1);
    const commits: number[] = [];
    server.log.onAppend((events) => commits.push(events.length));
    const [p, pub] = await participant(server, "Pub");
    await publishMany(p, pub, 300, { concurrency: 100 });
    const top = server.view.top().seq;
    await rec.waitForCount(top - reader.seq + 1);
    const live = rec.messageSizes.slice(1);
    expect(live.reduce((a, b) => a + b, 0)).toBe(1 + 300);
    // Concurrent publishes share commits, so batching has something to do …
    expect(Math.max(...commits)).toBeGreaterThan(1);
    // … and no commit is split over messages (a full stream may merge several).
    expect(live.length).toBeLessThanOrEqual(commits.length);
    expect(rec.events.slice(1)).toEqual(
      wholeLog(server)
        .filter((e) => e.seq > reader.seq)
        .map((e) => asBroadcast(e, false)),
    );
  });

  test("an idle live stream gets a heartbeat as a batch of one, with the log's top", async () => {
    const server = await h.start({ heartbeatMs: 100 });
    const [c, ann] = await participant(server, "Ann");
    const rec = c.subscribeBatches(ann);
    await waitFor(() => rec.events.some((e) => e.kind === "EVENT_KIND_HEARTBEAT"), {
      what: "a heartbeat",
    });
    const top = server.view.top();
    expect(rec.messageSizes.slice(0, 2)).toEqual([1, 1]);
    expect(rec.events[1]).toEqual({
      seq: top.seq,
      logicalTime: top.logicalTime,
      kind: "EVENT_KIND_HEARTBEAT",
      participantId: "",
      name: "",
      content: "",
      sentAtMs: 0,
      replayed: false,
    });
  });
});

describe("SubscribeBatches behaves as Subscribe", () => {
  test("bad requests end both with the same status and sentence, and nothing stored", async () => {
    const server = await h.start();
    const [c, alice] = await participant(server, "Alice");
    const [, bob] = await participant(server, "Bob");
    const [, gone] = await participant(server, "Gone");
    await c.leave(gone);
    const log = wholeLog(server);
    const cases: [string, Parameters<TestClient["subscribe"]>, status][] = [
      ["no token", [alice, { metadata: new Metadata() }], status.UNAUTHENTICATED],
      ["Bob's token", [alice, { metadata: bob.metadata }], status.UNAUTHENTICATED],
      ["an unknown participant", [{ ...alice, participantId: "nobody" }], status.NOT_FOUND],
      ["no participant id", [{ ...alice, participantId: "" }], status.INVALID_ARGUMENT],
      ["since ahead of the log", [alice, { since: 1_000 }], status.OUT_OF_RANGE],
      ["another log's id", [alice, { logId: "elsewhere" }], status.FAILED_PRECONDITION],
      ["a participant who left", [gone], status.UNAUTHENTICATED],
    ];
    for (const [what, args, code] of cases) {
      const old = await ending(c.subscribe(...args));
      const batched = await ending(c.subscribeBatches(...args));
      expect({ what, ...batched }).toEqual({ what, ...old });
      expect({ what, code: batched.code, events: batched.events }).toEqual({
        what,
        code,
        events: [],
      });
    }
    // Bytes that are not a SubscribeRequest: the same INVALID_ARGUMENT.
    const garbage = lengthDelimited(1, Uint8Array.from([0x66, 0xff, 0xfe]));
    const [old, batched] = await Promise.all(
      (["Subscribe", "SubscribeBatches"] as const).map((method) =>
        rawSubscribe(c, garbage, alice.metadata, { method }),
      ),
    );
    expect(defined(batched).status.code).toBe(status.INVALID_ARGUMENT);
    expect({ ...defined(batched).status, metadata: undefined }).toEqual({
      ...defined(old).status,
      metadata: undefined,
    });
    expect(wholeLog(server)).toEqual(log);
  });

  test("a newer stream of either kind replaces the other with ABORTED; presence is having one", async () => {
    const server = await h.start();
    const [c, rex] = await participant(server, "Rex");
    const replaced = "replaced by a newer Subscribe for the same participant";
    const batched = c.subscribeBatches(rex);
    await batched.waitForCount(1);
    const single = c.subscribe(rex);
    await single.waitForCount(1);
    expect(await ending(batched)).toMatchObject({ code: status.ABORTED, details: replaced });
    const again = c.subscribeBatches(rex);
    await again.waitForCount(1);
    expect(await ending(single)).toMatchObject({ code: status.ABORTED, details: replaced });
    expect(server.server.hub.subscriberCount()).toBe(1);
    const ack = await c.publish(rex, "still here");
    await again.waitForCount(2);
    expect(again.events.at(-1)).toMatchObject({ seq: ack.seq, replayed: false });
  });

  test("the leaver's batch stream gets its LEAVE last and ends OK; shutdown ends others UNAVAILABLE", async () => {
    const server = await h.start();
    const [c, lea] = await participant(server, "Lea");
    const [, ann] = await participant(server, "Ann");
    const own = c.subscribeBatches(lea);
    const other = c.subscribeBatches(ann);
    await own.waitForCount(2);
    await other.waitForCount(1);
    const ack = await c.leave(lea);
    expect((await own.waitForEnd()).code).toBe(status.OK);
    expect(own.events.at(-1)).toMatchObject({ seq: ack.seq, kind: "EVENT_KIND_LEAVE" });
    await other.waitForCount(2);
    await server.server.hub.close();
    expect(await ending(other)).toMatchObject({
      code: status.UNAVAILABLE,
      details: "server shutting down",
    });
    expect(await ending(c.subscribeBatches(ann))).toEqual({
      code: status.UNAVAILABLE,
      details: "server shutting down",
      events: [],
    });
  });
});
