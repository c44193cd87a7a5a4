import { afterEach, describe, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import type { Broadcast__Output } from "../../src/protocol/proto.ts";
import { asBroadcast, wholeLog } from "../support/events.ts";
import { expectStatus, expectStreamStatus } from "../support/expect-status.ts";
import type { Joined, Recorder, TestClient } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import type { TestServer } from "../support/server.ts";
import { defined } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const GRACE_MS = 200;
const HAS_LEFT = "this participant has left the chat; join again";
const leftSentence = (name: string, lt: number) =>
  `Participant ${name} left Chit Chat at logical time ${lt}`;

const h = new Harness();
afterEach(() => h.dispose());

const leaveOf = (who: Pick<Joined, "participantId">) => (e: Broadcast__Output) =>
  e.kind === "EVENT_KIND_LEAVE" && e.participantId === who.participantId;

/** Waits until `rec` has seen `who` leave; returns that LEAVE. */
async function waitForLeave(rec: Recorder, who: Joined): Promise<Broadcast__Output> {
  await waitFor(() => rec.events.some(leaveOf(who)), { what: `${who.name} to leave` });
  return rec.events.find(leaveOf(who)) as Broadcast__Output;
}

/** Someone who joins and listens. */
async function observer(
  server: TestServer,
  name = "Olga",
): Promise<[TestClient, Joined, Recorder]> {
  const client = h.client(server.address);
  const who = await client.join(name);
  const rec = client.subscribe(who);
  await rec.waitForCount(1);
  return [client, who, rec];
}

let markers = 0;
/**
 * Returns once a full leave grace has passed (as the server counts it): a
 * participant who joins now and never subscribes has been announced as left.
 */
async function oneGraceLater(server: TestServer, watcher: Recorder): Promise<void> {
  markers += 1;
  const marker = await h.client(server.address).join(`Marker${markers}`);
  await waitForLeave(watcher, marker);
}

describe("the leave grace", () => {
  test("a participant who never subscribes is announced as left once the grace has passed", async () => {
    const server = await h.start({ leaveGraceMs: GRACE_MS });
    const [, , olga] = await observer(server);
    const client = h.client(server.address);
    const ghost = await client.join("Ghost");

    const leave = await waitForLeave(olga, ghost);
    const log = wholeLog(server);
    const join = log.find((e) => e.seq === ghost.seq);
    expect(leave).toEqual(asBroadcast(defined(log.at(-1)), false));
    expect(leave).toMatchObject({
      seq: ghost.seq + 1,
      name: "Ghost",
      content: leftSentence("Ghost", leave.logicalTime),
    });
    expect(leave.sentAtMs - defined(join).sentAtMs).toBeGreaterThanOrEqual(GRACE_MS - 1);
    await expectStatus(client.publish(ghost, "boo"), status.UNAUTHENTICATED, HAS_LEFT);
    expect(server.server.hub.participants().map((p) => p.name)).toEqual(["Olga"]);
  });

  test("a cancelled stream that does not come back is announced as left and its token dies", async () => {
    const server = await h.start({ leaveGraceMs: GRACE_MS });
    const [, , olga] = await observer(server);
    const client = h.client(server.address);
    const vic = await client.join("Vic");
    const stream = client.subscribe(vic);
    await stream.waitForCount(1);
    stream.cancel();
    expect((await stream.waitForEnd()).code).toBe(status.CANCELLED);
    await waitFor(() => server.server.hub.subscriberCount() === 1, {
      what: "Vic's stream to close",
    });
    const closedAt = Date.now();

    const leave = await waitForLeave(olga, vic);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 10);
    expect(leave).toMatchObject({ name: "Vic", content: leftSentence("Vic", leave.logicalTime) });
    await expectStatus(client.publish(vic, "I'm back"), status.UNAUTHENTICATED, HAS_LEFT);
    await expectStreamStatus(client.subscribe(vic), status.UNAUTHENTICATED, HAS_LEFT);
    await expectStatus(client.leave(vic), status.UNAUTHENTICATED, HAS_LEFT);
  });

  test("a participant who resubscribes within the grace is not announced as left", async () => {
    const server = await h.start({ leaveGraceMs: GRACE_MS });
    const [oc, olgaWho, olga] = await observer(server);
    const client = h.client(server.address);
    const ret = await client.join("Ret");
    const first = client.subscribe(ret);
    await first.waitForCount(1);
    first.cancel();
    await first.waitForEnd();
    // The server has seen the stream go: the grace is running.
    await waitFor(() => server.server.hub.subscriberCount() === 1, {
      what: "Ret's stream to close",
    });
    const again = client.subscribe(ret, { since: defined(first.events.at(-1)).logicalTime });

    // Two graces later, Ret is still here and still hears everything.
    await oneGraceLater(server, olga);
    await oneGraceLater(server, olga);
    const marker = await oc.publish(olgaWho, "are you still there?");
    await waitFor(() => again.events.some((e) => e.seq === marker.seq), { what: "the marker" });
    expect(olga.events.filter(leaveOf(ret))).toEqual([]);
    expect(
      wholeLog(server)
        .filter((e) => e.kind === "leave")
        .map((e) => e.name),
    ).toEqual([`Marker${markers - 1}`, `Marker${markers}`]);
    expect(again.events.map((e) => e.seq)).toEqual(
      wholeLog(server)
        .filter((e) => e.seq > ret.seq)
        .map((e) => e.seq),
    );
    expect(await client.publish(ret, "still here")).toMatchObject({ seq: marker.seq + 1 });
  });

  test("a second Subscribe replaces the first: the first ends ABORTED, the second keeps going", async () => {
    const server = await h.start({ leaveGraceMs: GRACE_MS });
    const [oc, olgaWho, olga] = await observer(server);
    const client = h.client(server.address);
    const rex = await client.join("Rex");
    const first = client.subscribe(rex);
    await first.waitForCount(1);
    const second = h.client(server.address).subscribe(rex);
    await second.waitForCount(1);

    const end = await first.waitForEnd();
    expect({ code: end.code, details: end.details }).toEqual({
      code: status.ABORTED,
      details: "replaced by a newer Subscribe for the same participant",
    });
    await oneGraceLater(server, olga);
    const ack = await oc.publish(olgaWho, "after the switch");
    await waitFor(() => second.events.some((e) => e.seq === ack.seq), { what: "the message" });
    expect(first.events.map((e) => e.seq)).toEqual([rex.seq]);
    expect(second.events.map((e) => e.content)).toEqual([
      `Participant Rex joined Chit Chat at logical time ${rex.logicalTime}`,
      ...wholeLog(server)
        .filter((e) => e.seq > rex.seq)
        .map((e) => e.content),
    ]);
    expect(second.status).toBeUndefined();
    // Replacing a stream is not leaving.
    expect(olga.events.filter(leaveOf(rex))).toEqual([]);
    expect(server.server.hub.subscriberCount()).toBe(2);
  });

  test("a rejected second Subscribe (bad since or log id) leaves the open stream alone", async () => {
    const server = await h.start({ leaveGraceMs: GRACE_MS });
    const [, , olga] = await observer(server);
    const client = h.client(server.address);
    const sam = await client.join("Sam");
    const open = client.subscribe(sam);
    await open.waitForCount(1);
    await expectStreamStatus(
      client.subscribe(sam, { since: 1_000 }),
      status.OUT_OF_RANGE,
      `since 1000 is ahead of the log (its newest logical time is ${sam.logicalTime})`,
    );
    const badLog = client.subscribe(sam, { logId: "elsewhere" });
    expect((await badLog.waitForEnd()).code).toBe(status.FAILED_PRECONDITION);

    await oneGraceLater(server, olga);
    const ack = await client.publish(sam, "still streaming");
    await waitFor(() => open.events.some((e) => e.seq === ack.seq), { what: "Sam's message" });
    expect(open.status).toBeUndefined();
    expect(olga.events.filter(leaveOf(sam))).toEqual([]);
  });

  test("the leaver's own stream gets its LEAVE and ends OK; a second Leave is UNAUTHENTICATED", async () => {
    const server = await h.start({ leaveGraceMs: GRACE_MS });
    const [, , olga] = await observer(server);
    const client = h.client(server.address);
    const lea = await client.join("Lea");
    const own = client.subscribe(lea);
    await own.waitForCount(1);

    const ack = await client.leave(lea, { logicalTime: 40 });
    expect(ack).toEqual({ seq: lea.seq + 1, logicalTime: 41 });
    const end = await own.waitForEnd();
    expect(end.code).toBe(status.OK);
    const stored = defined(wholeLog(server).at(-1));
    expect(stored).toMatchObject({ kind: "leave", content: leftSentence("Lea", 41) });
    expect(own.events).toEqual([
      asBroadcast(defined(wholeLog(server).find((e) => e.seq === lea.seq)), true),
      asBroadcast(stored, false),
    ]);
    await waitForLeave(olga, lea);
    expect(olga.events.at(-1)).toEqual(asBroadcast(stored, false));
    await expectStatus(client.leave(lea), status.UNAUTHENTICATED, HAS_LEFT);
    // Nothing more was stored, and the grace does not announce her a second time.
    await oneGraceLater(server, olga);
    expect(
      wholeLog(server)
        .filter((e) => e.kind === "leave")
        .map((e) => e.name),
    ).toEqual(["Lea", `Marker${markers}`]);
  });
});

describe("presence across a restart", () => {
  test("who was present gets the grace again: the absent are announced, a returner resumes exactly", async () => {
    const dbPath = h.dbPath();
    const first = await h.start({ dbPath, leaveGraceMs: GRACE_MS });
    const c1 = h.client(first.address);
    const ann = await c1.join("Ann");
    const bea = await c1.join("Bea");
    const cal = await c1.join("Cal");
    const streams = [ann, bea, cal].map((who) => c1.subscribe(who, { since: 0 }));
    await c1.publish(ann, "before the restart");
    for (const s of streams) await s.waitForCount(4);
    const [annFirst, , calFirst] = streams as [Recorder, Recorder, Recorder];
    const calSaw = defined(calFirst.events.at(-1));
    await first.stop();
    for (const s of streams) {
      const end = await s.waitForEnd();
      expect({ code: end.code, details: end.details }).toEqual({
        code: status.UNAVAILABLE,
        details: "server shutting down",
      });
    }

    const startedAt = Date.now();
    const second = await h.start({ dbPath, leaveGraceMs: GRACE_MS });
    const c2 = h.client(second.address);
    // Ann comes back at once and talks while Cal is still away; Bea never returns.
    const annAgain = c2.subscribe(ann, { since: defined(annFirst.events.at(-1)).logicalTime });
    await c2.publish(ann, "missed 1");
    await c2.publish(ann, "missed 2");
    const calAgain = c2.subscribe(cal, { since: calSaw.logicalTime });

    const beaLeft = await waitForLeave(annAgain, bea);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(GRACE_MS);
    expect(beaLeft).toMatchObject({
      name: "Bea",
      content: leftSentence("Bea", beaLeft.logicalTime),
    });
    await waitForLeave(calAgain, bea);

    const missed = wholeLog(second).filter((e) => e.seq > calSaw.seq);
    expect(missed.map((e) => [e.kind, e.name, e.content])).toEqual([
      ["message", "Ann", "missed 1"],
      ["message", "Ann", "missed 2"],
      ["leave", "Bea", leftSentence("Bea", beaLeft.logicalTime)],
    ]);
    // Cal hears exactly what it missed (from the log), then the live LEAVE: no gap, no repeat.
    expect(calAgain.events).toEqual([
      ...missed.slice(0, 2).map((e) => asBroadcast(e, true)),
      ...missed.slice(2).map((e) => asBroadcast(e, false)),
    ]);
    expect(annAgain.events.map((e) => e.seq)).toEqual(missed.map((e) => e.seq));
    await expectStatus(c2.publish(bea, "wait"), status.UNAUTHENTICATED, HAS_LEFT);
    expect(second.server.hub.participants().map((p) => p.name)).toEqual(["Ann", "Cal"]);
    // Two graces on, Ann and Cal are still there.
    await oneGraceLater(second, annAgain);
    expect(
      wholeLog(second)
        .filter((e) => e.kind === "leave")
        .map((e) => e.name),
    ).toEqual(["Bea", `Marker${markers}`]);
  });
});
