// Thousands of malformed and hostile requests at a real server (seeded, so a
// failure replays): every one gets a proper status, never INTERNAL/UNKNOWN or a
// hang; the server still serves; the log holds nothing from a rejected call.
import { afterEach, expect, test } from "bun:test";
import { Metadata, status } from "@grpc/grpc-js";
import { wholeLog } from "../support/events.ts";
import { bearer, type Joined, type Recorder } from "../support/grpc-client.ts";
import { lengthDelimited, rawSubscribe, rawUnary, varintField } from "../support/grpc-raw.ts";
import { Harness } from "../support/harness.ts";
import { type SeededRandom, seededRandom } from "../support/random.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

const SEED = Number(process.env.FUZZ_SEED ?? 0xc4a7);
const ROUNDS = 160;
const GRACE_MS = 300;
const CALL_DEADLINE_MS = 15_000;
const IN_FLIGHT = 16;

type Method = "Join" | "Publish" | "Leave" | "Subscribe";
interface Case {
  what: string;
  method: Method;
  body: Buffer;
  metadata: Metadata;
  /** The statuses this case may get; a Join of random bytes may also succeed. */
  expect: readonly status[];
}

const PROPER = [
  status.INVALID_ARGUMENT,
  status.UNAUTHENTICATED,
  status.NOT_FOUND,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.RESOURCE_EXHAUSTED,
];
const METHODS: Method[] = ["Join", "Publish", "Leave", "Subscribe"];
const { INVALID_ARGUMENT, UNAUTHENTICATED, NOT_FOUND, OUT_OF_RANGE, RESOURCE_EXHAUSTED } = status;

/** Request bodies by field number, as the .proto numbers them. */
const f = lengthDelimited;
const publish = (pid: string, content: Buffer | string, extra: Buffer[] = []) =>
  Buffer.concat([f(1, pid), f(2, content), ...extra]);
const subscribe = (pid: string, since: bigint, logId = "") =>
  Buffer.concat([f(1, pid), varintField(2, since), ...(logId ? [f(3, logId)] : [])]);

function invalidUtf8(r: SeededRandom): Buffer {
  const text = Buffer.from(`x${r.below(1000)}`);
  const bad = r.pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xfe, 0xfe]]);
  return Buffer.concat([text, Buffer.from(bad), text]);
}

function controlText(r: SeededRandom): string {
  const control = String.fromCharCode(r.pick([0, 7, 8, 10, 13, 27, 127, 0x85, 0x9b]));
  return `a${control}b`;
}

interface People {
  alice: Joined;
  bob: Joined;
  ghost: Joined;
  lea: Joined;
  logId: string;
}

/** One round of every class of hostile input. */
function roundOfCases(r: SeededRandom, p: People, round: number): Case[] {
  const { alice, bob, ghost, lea } = p;
  const aliceId = alice.participantId;
  const none = new Metadata();
  const forged = bearer(Buffer.from(r.bytes(32)).toString("base64url"));
  const malformed = new Metadata();
  malformed.set("authorization", r.pick(["Bearer", "Token abc", `Basic ${alice.sessionToken}`]));
  const anyMetadata = r.pick([none, alice.metadata, forged]);
  const cases: Case[] = [];
  const add = (
    what: string,
    method: Method,
    body: Buffer,
    metadata: Metadata,
    expected: readonly status[],
  ) => cases.push({ what, method, body, metadata, expect: expected });

  for (const method of METHODS) {
    add("random bytes", method, r.bytes(r.below(200)), anyMetadata, PROPER);
  }
  // Invalid UTF-8 in each string field, with Alice's own token.
  add("invalid UTF-8", "Join", f(1, invalidUtf8(r)), none, [INVALID_ARGUMENT]);
  add("invalid UTF-8", "Publish", publish(aliceId, invalidUtf8(r)), alice.metadata, [
    INVALID_ARGUMENT,
  ]);
  add("invalid UTF-8", "Publish", publish(aliceId, "ok", [f(4, invalidUtf8(r))]), alice.metadata, [
    INVALID_ARGUMENT,
  ]);
  add("invalid UTF-8", "Leave", f(1, invalidUtf8(r)), alice.metadata, [INVALID_ARGUMENT]);
  add(
    "invalid UTF-8",
    "Subscribe",
    Buffer.concat([f(1, aliceId), f(3, invalidUtf8(r))]),
    alice.metadata,
    [INVALID_ARGUMENT],
  );
  // Control characters in names, messages and message ids.
  add("control characters", "Join", f(1, controlText(r)), none, [INVALID_ARGUMENT]);
  add("control characters", "Publish", publish(aliceId, controlText(r)), alice.metadata, [
    INVALID_ARGUMENT,
  ]);
  add(
    "control characters",
    "Publish",
    publish(aliceId, "ok", [f(4, controlText(r))]),
    alice.metadata,
    [INVALID_ARGUMENT],
  );
  // Overlong but under the size limit; then 1 MB, over it.
  add(
    "long strings",
    "Publish",
    publish(aliceId, "y".repeat(129 + r.below(60_000))),
    alice.metadata,
    [INVALID_ARGUMENT],
  );
  if (round % 8 === 0) {
    const mb = "z".repeat(1024 * 1024);
    const method = r.pick(METHODS);
    add(
      "1 MB strings",
      method,
      method === "Publish" ? publish(aliceId, mb) : f(1, mb),
      alice.metadata,
      [RESOURCE_EXHAUSTED],
    );
  }
  // Times past anything the log holds.
  const huge = r.pick([2n ** 52n + 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n]);
  add("huge since", "Subscribe", subscribe(aliceId, huge, p.logId), alice.metadata, [OUT_OF_RANGE]);
  add(
    "huge logical_time",
    "Publish",
    publish(aliceId, "ok", [varintField(3, huge)]),
    alice.metadata,
    [INVALID_ARGUMENT],
  );
  add("huge logical_time", "Join", Buffer.concat([f(1, "Hugo"), varintField(2, huge)]), none, [
    INVALID_ARGUMENT,
  ]);
  // Tokens: missing, malformed, forged, another participant's, expired by the grace, after Leave.
  const asAlice: [Method, Buffer][] = [
    ["Publish", publish(aliceId, "as Alice")],
    ["Leave", f(1, aliceId)],
    ["Subscribe", subscribe(aliceId, 0n)],
  ];
  for (const [method, body] of asAlice) {
    add("missing token", method, body, none, [UNAUTHENTICATED]);
    add("malformed token", method, body, malformed, [UNAUTHENTICATED]);
    add("forged token", method, body, forged, [UNAUTHENTICATED]);
    add("another participant's token", method, body, bob.metadata, [UNAUTHENTICATED]);
  }
  for (const [who, what] of [
    [ghost, "expired token (leave grace)"],
    [lea, "calls after Leave"],
  ] as const) {
    add(what, "Publish", publish(who.participantId, "back"), who.metadata, [UNAUTHENTICATED]);
    add(what, "Leave", f(1, who.participantId), who.metadata, [UNAUTHENTICATED]);
    add(what, "Subscribe", subscribe(who.participantId, 0n), who.metadata, [UNAUTHENTICATED]);
  }
  add("unknown participant", "Publish", publish(crypto.randomUUID(), "hi"), forged, [NOT_FOUND]);
  add(
    "another log's id",
    "Subscribe",
    subscribe(aliceId, 0n, crypto.randomUUID()),
    alice.metadata,
    [status.FAILED_PRECONDITION],
  );
  return cases;
}

/** Sends one case; its final status code (OK for a success). */
async function send(client: Parameters<typeof rawUnary>[0], c: Case): Promise<status> {
  if (c.method === "Subscribe") {
    const end = await rawSubscribe(client, c.body, c.metadata, { deadlineMs: CALL_DEADLINE_MS });
    return end.status.code;
  }
  try {
    await rawUnary(client, c.method, c.body, c.metadata, { deadlineMs: CALL_DEADLINE_MS });
    return status.OK;
  } catch (error) {
    return (error as { code: status }).code;
  }
}

test("thousands of hostile requests: proper statuses only, the server serves on, the log is unchanged", async () => {
  const server = await h.start({ leaveGraceMs: GRACE_MS, limits: { maxMessageBytes: 64 * 1024 } });
  const client = h.client(server.address);
  const streams: Recorder[] = [];
  const present = async (name: string) => {
    const who = await client.join(name);
    streams.push(client.subscribe(who));
    return who;
  };
  const alice = await present("Alice");
  const bob = await present("Bob");
  const lea = await client.join("Lea");
  await client.leave(lea);
  const ghost = await client.join("Ghost");
  const aliceStream = streams[0] as Recorder;
  await waitFor(
    () => aliceStream.events.some((e) => e.kind === "EVENT_KIND_LEAVE" && e.name === "Ghost"),
    {
      what: "Ghost's leave grace to expire",
    },
  );
  const people: People = { alice, bob, ghost, lea, logId: alice.logId };

  const before = wholeLog(server);
  const r = seededRandom(SEED);
  const cases = Array.from({ length: ROUNDS }, (_, round) => roundOfCases(r, people, round)).flat();
  const codes: status[] = new Array(cases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < cases.length) {
        const i = next++;
        codes[i] = await send(client, cases[i] as Case);
      }
    }),
  );

  const byCode: Record<string, number> = {};
  const wrong: string[] = [];
  let joinedByChance = 0;
  cases.forEach((c, i) => {
    const code = codes[i] as status;
    byCode[status[code] ?? code] = (byCode[status[code] ?? code] ?? 0) + 1;
    if (c.expect.includes(code)) return;
    if (c.what === "random bytes" && c.method === "Join" && code === status.OK) {
      joinedByChance += 1;
      return;
    }
    wrong.push(`${c.what} ${c.method} ${c.body.subarray(0, 40).toString("hex")}: ${status[code]}`);
  });
  const summary = Object.entries(byCode)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code}=${n}`)
    .join(" ");
  console.log(`fuzz seed=0x${SEED.toString(16)} requests=${cases.length} ${summary}`);
  expect(wrong).toEqual([]);
  expect(byCode.INTERNAL ?? 0).toBe(0);
  expect(byCode.UNKNOWN ?? 0).toBe(0);

  // Nothing stored but what a random Join that happened to be valid stored (and its grace LEAVE).
  const byChance = new Set(
    wholeLog(server)
      .filter((e) => e.seq > before.length && e.kind === "join")
      .map((e) => e.participantId),
  );
  expect(byChance.size).toBe(joinedByChance);
  await waitFor(
    () =>
      wholeLog(server).filter((e) => e.kind === "leave" && byChance.has(e.participantId)).length ===
      byChance.size,
    { what: "chance joiners to be announced left" },
  );
  expect(wholeLog(server).filter((e) => !byChance.has(e.participantId))).toEqual(before);

  // The server still serves: Alice's and Bob's streams are open and hear a new message.
  const ack = await client.publish(alice, "still serving");
  for (const stream of streams) {
    await waitFor(() => stream.events.some((e) => e.seq === ack.seq), {
      what: "the message after the fuzz",
    });
    expect(stream.status).toBeUndefined();
  }
  const late = await client.join("Late");
  const lateStream = client.subscribe(late, { since: 0 });
  await lateStream.waitForCount(late.seq);
  expect(lateStream.events.map((e) => e.seq)).toEqual(
    wholeLog(server)
      .slice(0, late.seq)
      .map((e) => e.seq),
  );
}, 60_000);
