// The first step of a graceful shutdown (hub.close, what SIGTERM triggers
// before the gRPC server stops), seen through real gRPC calls: the commit that
// is pending is flushed and acked and reaches the open streams before they end
// UNAVAILABLE, and every call that arrives afterwards is refused with a
// sentence, changing nothing. test/process/shutdown.test.ts covers the process.
import { afterEach, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { asBroadcast, wholeLog } from "../support/events.ts";
import { expectStatus, expectStreamStatus } from "../support/expect-status.ts";
import { Harness } from "../support/harness.ts";

const h = new Harness();
afterEach(() => h.dispose());

const SHUTTING_DOWN = "server shutting down";

test("a pending group commit is flushed, acked and delivered before streams end UNAVAILABLE", async () => {
  const server = await h.start();
  const c = h.client(server.address);
  const ann = await c.join("Ann");
  const stream = c.subscribe(ann);
  await stream.waitForCount(1);
  const hub = server.server.hub;
  const me = await hub.authenticate(ann.participantId, ann.sessionToken);

  // Accepted, not yet committed: the group commit waits for the end of this turn.
  const pending = hub.publish(me, "in the last batch", 0, "last-1");
  const before = server.view.top().seq;
  await hub.close();
  // Committed by close() itself, before any stream was ended.
  expect(server.view.top().seq).toBe(before + 1);
  const event = await pending;
  expect(event).toMatchObject({ seq: before + 1, content: "in the last batch" });

  const end = await stream.waitForEnd();
  expect({ code: end.code, details: end.details }).toEqual({
    code: grpc.status.UNAVAILABLE,
    details: SHUTTING_DOWN,
  });
  expect(stream.events.map((e) => e.seq)).toEqual([ann.seq, event.seq]);
  expect(stream.events.at(-1)).toEqual(asBroadcast(event, false));
});

test("calls that arrive while shutting down are refused UNAVAILABLE with a sentence, changing nothing", async () => {
  const server = await h.start();
  const c = h.client(server.address);
  const ann = await c.join("Ann");
  await server.server.hub.close();
  const log = wholeLog(server);

  await expectStatus(c.join("Late"), grpc.status.UNAVAILABLE, SHUTTING_DOWN);
  await expectStatus(c.publish(ann, "too late"), grpc.status.UNAVAILABLE, SHUTTING_DOWN);
  await expectStatus(c.leave(ann), grpc.status.UNAVAILABLE, SHUTTING_DOWN);
  await expectStreamStatus(c.subscribe(ann), grpc.status.UNAVAILABLE, SHUTTING_DOWN);
  expect(wholeLog(server)).toEqual(log);
});
