// ListParticipants and History over real gRPC: what they answer, and that
// every refusal has the right status, a sentence, and changes nothing.
import { afterEach, describe, expect, test } from "bun:test";
import { Metadata, status } from "@grpc/grpc-js";
import { asBroadcast, wholeLog } from "../support/events.ts";
import { expectStatus } from "../support/expect-status.ts";
import { bearer, type Joined, publishMany, type TestClient } from "../support/grpc-client.ts";
import { lengthDelimited, rawUnary, varintField } from "../support/grpc-raw.ts";
import { Harness } from "../support/harness.ts";
import type { TestServer } from "../support/server.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const MISSING_TOKEN =
  "missing session token: send metadata 'authorization: Bearer <session_token>'";
const MALFORMED = "malformed authorization metadata: expected 'Bearer <session_token>'";
const NOT_YOURS = "the session token does not belong to this participant";
const HAS_LEFT = "this participant has left the chat; join again";

interface Setup {
  server: TestServer;
  client: TestClient;
  alice: Joined;
  bob: Joined;
  carol: Joined;
}

/** Alice joined without a stream, Bob streaming, Carol joined and left, a few messages. */
async function setup(): Promise<Setup> {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const bob = await client.join("Bob");
  const stream = client.subscribe(bob);
  await stream.waitForCount(1);
  const carol = await client.join("Carol");
  await publishMany(client, bob, 5, { concurrency: 1 });
  await client.leave(carol);
  await waitFor(() => server.server.hub.participants().length === 2, { what: "Carol gone" });
  return { server, client, alice, bob, carol };
}

describe("ListParticipants", () => {
  test("lists who is in the chat now, in joining order, with whether each streams, and the log's top", async () => {
    const { server, client, alice, bob, carol } = await setup();
    const newest = wholeLog(server).at(-1);
    expect(newest).toMatchObject({ kind: "leave", participantId: carol.participantId });
    const expected = {
      participants: [
        {
          participantId: alice.participantId,
          name: "Alice",
          joinedLogicalTime: alice.logicalTime,
          joinedSeq: alice.seq,
          streaming: false,
        },
        {
          participantId: bob.participantId,
          name: "Bob",
          joinedLogicalTime: bob.logicalTime,
          joinedSeq: bob.seq,
          streaming: true,
        },
      ],
      // Carol's LEAVE, the newest event, is reflected: she is not listed.
      seq: newest?.seq as number,
    };
    expect(await client.listParticipants(alice)).toEqual(expected);
    expect(await client.listParticipants(bob)).toEqual(expected);
  });
});

describe("History", () => {
  test("answers the newest N events of the log, oldest first, as replayed Broadcasts", async () => {
    const { server, client, alice } = await setup();
    const log = wholeLog(server);
    expect(log).toHaveLength(9);
    expect(await client.history(alice, 3)).toEqual({
      events: log.slice(-3).map((e) => asBroadcast(e, true)),
    });
    expect((await client.history(alice, 1)).events.map((e) => [e.kind, e.name])).toEqual([
      ["EVENT_KIND_LEAVE", "Carol"],
    ]);
    // More than the log holds: all of it.
    expect(await client.history(alice, 1000)).toEqual({
      events: log.map((e) => asBroadcast(e, true)),
    });
  });
});

/** Runs the refused calls; the log and who is present must not change. */
async function expectNothingChanged(s: Setup, refused: () => Promise<void>): Promise<void> {
  const log = wholeLog(s.server);
  const present = await s.client.listParticipants(s.alice);
  await refused();
  expect(wholeLog(s.server)).toEqual(log);
  expect(await s.client.listParticipants(s.alice)).toEqual(present);
}

describe("both refuse bad calls and change nothing", () => {
  const calls = {
    ListParticipants: (c: TestClient, who: Joined, metadata?: Metadata) =>
      c.listParticipants(who, metadata ? { metadata } : {}),
    History: (c: TestClient, who: Joined, metadata?: Metadata) =>
      c.history(who, 10, metadata ? { metadata } : {}),
  };

  for (const [method, call] of Object.entries(calls)) {
    test(`${method}: missing, malformed, someone else's and dead tokens; unknown and empty ids`, async () => {
      const s = await setup();
      const { client, alice, bob, carol } = s;
      await expectNothingChanged(s, async () => {
        await expectStatus(
          call(client, alice, new Metadata()),
          status.UNAUTHENTICATED,
          MISSING_TOKEN,
        );
        const basic = new Metadata();
        basic.set("authorization", "Basic abc");
        await expectStatus(call(client, alice, basic), status.UNAUTHENTICATED, MALFORMED);
        await expectStatus(call(client, alice, bob.metadata), status.UNAUTHENTICATED, NOT_YOURS);
        await expectStatus(
          call(client, alice, bearer("x".repeat(43))),
          status.UNAUTHENTICATED,
          NOT_YOURS,
        );
        await expectStatus(call(client, carol), status.UNAUTHENTICATED, HAS_LEFT);
        const nobody = { ...alice, participantId: "nobody" };
        await expectStatus(
          call(client, nobody),
          status.NOT_FOUND,
          'no participant with id "nobody"',
        );
        const empty = { ...alice, participantId: "" };
        await expectStatus(
          call(client, empty),
          status.INVALID_ARGUMENT,
          "participant_id is required",
        );
        // Bytes that are not valid UTF-8 never reach the handler as text.
        await expectStatus(
          rawUnary(
            client,
            method as "History",
            lengthDelimited(1, Buffer.from([0xc3, 0x28])),
            alice.metadata,
          ),
          status.INVALID_ARGUMENT,
          "participant_id is not valid UTF-8",
        );
      });
    });
  }

  test("History: a limit outside 1..1000 is INVALID_ARGUMENT", async () => {
    const s = await setup();
    const { client, alice } = s;
    await expectNothingChanged(s, async () => {
      for (const limit of [0, 1001, 2 ** 32 - 1]) {
        await expectStatus(
          client.history(alice, limit),
          status.INVALID_ARGUMENT,
          `limit must be between 1 and 1000 (got ${limit})`,
        );
      }
      // An unset limit is 0 on the wire.
      await expectStatus(
        rawUnary(client, "History", lengthDelimited(1, alice.participantId), alice.metadata),
        status.INVALID_ARGUMENT,
        "limit must be between 1 and 1000 (got 0)",
      );
      // A well-formed raw request with the limit set does answer.
      const body = Buffer.concat([lengthDelimited(1, alice.participantId), varintField(2, 2n)]);
      expect((await rawUnary(client, "History", body, alice.metadata)).length).toBeGreaterThan(0);
    });
  });
});
