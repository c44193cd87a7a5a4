// Malformed and hostile PublishStream messages at a real server (seeded, so a
// failure replays): a bad message gets a result with a proper code and ends
// nothing; a bad first message ends the stream with a proper status; never
// INTERNAL/UNKNOWN; every stored message was acked and nothing else was stored;
// the server serves on.
import { afterEach, expect, test } from "bun:test";
import { type Metadata, status } from "@grpc/grpc-js";
import { loadChitChat, type PublishResult__Output } from "../../src/protocol/proto.ts";
import { wholeLog } from "../support/events.ts";
import { bearer, type TestClient } from "../support/grpc-client.ts";
import { lengthDelimited as f, varintField } from "../support/grpc-raw.ts";
import { Harness } from "../support/harness.ts";
import { cancelPublishStreams, publishStream } from "../support/publish-stream.ts";
import { type SeededRandom, seededRandom } from "../support/random.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(async () => {
  cancelPublishStreams();
  await h.dispose();
});

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const STREAMS = 24;
const PER_STREAM = 60;
const DEADLINE_MS = 20_000;
const { OK, INVALID_ARGUMENT, UNAUTHENTICATED, NOT_FOUND, RESOURCE_EXHAUSTED } = status;
const decodeResult = loadChitChat().ChitChat.service.PublishStream.responseDeserialize as (
  bytes: Buffer,
) => PublishResult__Output;

interface Sent {
  what: string;
  body: Buffer;
  /** Result codes this message may get; random bytes may also happen to be a valid request. */
  expect: readonly status[];
}

const publish = (
  pid: string,
  content: Buffer | string,
  id: Buffer | string,
  extra: Buffer[] = [],
) => Buffer.concat([...(pid ? [f(1, pid)] : []), f(2, content), f(4, id), ...extra]);

function invalidUtf8(r: SeededRandom): Buffer {
  const bad = r.pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xfe, 0xfe]]);
  return Buffer.concat([Buffer.from(`x${r.below(1000)}`), Buffer.from(bad)]);
}

/** A hostile message after a valid first one (the stream's participant is `pid`). */
function hostile(r: SeededRandom, pid: string, otherPid: string, n: number): Sent {
  const id = `fz-${n}`;
  const cases: (() => Sent)[] = [
    () => ({ what: "random bytes", body: r.bytes(r.below(120)), expect: [INVALID_ARGUMENT, OK] }),
    () => ({
      what: "invalid UTF-8 content",
      body: publish(pid, invalidUtf8(r), id),
      expect: [INVALID_ARGUMENT],
    }),
    () => ({
      what: "invalid UTF-8 message_id",
      body: publish(pid, "ok", invalidUtf8(r)),
      expect: [INVALID_ARGUMENT],
    }),
    () => ({
      what: "invalid UTF-8 participant_id",
      body: publish("", "ok", id, [f(1, invalidUtf8(r))]),
      expect: [INVALID_ARGUMENT],
    }),
    () => ({
      what: "control characters",
      body: publish(pid, `a${String.fromCharCode(r.pick([0, 7, 10, 27, 127, 0x9b]))}b`, id),
      expect: [INVALID_ARGUMENT],
    }),
    () => ({
      what: "long content",
      body: publish(pid, "y".repeat(129 + r.below(20_000)), id),
      expect: [INVALID_ARGUMENT],
    }),
    () => ({
      what: "long message_id",
      body: publish(pid, "ok", "i".repeat(65 + r.below(100))),
      expect: [INVALID_ARGUMENT],
    }),
    () => ({ what: "no message_id", body: publish(pid, "ok", ""), expect: [INVALID_ARGUMENT] }),
    () => ({
      what: "huge logical_time",
      body: publish(pid, "ok", id, [
        varintField(3, r.pick([2n ** 53n, 2n ** 63n, 2n ** 64n - 1n])),
      ]),
      expect: [INVALID_ARGUMENT],
    }),
    () => ({
      what: "another participant",
      body: publish(r.pick([otherPid, crypto.randomUUID()]), "ok", id),
      expect: [INVALID_ARGUMENT],
    }),
    () => ({
      what: "a string where a number goes",
      body: Buffer.concat([publish(pid, "ok", id), f(3, "seven")]),
      expect: [INVALID_ARGUMENT],
    }),
    () => ({
      what: "truncated",
      body: publish(pid, "truncated", id).subarray(0, 5 + r.below(10)),
      expect: [INVALID_ARGUMENT, OK],
    }),
    () => ({ what: "valid", body: publish(r.pick([pid, ""]), `fine ${n}`, id), expect: [OK] }),
  ];
  return r.pick(cases)();
}

interface Outcome {
  results: PublishResult__Output[];
  status: status;
}

/**
 * Sends raw request bodies over one PublishStream, half-closes, collects
 * everything. `last` goes out only once every other body has its result: a
 * message over the size limit makes grpc-js end the call at once, dropping
 * results still owed (clients resend those with their ids), so sending it
 * earlier would make the count of results a race.
 */
function rawStream(
  client: TestClient,
  metadata: Metadata,
  bodies: Buffer[],
  last?: Buffer,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = client.raw.makeBidiStreamRequest(
      "/chitchat.v1.ChitChat/PublishStream",
      (b: Buffer) => b,
      (b: Buffer) => b,
      metadata,
      { deadline: Date.now() + DEADLINE_MS },
    );
    const results: PublishResult__Output[] = [];
    call.on("data", (bytes: Buffer) => {
      results.push(decodeResult(bytes));
      if (last && results.length === bodies.length) {
        call.write(last);
        call.end();
      }
    });
    call.on("error", () => {});
    call.on("status", (s) => resolve({ results, status: s.code }));
    for (const body of bodies) call.write(body);
    if (!last) call.end();
  });
}

test("hostile PublishStream messages: proper codes only, nothing stored unacked, the server serves on", async () => {
  const server = await h.start({ limits: { maxMessageBytes: 64 * 1024 } });
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const bob = await client.join("Bob");
  const watching = client.subscribe(alice);
  const before = wholeLog(server);
  const r = seededRandom(SEED);
  const wrong: string[] = [];
  const codes: Record<string, number> = {};
  const count = (code: status) => {
    const name = status[code] ?? String(code);
    codes[name] = (codes[name] ?? 0) + 1;
  };
  const acked = new Set<number>();

  const runs: Promise<void>[] = [];
  let n = 0;
  for (let s = 0; s < STREAMS; s++) {
    const first = publish(alice.participantId, `first ${s}`, `first-${s}`);
    const sent: Sent[] = Array.from({ length: PER_STREAM }, () =>
      hostile(r, alice.participantId, bob.participantId, n++),
    );
    const tooBig = s % 8 === 0;
    const bodies = [first, ...sent.map((m) => m.body)];
    const big = tooBig ? publish(alice.participantId, "z".repeat(1024 * 1024), "big") : undefined;
    runs.push(
      rawStream(client, alice.metadata, bodies, big).then(({ results, status: end }) => {
        count(end);
        // Over the size limit grpc-js itself ends the call RESOURCE_EXHAUSTED.
        const expectedEnd = tooBig ? RESOURCE_EXHAUSTED : OK;
        if (end !== expectedEnd) wrong.push(`stream ${s} ended ${status[end]}`);
        if (results.length !== PER_STREAM + 1) {
          wrong.push(`stream ${s}: ${results.length} results for ${PER_STREAM + 1} requests`);
        }
        results.forEach((result, i) => {
          count(result.code);
          if (result.code === OK && result.ack) acked.add(result.ack.seq);
          const expected = i === 0 ? [OK] : (sent[i - 1] as Sent).expect;
          if (!expected.includes(result.code)) {
            wrong.push(`stream ${s} #${i} ${sent[i - 1]?.what ?? "first"}: ${status[result.code]}`);
          }
          if (result.code !== OK && result.error === "")
            wrong.push(`stream ${s} #${i}: no sentence`);
        });
      }),
    );
  }
  // Streams whose first message is hostile end with a proper status, having stored nothing.
  const firsts: [string, Buffer, Metadata, readonly status[]][] = [
    ["random bytes", r.bytes(40), alice.metadata, [INVALID_ARGUMENT, UNAUTHENTICATED, NOT_FOUND]],
    ["no participant", publish("", "hi", "x"), alice.metadata, [INVALID_ARGUMENT]],
    [
      "invalid UTF-8 id",
      publish("", "hi", "x", [f(1, invalidUtf8(r))]),
      alice.metadata,
      [INVALID_ARGUMENT],
    ],
    ["forged token", publish(alice.participantId, "hi", "x"), bearer("nope"), [UNAUTHENTICATED]],
    ["Bob's token", publish(alice.participantId, "hi", "x"), bob.metadata, [UNAUTHENTICATED]],
    ["unknown participant", publish(crypto.randomUUID(), "hi", "x"), alice.metadata, [NOT_FOUND]],
  ];
  for (const [what, body, metadata, expected] of firsts) {
    runs.push(
      rawStream(client, metadata, [body, publish(alice.participantId, "after", "y")]).then(
        ({ results, status: end }) => {
          count(end);
          if (!expected.includes(end)) wrong.push(`first message ${what}: ended ${status[end]}`);
          if (results.length > 0) wrong.push(`first message ${what}: ${results.length} results`);
        },
      ),
    );
  }
  await Promise.all(runs);
  console.log(
    `publish-stream fuzz seed=0x${SEED.toString(16)} ${Object.entries(codes)
      .map(([c, k]) => `${c}=${k}`)
      .join(" ")}`,
  );
  expect(wrong).toEqual([]);
  expect(codes.INTERNAL ?? 0).toBe(0);
  expect(codes.UNKNOWN ?? 0).toBe(0);

  // Exactly the acked messages were stored.
  const stored = wholeLog(server).slice(before.length);
  expect(stored.every((e) => e.kind === "message" && e.participantId === alice.participantId)).toBe(
    true,
  );
  expect(new Set(stored.map((e) => e.seq))).toEqual(acked);

  // The server serves on: Alice's stream is open and hears a new message; a new stream works.
  const stream = publishStream(client, alice.metadata);
  stream.send({ participantId: alice.participantId, content: "still serving", messageId: "end" });
  const [result] = await stream.waitForResults(1);
  expect(result?.code).toBe(OK);
  await waitFor(() => watching.events.some((e) => e.seq === result?.ack?.seq), {
    what: "the message after the fuzz",
  });
  expect(watching.status).toBeUndefined();
}, 60_000);
