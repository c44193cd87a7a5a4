import { afterEach, describe, expect, test } from "bun:test";
import {
  type ChatEvent,
  type ChatSessionOptions,
  createChatSession,
} from "../../src/client/session.ts";
import { ChatError } from "../../src/protocol/errors.ts";
import { Harness } from "../support/harness.ts";
import { deadAddress } from "../support/net.ts";
import { rejection } from "../support/rejection.ts";
import { seqs } from "../support/sessions.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

// Real processes: generous limits so a loaded machine does not fail them; they pass in ~1 s.
const SLOW = 15_000;
/** How long a server process may take to say it listens. */
const SERVER_START_MS = 10_000;

const h = new Harness();
afterEach(() => h.dispose());

/** A server process on `db` (a fresh file by default), on `port` if given. */
function server({ db = h.dbPath(), port }: { db?: string; port?: number } = {}) {
  return h.server(db, port === undefined ? [] : ["--port", String(port)], SERVER_START_MS);
}

const track = (address: string, name: string, options: Partial<ChatSessionOptions> = {}) =>
  h.session(address, name, options);

const withoutReplayed = (events: ChatEvent[]) => events.map(({ replayed: _, ...rest }) => rest);
const messages = (events: ChatEvent[]) =>
  events.filter((e) => e.kind === "message").map((e) => `${e.name}: ${e.content}`);

describe("chat session against a real server", () => {
  test(
    "two participants see the same events, in order, with dense seq",
    async () => {
      const srv = await server();
      const a = track(srv.address, "A");
      const b = track(srv.address, "B");
      const joinA = await a.session.join();
      const joinB = await b.session.join();
      expect(joinA).toMatchObject({ name: "A", seq: 1 });
      expect(joinB).toMatchObject({ name: "B", seq: 2, logId: joinA.logId });
      const ackA = await a.session.publish("hej fra A");
      const ackB = await b.session.publish("hej fra B");
      await waitFor(() => a.events.length === 4 && b.events.length === 3, {
        what: "both to see both messages",
      });

      expect(seqs(a.events)).toEqual([1, 2, 3, 4]);
      // B subscribed from its own JOIN, so it starts there.
      expect(withoutReplayed(b.events)).toEqual(withoutReplayed(a.events.slice(1)));
      expect(a.events.map((e) => [e.kind, e.name, e.content])).toEqual([
        ["join", "A", `Participant A joined Chit Chat at logical time ${joinA.logicalTime}`],
        ["join", "B", `Participant B joined Chit Chat at logical time ${joinB.logicalTime}`],
        ["message", "A", "hej fra A"],
        ["message", "B", "hej fra B"],
      ]);
      expect(a.events.slice(2).map((e) => ({ logicalTime: e.logicalTime, seq: e.seq }))).toEqual([
        ackA,
        ackB,
      ]);
      // Lamport: logical times rise with seq, and each clock is past everything it has seen.
      const times = a.events.map((e) => e.logicalTime);
      expect(times).toEqual([...times].sort((x, y) => x - y));
      expect(a.session.time).toBeGreaterThan(ackB.logicalTime);
      expect(b.session.time).toBeGreaterThan(ackB.logicalTime);
      expect(a.statuses).toEqual([
        { type: "connected", since: joinA.logicalTime - 1, resumed: false },
      ]);
    },
    SLOW,
  );

  test(
    "a taken name gets the server's suffix",
    async () => {
      const srv = await server();
      await track(srv.address, "Bo").session.join();
      expect((await track(srv.address, "Bo").session.join()).name).toBe("Bo#2");
    },
    SLOW,
  );

  test(
    "since = 0 shows the whole log",
    async () => {
      const srv = await server();
      const a = track(srv.address, "A");
      await a.session.join();
      await a.session.publish("first");
      const late = track(srv.address, "Late", { since: 0 });
      await late.session.join();
      await waitFor(() => late.events.length === 3, { what: "the late joiner to see the log" });
      expect(late.events.map((e) => [e.seq, e.kind, e.name])).toEqual([
        [1, "join", "A"],
        [2, "message", "A"],
        [3, "join", "Late"],
      ]);
    },
    SLOW,
  );

  test(
    "resumes after a SIGKILL'd server restarts: no duplicate, no gap",
    async () => {
      const db = h.dbPath();
      const first = await server({ db });
      const a = track(first.address, "A");
      const b = track(first.address, "B");
      await a.session.join();
      await b.session.join();
      await a.session.publish("before");
      await waitFor(() => [a, b].every((t) => messages(t.events).includes("A: before")), {
        what: "both to see 'before'",
      });
      const before = a.events.at(-1) as ChatEvent;

      await first.kill();
      // Published while the server is down: retried with the same message id until it is back.
      const whileDown = b.session.publish("while down");
      await waitFor(() => a.statuses.some((s) => s.type === "reconnecting"), {
        what: "A to notice",
      });
      const second = await server({ db, port: first.port });
      expect(second.address).toBe(first.address);
      await whileDown;
      await a.session.publish("after");
      await waitFor(() => [a, b].every((t) => messages(t.events).includes("A: after")), {
        what: "both to see 'after'",
      });

      expect(seqs(a.events)).toEqual(range(1, a.events.length));
      expect(seqs(b.events)).toEqual(range(2, b.events.length + 1));
      expect(messages(a.events)).toEqual(["A: before", "B: while down", "A: after"]);
      expect(withoutReplayed(b.events)).toEqual(withoutReplayed(a.events.slice(1)));
      for (const t of [a, b]) {
        expect(t.statuses).toContainEqual({
          type: "connected",
          since: before.logicalTime,
          resumed: true,
        });
      }
    },
    SLOW,
  );

  test(
    "an invalid message is refused locally with the reason",
    async () => {
      // Nothing listens at this address: a network call could not succeed.
      const { session: offline } = h.session(await deadAddress(), "Bo");
      expect(await rejection(offline.publish(""))).toEqual(
        new ChatError("invalid_argument", "message must not be empty"),
      );
      expect(await rejection(offline.publish("x".repeat(129)))).toEqual(
        new ChatError("invalid_argument", "message must be at most 128 characters (got 129)"),
      );
      expect(await rejection(offline.publish("line\nbreak"))).toMatchObject({
        code: "invalid_argument",
      });
      expect(await rejection(offline.publish("fine"))).toEqual(
        new ChatError("failed_precondition", "not in the chat yet (join first)"),
      );
      expect(
        await rejection(createChatSession({ server: await deadAddress(), name: " " }).join()),
      ).toEqual(new ChatError("invalid_argument", "name must not be empty"));
      // The address is dead: the name's error proves no call was made.

      // Against a live server the refused message leaves no trace in the log.
      const srv = await server();
      const a = track(srv.address, "A");
      const joined = await a.session.join();
      expect(await rejection(a.session.publish("   "))).toMatchObject({ code: "invalid_argument" });
      expect((await a.session.publish("ok")).seq).toBe(joined.seq + 1);
    },
    SLOW,
  );

  test(
    "leave delivers our own LEAVE, ends the stream and closes the session",
    async () => {
      const srv = await server();
      const a = track(srv.address, "A");
      const b = track(srv.address, "B");
      await a.session.join();
      await b.session.join();
      await waitFor(() => a.events.length === 2, { what: "A to see B join" });
      const ack = await a.session.leave();

      expect(await a.session.done).toEqual({ reason: "left" });
      expect(a.session.state).toBe("ended");
      const last = a.events.at(-1) as ChatEvent;
      expect([last.kind, last.name, last.seq, last.logicalTime, last.content]).toEqual([
        "leave",
        "A",
        ack.seq,
        ack.logicalTime,
        `Participant A left Chit Chat at logical time ${ack.logicalTime}`,
      ]);
      expect(a.statuses.at(-1)).toEqual({ type: "ended", reason: "left" });
      await waitFor(() => b.events.some((e) => e.kind === "leave"), { what: "B to see A leave" });
      expect(b.session.state).toBe("joined");
      expect(await rejection(a.session.publish("too late"))).toEqual(
        new ChatError("failed_precondition", "the session is over"),
      );
    },
    SLOW,
  );

  test(
    "leave waits for publishes already handed over",
    async () => {
      const srv = await server();
      const a = track(srv.address, "A");
      await a.session.join();
      const pending = ["one", "two", "three"].map((text) => a.session.publish(text));
      const ack = await a.session.leave();
      const acks = await Promise.all(pending);
      expect(acks.map((x) => x.seq)).toEqual([2, 3, 4]);
      expect(ack.seq).toBe(5);
      expect(messages(a.events)).toEqual(["A: one", "A: two", "A: three"]);
    },
    SLOW,
  );

  test(
    "an unreachable server is a clear error at join",
    async () => {
      const address = await deadAddress();
      const t = track(address, "A", { connectTimeoutMs: 300 });
      expect(await rejection(t.session.join())).toEqual(
        new ChatError(
          "unavailable",
          `cannot reach the ChitChat server at ${address} within 0.3 s: connect ECONNREFUSED ${address}`,
        ),
      );
      expect(await t.session.done).toMatchObject({ reason: "failed" });
      expect(t.statuses.map((s) => s.type)).toEqual(["error"]);
    },
    SLOW,
  );

  test(
    "a server whose log was replaced is a final error, not a wrong replay",
    async () => {
      const first = await server();
      const a = track(first.address, "A");
      await a.session.join();
      await first.kill();
      await server({ port: first.port });

      const end = await a.session.done;
      expect(end.reason).toBe("failed");
      const error = (end as { error: Error }).error;
      expect(error).toBeInstanceOf(ChatError);
      // The server checks the log id before it looks for the participant.
      expect((error as ChatError).code).toBe("failed_precondition");
      expect(a.statuses.at(-1)).toEqual({ type: "error", error });
    },
    SLOW,
  );

  test(
    "close stops everything without leaving",
    async () => {
      const srv = await server();
      const a = track(srv.address, "A");
      const b = track(srv.address, "B");
      await a.session.join();
      await b.session.join();
      a.session.close();
      expect(await a.session.done).toEqual({ reason: "closed" });
      await b.session.publish("still here");
      await waitFor(() => messages(b.events).length === 1, { what: "B to see its message" });
      expect(b.events.some((e) => e.kind === "leave")).toBe(false);
    },
    SLOW,
  );
});
