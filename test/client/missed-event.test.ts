// Live gap detection: a subscriber whose stream silently lost an event notices
// at the next heartbeat and resumes. The loss is real: a TCP proxy between the
// client session and the server removes that event's gRPC message from the
// HTTP/2 bytes, leaving connection and stream intact, so the client gets no hole
// in seq to see (nothing follows the lost event) and no error. The session
// streams with SubscribeBatches, where one message can hold several events: the
// test checks the message it drops holds the lost event alone, so exactly one
// event is lost.
import { afterEach, expect, test } from "bun:test";
import { type Broadcast__Output, loadChitChat } from "../../src/protocol/proto.ts";
import { wholeLog } from "../support/events.ts";
import { dropGrpcMessages } from "../support/h2-filter.ts";
import { Harness } from "../support/harness.ts";
import { seqs } from "../support/sessions.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const LOST = "the message the network lost";
const HEARTBEAT_MS = 200;

/** The events of a BroadcastBatch on the wire, or undefined for other messages (acks). */
function batchEvents(bytes: Buffer): Broadcast__Output[] | undefined {
  try {
    return loadChitChat().ChitChat.service.SubscribeBatches.responseDeserialize(bytes).events;
  } catch {
    return undefined;
  }
}

test("a live event lost on the wire is noticed at the next heartbeat and delivered once", async () => {
  const server = await h.start({ heartbeatMs: HEARTBEAT_MS });
  let dropped = 0;
  let heartbeats = 0;
  let droppedEvents: Broadcast__Output[] = [];
  const proxy = await h.proxy({
    target: server.address,
    serverToClient: () =>
      dropGrpcMessages((message) => {
        const events = batchEvents(message);
        if (events?.[0]?.kind === "EVENT_KIND_HEARTBEAT") heartbeats += 1;
        if (dropped > 0 || !message.includes(LOST)) return false;
        dropped += 1;
        droppedEvents = events ?? [];
        return true;
      }),
  });
  const a = h.session(proxy.address, "Ann");
  const me = await a.session.join();

  // A healthy idle stream: heartbeats pass through, the session shows none of them.
  await waitFor(() => heartbeats >= 2, { what: "two heartbeats through the proxy" });
  expect(seqs(a.events)).toEqual([me.seq]);
  expect(a.statuses.map((s) => s.type)).toEqual(["connected"]);

  const pub = h.client(server.address);
  const bo = await pub.join("Bo");
  await pub.publish(bo, "before");
  const lost = await pub.publish(bo, LOST);
  // Nothing follows the lost event, so only a heartbeat can reveal it.
  await waitFor(() => a.events.some((e) => e.content === LOST), {
    timeoutMs: 10 * HEARTBEAT_MS + 5_000,
    what: "the lost event to be delivered after a heartbeat",
  });
  expect(dropped).toBe(1);
  // The lost message was a batch holding the lost event alone.
  expect(droppedEvents.map((e) => e.seq)).toEqual([lost.seq]);
  const log = wholeLog(server);
  expect(seqs(a.events)).toEqual(range(me.seq, lost.seq));
  expect(a.events.map(({ replayed: _, ...e }) => e)).toEqual(log);
  expect(a.statuses).toContainEqual({
    type: "behind",
    lastSeq: lost.seq - 1,
    topSeq: lost.seq,
    since: (log.at(-2) as { logicalTime: number }).logicalTime,
  });
  console.log(
    `missed event: 1 event dropped on the wire, noticed via heartbeat (${HEARTBEAT_MS} ms), ` +
      `delivered once; ${heartbeats} heartbeats seen, ${a.events.length} events, 0 gaps, 0 duplicates`,
  );
}, 20_000);
