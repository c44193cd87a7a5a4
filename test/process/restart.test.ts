// A real server process stopped with SIGTERM and started again on the same
// database: the log, its id, the Lamport clock and the sessions survive.
import { afterEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import type { Broadcast__Output, PublishAck__Output } from "../../src/protocol/proto.ts";
import { SERVER_FLAGS } from "../../src/server/config.ts";
import { readEvents } from "../support/db-file.ts";
import { broadcastAsRow, visible } from "../support/events.ts";
import { grpcError } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";
import { logLine, serverArgs, whenListening } from "../support/server-process.ts";

const h = new Harness();
afterEach(() => h.dispose());

/** A Broadcast without `replayed` (live and replayed copies of one event are equal). */
const stored = (e: Broadcast__Output) => broadcastAsRow(e);

describe("SIGTERM and restart on the same database", () => {
  test("a stopped server comes back with the same log, clock and sessions", async () => {
    const db = h.dbPath();
    const first = await h.server(db);
    const port = first.port;
    const a = h.client(first.address);
    const b = h.client(first.address);

    const alice = await a.join("Alice", 0);
    const bob = await b.join("Bob", 3);
    expect([alice.seq, bob.seq]).toEqual([1, 2]);
    const aliceStream = a.subscribe(alice);
    const bobStream = b.subscribe(bob);

    // Some messages, with senders' clocks that sometimes jump ahead of the server.
    const acks: (PublishAck__Output & { content: string })[] = [];
    for (let i = 0; i < 6; i += 1) {
      const [c, who] = i % 2 === 0 ? [a, alice] : [b, bob];
      const content = `before restart #${i}`;
      const ack = await c.publish(who, content, { logicalTime: i === 3 ? 40 : 0 });
      acks.push({ ...ack, content });
    }
    const oldTop = acks[acks.length - 1] as PublishAck__Output;
    expect(oldTop.seq).toBe(8);
    await aliceStream.waitForCount(8);
    await bobStream.waitForCount(7);
    const history = aliceStream.events.map(stored);
    expect(history.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const ack of acks) {
      expect(history.find((e) => e.seq === ack.seq)).toMatchObject({
        logicalTime: ack.logicalTime,
        content: ack.content,
        kind: "message",
      });
    }

    // SIGTERM: exit 0 (a stop past the 5 s deadline exits 1), streams end UNAVAILABLE "server shutting down".
    first.proc.kill("SIGTERM");
    const exit = await exitOf(first, 10_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(logLine(first.stdout.text, "shutdown")).toEqual({ signal: "SIGTERM" });
    expect(logLine(first.stdout.text, "stopped")).toEqual({ seq: "8" });
    expect(first.stderr.text).toBe("");
    for (const stream of [aliceStream, bobStream]) {
      const status = await stream.waitForEnd(2_000);
      expect({ code: status.code, details: status.details }).toEqual({
        code: grpc.status.UNAVAILABLE,
        details: "server shutting down",
      });
    }
    // The file holds exactly what the clients saw.
    expect(readEvents(db).map(visible)).toEqual(history);

    // Restart on the same db and the same port (the old clients reconnect there).
    const second = await h.server(db, ["--port", String(port)]);
    expect(second.address).toBe(first.address);
    const listening = logLine(second.stdout.text, "listening");
    expect(listening).toMatchObject({
      logId: alice.logId,
      seq: String(oldTop.seq),
      lt: String(oldTop.logicalTime),
      db,
    });
    expect(logLine(first.stdout.text, "listening")).toMatchObject({
      logId: alice.logId,
      seq: "0",
      lt: "0",
    });

    // The clock survives: a newcomer with clock 0 lands after every old event.
    const c = h.client(second.address);
    const carol = await c.join("Carol", 0);
    expect(carol.logId).toBe(alice.logId);
    expect(carol.seq).toBe(oldTop.seq + 1);
    expect(carol.logicalTime).toBe(oldTop.logicalTime + 1);
    for (const e of history) expect(carol.logicalTime).toBeGreaterThan(e.logicalTime);

    // The whole history is intact, replayed, then Carol's JOIN.
    const everything = c.subscribe(carol, { since: 0 });
    await everything.waitForCount(history.length + 1);
    expect(everything.events.slice(0, history.length).map(stored)).toEqual(history);
    expect(everything.events.slice(0, history.length).every((e) => e.replayed)).toBe(true);
    expect(everything.events[history.length]).toMatchObject({
      seq: carol.seq,
      logicalTime: carol.logicalTime,
      kind: "EVENT_KIND_JOIN",
      participantId: carol.participantId,
    });

    // Alice's old token still works, on her old client: resuming from the last
    // time she saw gets only what came later.
    const lastSeen = (aliceStream.events.at(-1) as Broadcast__Output).logicalTime;
    const resumed = a.subscribe(alice, { since: lastSeen });
    await resumed.waitForCount(1);
    const hello = await a.publish(alice, "after restart, same token");
    const fromBob = await b.publish(bob, "Bob is back too");
    await resumed.waitForCount(3);
    expect(resumed.events.map((e) => [e.seq, e.logicalTime, e.kind, e.content])).toEqual([
      [
        carol.seq,
        carol.logicalTime,
        "EVENT_KIND_JOIN",
        `Participant Carol joined Chit Chat at logical time ${carol.logicalTime}`,
      ],
      [hello.seq, hello.logicalTime, "EVENT_KIND_MESSAGE", "after restart, same token"],
      [fromBob.seq, fromBob.logicalTime, "EVENT_KIND_MESSAGE", "Bob is back too"],
    ]);
    expect(hello.seq).toBe(carol.seq + 1);
    expect(hello.logicalTime).toBeGreaterThan(carol.logicalTime);
    for (const e of resumed.events) expect(e.logicalTime).toBeGreaterThan(lastSeen);
    await everything.waitForCount(history.length + 3);

    // A token that never existed is still refused after the restart.
    const forged = await grpcError(
      a.publish({ participantId: alice.participantId, metadata: bob.metadata }, "forged"),
    );
    expect(forged.code).toBe(grpc.status.UNAUTHENTICATED);

    second.proc.kill("SIGTERM");
    expect(await exitOf(second)).toMatchObject({ code: 0 });
    expect(logLine(second.stdout.text, "stopped")).toEqual({ seq: String(fromBob.seq) });
    const rows = readEvents(db);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.map(visible)).toEqual(everything.events.map(stored));
    // Usually ~1.5 s; the margin is for a loaded machine (two process starts).
  }, 15_000);
});

test("a participant who does not come back after a restart is announced as left after the grace", async () => {
  const db = h.dbPath();
  const first = await h.server(db, ["--leave-grace-ms", "300"]);
  const d = h.client(first.address);
  const dee = await d.join("Dee");
  const deeStream = d.subscribe(dee);
  await deeStream.waitForCount(1);
  first.proc.kill("SIGTERM");
  expect(await exitOf(first)).toMatchObject({ code: 0 });
  // A shutdown is no leave: the log holds only the JOIN.
  expect(readEvents(db).map((r) => r.kind)).toEqual(["join"]);

  const second = await h.server(db, ["--leave-grace-ms", "300"]);
  const e = h.client(second.address);
  const eve = await e.join("Eve");
  const eveStream = e.subscribe(eve, { since: 0 });
  await eveStream.waitForCount(3, 5_000);
  expect(eveStream.events.map((x) => [x.seq, x.kind, x.participantId])).toEqual([
    [1, "EVENT_KIND_JOIN", dee.participantId],
    [2, "EVENT_KIND_JOIN", eve.participantId],
    [3, "EVENT_KIND_LEAVE", dee.participantId],
  ]);
  expect(eveStream.events[2]?.content).toBe(
    `Participant Dee left Chit Chat at logical time ${eveStream.events[2]?.logicalTime}`,
  );
  // Dee's token died with the LEAVE.
  const late = await grpcError(h.client(second.address).publish(dee, "I am back"));
  expect(late.code).toBe(grpc.status.UNAUTHENTICATED);
}, 15_000);

describe("command line", () => {
  test("--help lists every flag with its env twin and default, and exits 0", async () => {
    const child = h.bun(["src/server/main.ts", "--help"]);
    expect(await child.exited).toBe(0);
    const out = child.stdout.text;
    expect(out).toContain("Usage: bun run server");
    const expected: [string, string, string | undefined][] = [
      ["--host", "CHITCHAT_HOST", "127.0.0.1"],
      ["--port", "CHITCHAT_PORT", "50051"],
      ["--db", "CHITCHAT_DB", "data/chitchat.db"],
      ["--leave-grace-ms", "CHITCHAT_LEAVE_GRACE_MS", "10000"],
      ["--synchronous", "CHITCHAT_SYNCHRONOUS", "full"],
      ["--log-file", "CHITCHAT_LOG_FILE", undefined],
      ["--log-format", "CHITCHAT_LOG_FORMAT", "text"],
      ["--log-level", "CHITCHAT_LOG_LEVEL", "info"],
      ["--admin-host", "CHITCHAT_ADMIN_HOST", "127.0.0.1"],
      ["--admin-port", "CHITCHAT_ADMIN_PORT", "8080"],
      ["--admin-token", "CHITCHAT_ADMIN_TOKEN", undefined],
      ["--heartbeat-ms", "CHITCHAT_HEARTBEAT_MS", "5000"],
      ["--lease-ttl-ms", "CHITCHAT_LEASE_TTL_MS", "5000"],
      ["--advertise-address", "CHITCHAT_ADVERTISE_ADDRESS", "the bound address"],
      ["--advertise-admin-url", "CHITCHAT_ADVERTISE_ADMIN_URL", "the bound admin URL"],
      ["--keepalive-ms", "CHITCHAT_KEEPALIVE_MS", "5000"],
      ["--keepalive-timeout-ms", "CHITCHAT_KEEPALIVE_TIMEOUT_MS", "10000"],
      ["--max-queue-events", "CHITCHAT_MAX_QUEUE_EVENTS", "1024"],
      ["--max-queue-bytes", "CHITCHAT_MAX_QUEUE_BYTES", "1048576"],
      ["--max-message-bytes", "CHITCHAT_MAX_MESSAGE_BYTES", "65536"],
      ["--publish-rate", "CHITCHAT_PUBLISH_RATE", "20"],
      ["--publish-burst", "CHITCHAT_PUBLISH_BURST", "40"],
      ["--max-participants", "CHITCHAT_MAX_PARTICIPANTS", "1000"],
      ["--tls-cert", "CHITCHAT_TLS_CERT", undefined],
      ["--tls-key", "CHITCHAT_TLS_KEY", undefined],
    ];
    // The list above is the whole table: a new flag must be added here too.
    expect(Object.keys(SERVER_FLAGS).map((f) => `--${f}`)).toEqual(expected.map(([f]) => f));
    const lines = out.split("\n");
    for (const [flag, env, def] of expected) {
      const line = lines.find((l) => l.trimStart().startsWith(`${flag} `));
      expect(line, `${flag} in --help`).toBeDefined();
      expect(line).toContain(env);
      if (def !== undefined) expect(line).toContain(`(default: ${def})`);
      else expect(line).not.toContain("(default:");
    }
    expect(lines.some((l) => l.trimStart().startsWith("--help "))).toBe(true);
    expect(child.stderr.text).toBe("");
  });

  test("bad flags exit 2 with a clear message on stderr and touch nothing", async () => {
    // Every problem with the values is reported at once, each naming its flag.
    const cases: [string[], string[]][] = [
      [
        [
          ...["--port", "abc", "--leave-grace-ms", "", "--admin-port", "0x1F90"],
          ...["--synchronous", "sometimes", "--log-file", ""],
          ...["--heartbeat-ms=-1", "--max-queue-events", "0", "--max-queue-bytes", "1k"],
        ],
        [
          "--port must be a number",
          "--leave-grace-ms must be a number",
          "--admin-port must be a number",
          "--synchronous must be full or normal",
          "--log-file must not be empty",
          "--heartbeat-ms must not be negative",
          "--max-queue-events must be at least 1",
          "--max-queue-bytes must be a number",
        ],
      ],
      // An empty number is not 0 (it used to start the server on a random port).
      [["--port", ""], ["--port must be a number"]],
      [
        ["--port", "70000", "--admin-port", " "],
        ["--port must be 0–65535", "--admin-port must be a number"],
      ],
      [
        [
          ...["--max-message-bytes", "100", "--publish-burst", "0", "--max-participants=0"],
          ...["--lease-ttl-ms", "100", "--keepalive-timeout-ms", "10"],
          ...["--advertise-address", "nohost", "--advertise-admin-url", "ftp://x/"],
        ],
        [
          "--max-message-bytes must be at least 1024",
          "--publish-burst must be at least 1",
          "--max-participants must be at least 1",
          "--lease-ttl-ms must be at least 500",
          "--advertise-address must be host:port with a port 1–65535 (like chat-a.example.com:50051)",
          "--advertise-admin-url must be an http:// or https:// URL",
          "--keepalive-timeout-ms must be at least 100",
        ],
      ],
      [["--nope"], ["Unknown option '--nope'"]],
      [["stray"], ["Unexpected argument 'stray'"]],
    ];
    // All at once: each is a process start.
    const results = await Promise.all(
      cases.map(async ([args, messages]) => {
        const db = h.dbPath();
        // --port 0 first: should a bad value be accepted, the server binds no fixed port.
        const child = h.bun(serverArgs(db, args));
        // Six process starts at once: generous on a busy 2-core machine (not a speed check).
        const { code } = await exitOf(child, 40_000);
        const stderr = child.stderr.text;
        return {
          args,
          code,
          stdout: child.stdout.text,
          clear:
            stderr.startsWith("chitchat server: ") && messages.every((m) => stderr.includes(m)),
          pointsToHelp: stderr.includes("--help"),
          dbCreated: await Bun.file(db).exists(),
          stderr,
        };
      }),
    );
    for (const { stderr, ...result } of results) {
      expect(result, stderr).toEqual({
        args: result.args,
        code: 2,
        stdout: "",
        clear: true,
        pointsToHelp: true,
        dbCreated: false,
      });
    }
  }, 45_000);

  test("the environment twins configure the server when no flags are given", async () => {
    const db = h.dbPath();
    const child = await whenListening(
      h.bun(["src/server/main.ts"], {
        CHITCHAT_PORT: "0",
        CHITCHAT_ADMIN_PORT: "0",
        CHITCHAT_DB: db,
        CHITCHAT_LEAVE_GRACE_MS: "1234",
        CHITCHAT_SYNCHRONOUS: "normal",
        CHITCHAT_HEARTBEAT_MS: "0",
        CHITCHAT_MAX_QUEUE_EVENTS: "10",
        CHITCHAT_MAX_QUEUE_BYTES: "4096",
        CHITCHAT_MAX_MESSAGE_BYTES: "2048",
        CHITCHAT_PUBLISH_RATE: "5",
        CHITCHAT_PUBLISH_BURST: "7",
        CHITCHAT_MAX_PARTICIPANTS: "9",
      }),
    );
    expect(child.port).toBeGreaterThan(0);
    expect(child.port).not.toBe(50051);
    expect(logLine(child.stdout.text, "listening")).toMatchObject({
      db,
      synchronous: "normal",
      leaveGraceMs: "1234",
      heartbeatMs: "0",
      maxQueueEvents: "10",
      maxQueueBytes: "4096",
      maxMessageBytes: "2048",
      publishRate: "5",
      publishBurst: "7",
      maxParticipants: "9",
    });
    const c = h.client(child.address);
    const ann = await c.join("Ann");
    child.proc.kill("SIGTERM");
    expect(await exitOf(child)).toMatchObject({ code: 0 });
    expect(readEvents(db)).toMatchObject([
      { seq: 1, kind: "join", participantId: ann.participantId },
    ]);
  });

  test("a flag wins over its environment twin", async () => {
    const db = h.dbPath();
    const child = await whenListening(
      h.bun(serverArgs(db), { CHITCHAT_PORT: "not a port", CHITCHAT_DB: "" }),
    );
    expect(logLine(child.stdout.text, "listening")).toMatchObject({ db });
  });
});
