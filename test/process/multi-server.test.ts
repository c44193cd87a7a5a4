// Three real server processes on one PostgreSQL log, with real gRPC clients on
// each: one order for everyone, and resume and authentication through any server.
// (Two servers, the clock and names: postgres-servers.test.ts; faults:
// multi-server-*.test.ts.)
import { afterEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import type { Broadcast__Output, PublishAck__Output } from "../../src/protocol/proto.ts";
import { broadcastAsRow, visible } from "../support/events.ts";
import { bearer, grpcError, type Joined, type TestClient } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import {
  type AckRecord,
  logProblems,
  readPgEvents,
  startServers,
} from "../support/multi-server.ts";
import { sharedPostgres } from "../support/postgres.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

/** Nobody is announced as left here: presence after a fault is another test's subject. */
const GRACE = ["--leave-grace-ms", "3600000"];
/** Publishes per server, and how many each server's publisher keeps in flight. */
const PUBLISHES = 200;
const IN_FLIGHT = 8;

const events = (received: Broadcast__Output[]) =>
  received.filter((e) => e.kind !== "EVENT_KIND_HEARTBEAT");

/** Publishes `count` messages "<prefix> #<n>", `inFlight` at a time; returns every ack. */
async function publishAll(
  client: TestClient,
  who: Joined,
  prefix: string,
  count: number,
  inFlight: number,
): Promise<AckRecord[]> {
  const acks: AckRecord[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const content = `${prefix} #${next}`;
      next += 1;
      const ack = await client.publish(who, content, { messageId: content });
      acks.push({ participantId: who.participantId, content, ...ack });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return acks;
}

describe("three servers on one PostgreSQL log", () => {
  test(`publishers on all three at once (3 x ${PUBLISHES}, ${IN_FLIGHT} in flight each): one order everywhere`, async () => {
    const cluster = await sharedPostgres();
    const url = await cluster.createDatabase();
    const servers = await startServers(h, url, 3, GRACE);
    const clients = servers.map((s) => h.client(s.address));
    const subscribers: Joined[] = [];
    const publishers: Joined[] = [];
    for (const [i, client] of clients.entries()) {
      subscribers.push(await client.join(`Sub${i}`));
      publishers.push(await client.join(`Pub${i}`));
    }
    const streams = clients.map((client, i) =>
      client.subscribe(subscribers[i] as Joined, { since: 0 }),
    );
    const acks = (
      await Promise.all(
        clients.map((client, i) =>
          publishAll(client, publishers[i] as Joined, `s${i}`, PUBLISHES, IN_FLIGHT),
        ),
      )
    ).flat();
    const top = 6 + 3 * PUBLISHES;
    await waitFor(() => streams.every((s) => events(s.events).length >= top), {
      timeoutMs: 60_000,
      what: `every subscriber to see all ${top} events`,
    });

    const rows = await readPgEvents(url);
    expect(rows.length).toBe(top);
    expect(acks.length).toBe(3 * PUBLISHES);
    expect(logProblems(rows, acks)).toEqual([]);
    // Every subscriber, whichever server it is on, saw exactly the log, in its order.
    for (const stream of streams) {
      expect(events(stream.events).map(broadcastAsRow)).toEqual(rows.map(visible));
      expect(stream.status).toBeUndefined();
    }
    // The servers really did append side by side: the log switches between their publishers.
    const messages = rows.filter((r) => r.kind === "message");
    const switches = messages.filter(
      (r, i) => i > 0 && r.participantId !== messages[i - 1]?.participantId,
    ).length;
    expect(switches).toBeGreaterThan(2);
    console.log(
      `multi-server order: 3 servers, ${acks.length} acks, ${rows.length} events, ` +
        `${switches} switches between servers' publishers in the log, 3 subscribers identical`,
    );
  }, 120_000);

  test("resume through any server gives the same suffix; a forged token works nowhere", async () => {
    const cluster = await sharedPostgres();
    const url = await cluster.createDatabase();
    const servers = await startServers(h, url, 3, GRACE);
    const clients = servers.map((s) => h.client(s.address));
    const people: Joined[] = [];
    for (const [i, client] of clients.entries()) people.push(await client.join(`P${i}`));
    // Messages through every server, each by someone who joined on another one.
    const acks: AckRecord[] = [];
    for (let n = 0; n < 30; n += 1) {
      const client = clients[n % 3] as TestClient;
      const who = people[(n + 1) % 3] as Joined;
      const content = `m${n}`;
      acks.push({
        participantId: who.participantId,
        content,
        ...(await client.publish(who, content)),
      });
    }
    // The same message id through all three servers at once is one event.
    const same = await Promise.all(
      clients.map((client) =>
        client.publish(people[0] as Joined, "once", { messageId: "same-everywhere" }),
      ),
    );
    const once = same[0] as PublishAck__Output;
    expect(same).toEqual([once, once, once]);
    acks.push({ participantId: people[0]?.participantId ?? "", content: "once", ...once });

    const rows = await readPgEvents(url);
    expect(rows.length).toBe(3 + 31);
    expect(logProblems(rows, acks)).toEqual([]);
    const since = (rows[15]?.logicalTime ?? 0) as number;
    const suffix = rows.filter((r) => r.logicalTime > since).map(visible);
    expect(suffix.length).toBe(rows.length - 16);
    // Each server, for a participant who joined on another one.
    const resumed = [];
    for (const [i, client] of clients.entries()) {
      const stream = client.subscribe(people[(i + 1) % 3] as Joined, { since });
      await waitFor(() => events(stream.events).length >= suffix.length || stream.status, {
        timeoutMs: 30_000,
        what: `the suffix through server ${i}`,
      });
      stream.cancel();
      resumed.push(events(stream.events).map(broadcastAsRow));
    }
    expect(resumed).toEqual([suffix, suffix, suffix]);

    // A forged token is refused by every server, for every call.
    const forged = { ...(people[0] as Joined), metadata: bearer("forged-token") };
    for (const client of clients) {
      expect(await grpcError(client.publish(forged, "forged"))).toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
      });
      expect(await grpcError(client.history(forged, 5))).toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
      });
      const stream = client.subscribe(forged, { since: 0 });
      expect(await stream.waitForEnd(30_000)).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      expect(events(stream.events)).toEqual([]);
    }
    // And changed nothing.
    expect((await readPgEvents(url)).length).toBe(rows.length);
  }, 120_000);
});
