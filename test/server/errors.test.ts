import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Metadata, status } from "@grpc/grpc-js";
import { hashToken } from "../../src/server/sessions.ts";
import { wholeLog } from "../support/events.ts";
import { expectStatus, expectStreamStatus } from "../support/expect-status.ts";
import { bearer, grpcError, type Joined, type TestClient } from "../support/grpc-client.ts";
import { lengthDelimited, rawSubscribe, rawUnary } from "../support/grpc-raw.ts";
import { Harness } from "../support/harness.ts";
import { seededRandom } from "../support/random.ts";
import type { TestServer } from "../support/server.ts";

const h = new Harness();
afterEach(() => h.dispose());

const MISSING_TOKEN =
  "missing session token: send metadata 'authorization: Bearer <session_token>'";
const MALFORMED = "malformed authorization metadata: expected 'Bearer <session_token>'";
const NOT_YOURS = "the session token does not belong to this participant";
const HAS_LEFT = "this participant has left the chat; join again";
const TIME_TOO_BIG = `logical_time must be at most ${2 ** 52}`;
const joinedSentence = (name: string, lt: number) =>
  `Participant ${name} joined Chit Chat at logical time ${lt}`;

interface Setup {
  server: TestServer;
  client: TestClient;
  alice: Joined;
  bob: Joined;
}

/** A server with Alice and Bob joined. */
async function setup(): Promise<Setup> {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const bob = await client.join("Bob");
  return { server, client, alice, bob };
}

/** Runs the rejected calls, then checks the log did not change and the server still serves. */
async function expectNothingStored(
  { server, client }: Setup,
  rejected: () => Promise<void>,
): Promise<void> {
  const before = wholeLog(server);
  await rejected();
  expect(wholeLog(server)).toEqual(before);
  const watcher = await client.join("Watcher");
  const rec = client.subscribe(watcher);
  const ack = await client.publish(watcher, "still serving");
  await rec.waitForCount(2);
  expect(rec.events.map((e) => [e.seq, e.content])).toEqual([
    [before.length + 1, joinedSentence("Watcher", watcher.logicalTime)],
    [ack.seq, "still serving"],
  ]);
}

describe("Join rejects bad names and clocks", () => {
  test("empty, blank, too long, control and direction characters are INVALID_ARGUMENT", async () => {
    const s = await setup();
    const cases: [string, string][] = [
      ["", "name must not be empty"],
      ["   \t  ", "name must not be empty"],
      ["x".repeat(33), "name must be at most 32 characters (got 33)"],
      ["😀".repeat(33), "name must be at most 32 characters (got 33)"],
      ["B\no", "name must not contain control characters"],
      ["B\u001bo", "name must not contain control characters"],
      ["Bo\u0000", "name must not contain control characters"],
      ["\u0085Bo", "name must not contain control characters"],
      ["\u202eoB", "name must not contain invisible or text-direction characters"],
      ["B\u200bo", "name must not contain invisible or text-direction characters"],
    ];
    await expectNothingStored(s, async () => {
      for (const [name, details] of cases) {
        await expectStatus(s.client.join(name), status.INVALID_ARGUMENT, details);
      }
      await expectStatus(s.client.join("Cy", 2 ** 52 + 1), status.INVALID_ARGUMENT, TIME_TOO_BIG);
      await expectStatus(
        s.client.join("Cy", "18446744073709551615" as unknown as number),
        status.INVALID_ARGUMENT,
        TIME_TOO_BIG,
      );
    });
    expect(s.server.server.hub.participants().map((p) => p.name)).toEqual([
      "Alice",
      "Bob",
      "Watcher",
    ]);
  });

  test("names are trimmed; 32 characters (code points) fit; a clock of exactly 2^52 is fine", async () => {
    const { client } = await setup();
    expect((await client.join("  Cy \t")).name).toBe("Cy");
    expect((await client.join("x".repeat(32))).name).toBe("x".repeat(32));
    expect((await client.join(`  ${"😀".repeat(32)}  `)).name).toBe("😀".repeat(32));
    const far = await client.join("Far", 2 ** 52);
    expect(far).toMatchObject({ name: "Far", logicalTime: 2 ** 52 + 1, seq: 6 });
  });

  test("a present name gets a suffix; once its holder leaves the name is free again", async () => {
    const { client } = await setup();
    const bo = await client.join("Bo");
    expect(bo.name).toBe("Bo");
    const bo2 = await client.join("  Bo  ");
    expect(bo2.name).toBe("Bo#2");
    expect(bo2.seq).toBe(bo.seq + 1);
    // Names compare without case.
    expect((await client.join("bo")).name).toBe("bo#3");
    const rec = client.subscribe(bo2, { since: 0 });
    await rec.waitForCount(5);
    expect(rec.events.slice(2).map((e) => [e.name, e.content])).toEqual([
      ["Bo", joinedSentence("Bo", bo.logicalTime)],
      ["Bo#2", joinedSentence("Bo#2", bo2.logicalTime)],
      ["bo#3", joinedSentence("bo#3", bo2.logicalTime + 1)],
    ]);

    await client.leave(bo);
    expect((await client.join("Bo")).name).toBe("Bo");
    expect((await client.join("Bo")).name).toBe("Bo#4");
  });
});

describe("Publish rejects bad messages", () => {
  test("empty, blank, over 128 characters, control characters, long ids and huge clocks change nothing", async () => {
    const s = await setup();
    const { client, alice } = s;
    const cases: [string, { logicalTime?: number; messageId?: string }, string][] = [
      ["", {}, "message must not be empty"],
      ["   \t ", {}, "message must not be only whitespace"],
      ["\n", {}, "message must not be only whitespace"],
      ["x".repeat(129), {}, "message must be at most 128 characters (got 129)"],
      ["😀".repeat(129), {}, "message must be at most 128 characters (got 129)"],
      ["two\nlines", {}, "message must not contain control characters (such as newlines)"],
      ["\u001b[2Jwiped", {}, "message must not contain control characters (such as newlines)"],
      ["nul\u0000", {}, "message must not contain control characters (such as newlines)"],
      ["ok", { messageId: "x".repeat(65) }, "message_id must be at most 64 characters"],
      ["ok", { messageId: "id\n" }, "message_id must not contain control characters"],
      ["ok", { logicalTime: 2 ** 52 + 1 }, TIME_TOO_BIG],
      ["ok", { logicalTime: "18446744073709551615" as unknown as number }, TIME_TOO_BIG],
    ];
    await expectNothingStored(s, async () => {
      for (const [content, options, details] of cases) {
        await expectStatus(
          client.publish(alice, content, options),
          status.INVALID_ARGUMENT,
          details,
        );
      }
      // A lone surrogate cannot be encoded as UTF-8: the client library sends bytes that are not.
      await expectStatus(
        client.publish(alice, "half \ud83d"),
        status.INVALID_ARGUMENT,
        "content is not valid UTF-8",
      );
    });
  });

  test("exactly 128 characters (even as 256 UTF-16 units), tabs, a 64-character id and 2^52 are accepted", async () => {
    const { server, client, alice } = await setup();
    const accepted: [string, { logicalTime?: number; messageId?: string }][] = [
      ["x".repeat(128), {}],
      ["😀".repeat(128), {}],
      ["a\tb", {}],
      ["  padded  ", { messageId: "y".repeat(64) }],
      ["far", { logicalTime: 2 ** 52 }],
    ];
    for (const [content, options] of accepted) await client.publish(alice, content, options);
    expect(
      wholeLog(server)
        .slice(2)
        .map((e) => [e.content, e.logicalTime]),
    ).toEqual([
      ["x".repeat(128), 3],
      ["😀".repeat(128), 4],
      ["a\tb", 5],
      ["  padded  ", 6],
      ["far", 2 ** 52 + 1],
    ]);
  });

  test("a request over the 64 KiB message limit is RESOURCE_EXHAUSTED and stores nothing", async () => {
    const s = await setup();
    await expectNothingStored(s, async () => {
      const error = await grpcError(s.client.publish(s.alice, "x".repeat(65 * 1024)));
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(error.details).toMatch(/larger than max/);
    });
  });
});

describe("authentication", () => {
  const tokenCases = (s: Setup): [string, Metadata, string][] => {
    const raw = (value: string) => {
      const md = new Metadata();
      md.set("authorization", value);
      return md;
    };
    return [
      ["no metadata", new Metadata(), MISSING_TOKEN],
      ["another scheme", raw(`Token ${s.alice.sessionToken}`), MALFORMED],
      // A value with trailing whitespace does not survive the HTTP/2 transport:
      // the server sees no header at all.
      ["Bearer without a token", raw("Bearer "), MISSING_TOKEN],
      ["the word Bearer alone", raw("Bearer"), MALFORMED],
      ["two tokens", raw(`Bearer ${s.alice.sessionToken} extra`), MALFORMED],
      ["a made-up token", bearer("not-a-real-token"), NOT_YOURS],
      ["Bob's token", s.bob.metadata, NOT_YOURS],
      ["Alice's token with one character changed", bearer(`${s.alice.sessionToken}x`), NOT_YOURS],
    ];
  };

  test("Publish, Subscribe and Leave without Alice's own token are UNAUTHENTICATED", async () => {
    const s = await setup();
    const { client, alice } = s;
    await expectNothingStored(s, async () => {
      for (const [, metadata, details] of tokenCases(s)) {
        await expectStatus(
          client.publish(alice, "as Alice", { metadata }),
          status.UNAUTHENTICATED,
          details,
        );
        await expectStatus(client.leave(alice, { metadata }), status.UNAUTHENTICATED, details);
        await expectStreamStatus(
          client.subscribe(alice, { metadata }),
          status.UNAUTHENTICATED,
          details,
        );
      }
    });
    // None of that made Alice leave or took her stream.
    expect(s.server.server.hub.participants().map((p) => p.name)).toEqual([
      "Alice",
      "Bob",
      "Watcher",
    ]);
  });

  test("an unknown participant is NOT_FOUND; an empty participant_id is INVALID_ARGUMENT", async () => {
    const s = await setup();
    const { client, alice } = s;
    const nobody = { ...alice, participantId: "nobody" };
    const noId = { ...alice, participantId: "" };
    await expectNothingStored(s, async () => {
      const unknown = 'no participant with id "nobody"';
      await expectStatus(client.publish(nobody, "hi"), status.NOT_FOUND, unknown);
      await expectStatus(client.leave(nobody), status.NOT_FOUND, unknown);
      await expectStreamStatus(client.subscribe(nobody), status.NOT_FOUND, unknown);
      // Without a token the caller learns nothing about who exists.
      const anonymous = { ...nobody, metadata: new Metadata() };
      await expectStatus(client.publish(anonymous, "hi"), status.UNAUTHENTICATED, MISSING_TOKEN);

      const required = "participant_id is required";
      await expectStatus(client.publish(noId, "hi"), status.INVALID_ARGUMENT, required);
      await expectStatus(client.leave(noId), status.INVALID_ARGUMENT, required);
      await expectStreamStatus(client.subscribe(noId), status.INVALID_ARGUMENT, required);
    });
  });

  test("the database file holds each token's SHA-256, never the token", async () => {
    const { server, alice, bob } = await setup();
    server.log.close();
    const bytes = Buffer.concat(
      ["", "-wal"].map((suffix) => {
        const file = Bun.file(`${server.dbPath}${suffix}`);
        return file.size > 0 ? readFileSync(`${server.dbPath}${suffix}`) : Buffer.alloc(0);
      }),
    );
    for (const who of [alice, bob]) {
      expect(bytes.includes(who.sessionToken)).toBe(false);
      expect(bytes.includes(hashToken(who.sessionToken))).toBe(true);
    }
  });

  test("after Leave the token is dead for Publish, Subscribe and a second Leave", async () => {
    const s = await setup();
    const { client, alice } = s;
    const ack = await client.leave(alice);
    expect(wholeLog(s.server).at(-1)).toMatchObject({ seq: ack.seq, kind: "leave" });
    await expectNothingStored(s, async () => {
      await expectStatus(client.publish(alice, "ghost"), status.UNAUTHENTICATED, HAS_LEFT);
      await expectStreamStatus(client.subscribe(alice), status.UNAUTHENTICATED, HAS_LEFT);
      await expectStatus(client.leave(alice), status.UNAUTHENTICATED, HAS_LEFT);
    });
  });
});

describe("bytes that are not a valid request", () => {
  const INVALID_UTF8 = Uint8Array.from([0x66, 0xff, 0xfe, 0x6f]);

  test("a string field with invalid UTF-8 is INVALID_ARGUMENT, even before authentication", async () => {
    const s = await setup();
    const { client, alice } = s;
    await expectNothingStored(s, async () => {
      const publish = Buffer.concat([
        lengthDelimited(1, alice.participantId),
        lengthDelimited(2, INVALID_UTF8),
      ]);
      await expectStatus(
        rawUnary(client, "Publish", publish, alice.metadata),
        status.INVALID_ARGUMENT,
        "content is not valid UTF-8",
      );
      await expectStatus(
        rawUnary(client, "Publish", publish, new Metadata()),
        status.INVALID_ARGUMENT,
        "content is not valid UTF-8",
      );
      await expectStatus(
        rawUnary(client, "Join", lengthDelimited(1, INVALID_UTF8), new Metadata()),
        status.INVALID_ARGUMENT,
        "name is not valid UTF-8",
      );
      const messageId = Buffer.concat([
        lengthDelimited(1, alice.participantId),
        lengthDelimited(2, "fine"),
        lengthDelimited(4, INVALID_UTF8),
      ]);
      await expectStatus(
        rawUnary(client, "Publish", messageId, alice.metadata),
        status.INVALID_ARGUMENT,
        "message_id is not valid UTF-8",
      );
      await expectStatus(
        rawUnary(client, "Leave", lengthDelimited(1, INVALID_UTF8), alice.metadata),
        status.INVALID_ARGUMENT,
        "participant_id is not valid UTF-8",
      );
      const subscribe = await rawSubscribe(
        client,
        Buffer.concat([lengthDelimited(1, alice.participantId), lengthDelimited(3, INVALID_UTF8)]),
        alice.metadata,
      );
      expect({ code: subscribe.status.code, details: subscribe.status.details }).toEqual({
        code: status.INVALID_ARGUMENT,
        details: "log_id is not valid UTF-8",
      });
      expect(subscribe.messages).toBe(0);
    });
  });

  test("bytes that are no protobuf message at all are INVALID_ARGUMENT, not INTERNAL", async () => {
    const s = await setup();
    const { client, alice } = s;
    const garbage: Record<string, number[]> = {
      "a varint that never ends": [
        0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      ],
      "a length past the end": [0x12, 0x7f, 0x61, 0x62],
      "wire type 7": [0x0f, 0x01],
      "an end-group tag with no group": [0x0c],
    };
    await expectNothingStored(s, async () => {
      for (const [method, type] of [
        ["Publish", "PublishRequest"],
        ["Join", "JoinRequest"],
        ["Leave", "LeaveRequest"],
      ] as const) {
        for (const [what, bytes] of Object.entries(garbage)) {
          const error = await grpcError(
            rawUnary(client, method, Buffer.from(bytes), alice.metadata),
          );
          expect({ what, method, code: error.code, details: error.details }).toEqual({
            what,
            method,
            code: status.INVALID_ARGUMENT,
            details: `the request is not a valid ${type} message`,
          });
        }
      }
      for (const [what, bytes] of Object.entries(garbage)) {
        const { status: end } = await rawSubscribe(client, Buffer.from(bytes), alice.metadata);
        expect({ what, code: end.code, details: end.details }).toEqual({
          what,
          code: status.INVALID_ARGUMENT,
          details: "the request is not a valid SubscribeRequest message",
        });
      }
    });
  });

  test("random bytes never get INTERNAL and never store anything (seeded fuzz)", async () => {
    const s = await setup();
    const { client, alice } = s;
    const random = seededRandom(0x2f6b_1d37);
    const randomBytes = () => random.bytes(1 + random.below(40));
    const seen = new Set<number>();
    await expectNothingStored(s, async () => {
      for (let i = 0; i < 150; i += 1) {
        const body = randomBytes();
        // Without a token nothing can be stored; with Alice's, a random body names no one.
        for (const [method, metadata] of [
          ["Publish", new Metadata()],
          ["Publish", alice.metadata],
          ["Leave", alice.metadata],
        ] as const) {
          const error = await grpcError(rawUnary(client, method, body, metadata));
          seen.add(error.code);
          if (
            ![status.INVALID_ARGUMENT, status.UNAUTHENTICATED, status.NOT_FOUND].includes(
              error.code,
            )
          ) {
            throw new Error(`${method} ${body.toString("hex")}: ${error.code} ${error.details}`);
          }
        }
        const { status: end } = await rawSubscribe(client, body, new Metadata());
        const expected = [
          status.INVALID_ARGUMENT,
          status.UNAUTHENTICATED,
          status.FAILED_PRECONDITION,
        ];
        if (!expected.includes(end.code)) {
          throw new Error(`Subscribe ${body.toString("hex")}: ${end.code} ${end.details}`);
        }
      }
    });
    expect(seen.has(status.INTERNAL)).toBe(false);
    expect(seen.has(status.INVALID_ARGUMENT)).toBe(true);
  });
});
