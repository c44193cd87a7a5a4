// Heartbeats (EVENT_KIND_HEARTBEAT): an idle live stream is told the log's top
// every --heartbeat-ms, so a subscriber that silently missed an event notices.
import { afterEach, expect, test } from "bun:test";
import { wholeLog } from "../support/events.ts";
import { Harness } from "../support/harness.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const heartbeat = (seq: number, logicalTime: number) => ({
  seq,
  logicalTime,
  kind: "EVENT_KIND_HEARTBEAT" as const,
  participantId: "",
  name: "",
  content: "",
  sentAtMs: 0,
  replayed: false,
});

test("an idle stream gets heartbeats naming the log's top; none is stored", async () => {
  const server = await h.start({ heartbeatMs: 50 });
  const c = h.client(server.address);
  const ann = await c.join("Ann");
  const stream = c.subscribe(ann);
  const beats = () => stream.events.filter((e) => e.kind === "EVENT_KIND_HEARTBEAT");
  await waitFor(() => beats().length >= 2, { what: "two heartbeats" });
  expect(beats()[0]).toEqual(heartbeat(ann.seq, ann.logicalTime));

  const ack = await c.publish(ann, "hello", { logicalTime: 10 });
  await waitFor(() => beats().at(-1)?.seq === ack.seq, { what: "a heartbeat after the message" });
  expect(beats().at(-1)).toEqual(heartbeat(ack.seq, ack.logicalTime));
  // Events and heartbeats come in order: each heartbeat names the last event before it.
  let last = 0;
  for (const e of stream.events) {
    if (e.kind === "EVENT_KIND_HEARTBEAT") expect(e.seq).toBe(last);
    else last = e.seq;
  }
  expect(wholeLog(server).map((e) => e.kind)).toEqual(["join", "message"]);
}, 15_000);
