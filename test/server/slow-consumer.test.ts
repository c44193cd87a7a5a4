import { afterEach, describe, expect, test } from "bun:test";
import { SUBSCRIBER_CONNECTION } from "../../bench/lib/grpc.ts";
import { RECEIVE_WINDOW_BYTES } from "../../src/protocol/client-constructor.ts";
import { type Broadcast__Output, loadChitChat } from "../../src/protocol/proto.ts";
import { MAX_PENDING_BYTES } from "../../src/server/stream-sinks.ts";
import { asBroadcast, wholeLog, withoutFlag } from "../support/events.ts";
import { publishMany } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import type { TestServerOptions } from "../support/server.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const COUNT = 3000;
/** 100 characters each: the index, padded with x. */
const text = (i: number) => String(i).padStart(100, "x");

const serializeBroadcast = loadChitChat().ChitChat.service.Subscribe.responseSerialize as (
  value: Broadcast__Output,
) => Buffer;
/** An event's bytes on the wire. */
const encodedSize = (event: Broadcast__Output) => serializeBroadcast(event).length;

/** Each bound alone; the other is out of reach. */
const DEFAULT_BOUNDS: TestServerOptions = {};
const BOUNDS: [string, TestServerOptions][] = [
  ["the default bounds", DEFAULT_BOUNDS],
  ["a bound of 64 events", { maxQueueEvents: 64, maxQueueBytes: Number.MAX_SAFE_INTEGER }],
  ["a bound of 32 KiB", { maxQueueEvents: 2 ** 31 - 1, maxQueueBytes: 32 * 1024 }],
];
/** Backpressure works per gRPC message, so each bound is held on both stream shapes. */
const RPCS = ["subscribe", "subscribeBatches"] as const;
const CASES = RPCS.flatMap((rpc) => BOUNDS.map(([what, bounds]) => [rpc, what, bounds] as const));

describe("a subscriber that stops reading", () => {
  test.each(CASES)(
    "on %s, with %s, does not delay the others, and later gets everything once, in order, from the log",
    async (rpc, _, bounds) => {
      // The publisher never opens a stream: a long grace keeps its LEAVE out of a slow run.
      const server = await h.start({ ...bounds, leaveGraceMs: 600_000 });
      const s = h.client(server.address);
      const slowWho = await s.join("Slow");
      const slow = s[rpc](slowWho);
      await slow.waitForCount(1);
      // Stop reading: grpc-js stops pulling from the HTTP/2 stream, so its window fills up.
      slow.call.pause();

      const f = h.client(server.address);
      const fastWho = await f.join("Fast");
      const fast = f[rpc](fastWho);
      await fast.waitForCount(1);

      const p = h.client(server.address);
      const pub = await p.join("Pub");
      await publishMany(p, pub, COUNT, { text, concurrency: 100 });
      expect(wholeLog(server)[3]?.content).toBe(text(0));
      const top = server.view.top().seq;
      expect(top).toBe(3 + COUNT);

      // The fast reader has everything while the slow one is still paused.
      await fast.waitForCount(top - fastWho.seq + 1, 20_000);
      expect(slow.events).toHaveLength(1);
      const log = wholeLog(server);
      expect(fast.events.map((e) => e.seq)).toEqual(range(fastWho.seq, top));
      const rest = log.filter((e) => e.seq > fastWho.seq);
      if (bounds === DEFAULT_BOUNDS) {
        expect(fast.events.slice(1)).toEqual(rest.map((e) => asBroadcast(e, false)));
      } else {
        // A queue this small can overflow for a fast reader too, in a burst: it
        // is then served from the log like the slow one, so the flag may vary.
        expect(fast.events.slice(1).map(withoutFlag)).toEqual(
          rest.map((e) => withoutFlag(asBroadcast(e, false))),
        );
      }

      slow.call.resume();
      await slow.waitForCount(top);
      expect(slow.events.map((e) => e.seq)).toEqual(range(1, top));
      expect(slow.events.map(withoutFlag)).toEqual(
        log.map((e) => withoutFlag(asBroadcast(e, true))),
      );
      // It fell behind past its queue and was served from the log: later events came replayed.
      const servedFromLog = slow.events.filter((e) => e.seq > 3 && e.replayed).length;
      // The transport holds more events when they travel in batches (a stalled
      // batch stream measured ~1,700 of 3,000 taken before it reported itself
      // full, Subscribe ~700), but a bounded amount: the rest must come from the log.
      expect(servedFromLog).toBeGreaterThan(rpc === "subscribe" ? COUNT / 2 : COUNT / 4);
      // The hub's own account: the queue overflowed into the log and never passed its bound.
      const stats = server.server.hub.queueStats();
      expect(stats.fallbacks).toBeGreaterThanOrEqual(1);
      expect(stats.peakEvents).toBeLessThanOrEqual(bounds.maxQueueEvents ?? 1024);
      expect(stats.peakBytes).toBeLessThanOrEqual(bounds.maxQueueBytes ?? 1024 * 1024);
      // And once caught up it is live again.
      const ack = await p.publish(pub, "after catching up");
      await waitFor(() => slow.events.length === top + 1, { what: "the next event" });
      expect(slow.events.at(-1)).toMatchObject({ seq: ack.seq, replayed: false });
    },
  );
});

describe("a ChitChat subscriber (a 1 MiB receive window) that stops reading", () => {
  test("takes at most its window and the server's pending bytes; the rest it gets from the log", async () => {
    // Enough to pass the window several times over: 100-character events are ~150 bytes on the wire.
    const count = 20_000;
    const server = await h.start({ leaveGraceMs: 600_000 });
    const s = h.client(server.address, SUBSCRIBER_CONNECTION);
    const slowWho = await s.join("Slow");
    const slow = s.subscribeBatches(slowWho);
    await slow.waitForCount(1);
    slow.call.pause();

    const p = h.client(server.address);
    const pub = await p.join("Pub");
    await publishMany(p, pub, count, { text, concurrency: 100 });
    const top = server.view.top().seq;
    expect(top).toBe(2 + count);

    slow.call.resume();
    await slow.waitForCount(top, 60_000);
    const log = wholeLog(server);
    expect(slow.events.map((e) => e.seq)).toEqual(range(1, top));
    expect(slow.events.map(withoutFlag)).toEqual(log.map((e) => withoutFlag(asBroadcast(e, true))));
    // What the transport took while it was paused came live; it is bounded by
    // the window and MAX_PENDING_BYTES (plus socket buffers), not by the traffic.
    const taken = slow.events.filter((e) => e.seq > 2 && !e.replayed);
    const takenBytes = taken.reduce((sum, e) => sum + encodedSize(e), 0);
    expect(takenBytes).toBeLessThan(RECEIVE_WINDOW_BYTES + MAX_PENDING_BYTES + 256 * 1024);
    expect(slow.events.filter((e) => e.seq > 2 && e.replayed).length).toBeGreaterThan(count / 4);
    const stats = server.server.hub.queueStats();
    expect(stats.fallbacks).toBeGreaterThanOrEqual(1);
    expect(stats.peakEvents).toBeLessThanOrEqual(1024);
    expect(stats.peakBytes).toBeLessThanOrEqual(1024 * 1024);
  }, 120_000);
});
