// Two real server processes on one PostgreSQL database (--db postgres://…, and
// CHITCHAT_DB): one chat, one order, one clock, sessions valid on both.
import { afterEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import type { PublishAck__Output } from "../../src/protocol/proto.ts";
import { bearer, grpcError } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { getJson, scrape } from "../support/http.ts";
import { sharedPostgres } from "../support/postgres.ts";
import { logLine, whenListening } from "../support/server-process.ts";

const h = new Harness();
afterEach(() => h.dispose());

// No one is announced as left in these tests: presence across servers is not their subject.
const GRACE = ["--leave-grace-ms", "3600000"];

describe("two servers on one PostgreSQL log", () => {
  test("publishes through either server reach subscribers on both, in one order", async () => {
    const cluster = await sharedPostgres();
    // trust authentication ignores the password; the logs must not show it.
    const url = (await cluster.createDatabase()).replace("postgres@", "postgres:s3cret@");
    const a = await h.server(url, GRACE);
    const b = await whenListening(
      h.bun(
        ["src/server/main.ts", "--port", "0", "--admin-port", "0", "--publish-rate", "0", ...GRACE],
        { CHITCHAT_DB: url },
      ),
    );
    for (const server of [a, b]) {
      expect(server.stdout.text).not.toContain("s3cret");
      expect(logLine(server.stdout.text, "listening")?.db).toBe(url.replace("s3cret", "***"));
    }
    const ca = h.client(a.address);
    const cb = h.client(b.address);
    const alice = await ca.join("Alice");
    const bob = await cb.join("alice", 100);
    expect(bob.logId).toBe(alice.logId);
    expect([alice.seq, bob.seq, bob.name]).toEqual([1, 2, "alice#2"]);
    expect(bob.logicalTime).toBe(101);

    const onA = ca.subscribe(alice, { since: 0 });
    const onB = cb.subscribe(bob, { since: 0 });
    const acks: PublishAck__Output[] = [];
    acks.push(await ca.publish(alice, "from a", { messageId: "m1" }));
    acks.push(await cb.publish(bob, "from b, far ahead", { logicalTime: 5000 }));
    // A clock moved on B moves it for A's next event too.
    acks.push(await ca.publish(alice, "from a again"));
    // Alice's session works on B; the same message id through B is the same event.
    const again = await cb.publish(alice, "from a", { messageId: "m1" });
    expect(again).toEqual(acks[0] as PublishAck__Output);
    expect(acks.map((ack) => [ack.seq, ack.logicalTime])).toEqual([
      [3, 102],
      [4, 5001],
      [5, 5002],
    ]);
    await onA.waitForCount(5);
    await onB.waitForCount(5);
    const seen = (events: typeof onA.events) =>
      events
        .filter((e) => e.kind !== "EVENT_KIND_HEARTBEAT")
        .map((e) => [e.seq, e.logicalTime, e.name, e.content]);
    expect(seen(onA.events)).toEqual(seen(onB.events));
    expect(seen(onA.events).map((e) => e[3])).toEqual([
      "Participant Alice joined Chit Chat at logical time 1",
      "Participant alice#2 joined Chit Chat at logical time 101",
      "from a",
      "from b, far ahead",
      "from a again",
    ]);
    // Each server counts the events it committed, not every event its tail brings.
    const committed = async (adminUrl: string) => {
      const metrics = await scrape(adminUrl);
      return ["join", "message", "leave"].map(
        (kind) => metrics.get(`chitchat_events_appended_total{kind="${kind}"}`) ?? 0,
      );
    };
    expect(await committed(a.adminUrl)).toEqual([1, 2, 0]);
    expect(await committed(b.adminUrl)).toEqual([1, 1, 0]);

    // A forged token is refused on either server.
    for (const client of [ca, cb]) {
      const forged = client.publish(alice, "forged", { metadata: bearer("not-a-token") });
      expect(await grpcError(forged)).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    }
  });
});

test("--advertise-address and --advertise-admin-url are what the other servers and /servers show", async () => {
  const url = await (await sharedPostgres()).createDatabase();
  const a = await h.server(url, [
    ...GRACE,
    ...["--advertise-address", "chat-a.example.com:50051"],
    ...["--advertise-admin-url", "https://chat-a.example.com/admin"],
  ]);
  const b = await h.server(url, GRACE);
  const listed = async (server: typeof a) =>
    (
      await getJson<{ servers: { address: string; adminUrl: string | null; self: boolean }[] }>(
        server.adminUrl,
        "/servers",
      )
    ).body.servers
      .map(({ address, adminUrl, self }) => ({ address, adminUrl, self }))
      .sort((x, y) => x.address.localeCompare(y.address));
  const expected = (fromA: boolean) =>
    [
      { address: b.address, adminUrl: b.adminUrl, self: !fromA },
      {
        address: "chat-a.example.com:50051",
        adminUrl: "https://chat-a.example.com/admin",
        self: fromA,
      },
    ].sort((x, y) => x.address.localeCompare(y.address));
  expect(await listed(b)).toEqual(expected(false));
  expect(await listed(a)).toEqual(expected(true));
  expect(logLine(a.stdout.text, "listening")).toMatchObject({
    address: a.address,
    advertise: "chat-a.example.com:50051",
    advertiseAdmin: "https://chat-a.example.com/admin",
  });
});

test("--max-participants is the chat's cap, counted across the servers sharing the log", async () => {
  const url = await (await sharedPostgres()).createDatabase();
  const cap = [...GRACE, "--max-participants", "2"];
  const [a, b] = [await h.server(url, cap), await h.server(url, cap)];
  const [ca, cb] = [h.client(a.address), h.client(b.address)];
  const ana = await ca.join("Ana");
  await cb.join("Bo");
  // Each server has let in only one, but the chat has two.
  for (const client of [ca, cb]) {
    expect(await grpcError(client.join("Cy"))).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: "the chat is full (2 participants); try again when someone has left",
    });
  }
  await ca.leave(ana);
  expect((await cb.join("Cy")).name).toBe("Cy");
});
