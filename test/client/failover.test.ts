// Client failover over a list of servers. Several servers share one log only on
// PostgreSQL; here the "second server" is a server process on another port over
// the same SQLite file, started once the first is dead: the same log (same
// log id, same tokens), another address — what the client sees when it fails over.
import { afterEach, expect, test } from "bun:test";
import type { ChatEvent } from "../../src/client/session.ts";
import { Harness } from "../support/harness.ts";
import { deadAddress } from "../support/net.ts";
import { seqs } from "../support/sessions.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const SLOW = 30_000;
const SERVER_START_MS = 10_000;

const h = new Harness();
afterEach(() => h.dispose());

const messages = (events: ChatEvent[]) =>
  events.filter((e) => e.kind === "message").map((e) => `${e.name}: ${e.content}`);

test(
  "the first server that answers is used: a dead address first in the list is passed over",
  async () => {
    const srv = await h.server(h.dbPath(), [], SERVER_START_MS);
    const dead = await deadAddress();
    const switches: string[] = [];
    const a = h.session(`${dead},${srv.address}`, "A", {
      onSwitch: (from, to) => switches.push(`${from} -> ${to}`),
    });
    const joined = await a.session.join();
    expect(joined).toMatchObject({ name: "A", seq: 1 });
    await a.session.publish("hej");
    await waitFor(() => messages(a.events).includes("A: hej"), { what: "A's message" });
    // Nothing failed once the session was under way: no move to report.
    expect(switches).toEqual([]);
  },
  SLOW,
);

test(
  "a SIGKILL'd server: the client moves to the next, resumes with the same session, no gap, no duplicate",
  async () => {
    const db = h.dbPath();
    const first = await h.server(db, [], SERVER_START_MS);
    const otherPort = Number((await deadAddress()).split(":").at(-1));
    const second = `127.0.0.1:${otherPort}`;
    const list = `${first.address},${second}`;
    const switches: string[] = [];
    const a = h.session(list, "A", { onSwitch: (from, to) => switches.push(`${from} -> ${to}`) });
    const b = h.session(list, "B");
    const joinA = await a.session.join();
    await b.session.join();
    await a.session.publish("before");
    await waitFor(() => [a, b].every((t) => messages(t.events).includes("A: before")), {
      what: "both to see 'before'",
    });

    await first.kill();
    // Published while no server is up: retried with the same message id on the next one.
    const whileDown = b.session.publish("while down");
    await waitFor(() => a.statuses.some((s) => s.type === "reconnecting"), {
      what: "A to notice",
    });
    const next = await h.server(db, ["--port", String(otherPort)], SERVER_START_MS);
    expect(next.address).toBe(second);
    await whileDown;
    await a.session.publish("after");
    await waitFor(() => [a, b].every((t) => messages(t.events).includes("A: after")), {
      what: "both to see 'after'",
    });

    // The same participants: no second JOIN, and everything exactly once, in order.
    expect(a.session.info?.participantId).toBe(joinA.participantId);
    expect(seqs(a.events)).toEqual(range(1, a.events.length));
    expect(seqs(b.events)).toEqual(range(2, b.events.length + 1));
    expect(a.events.filter((e) => e.kind === "join").map((e) => e.name)).toEqual(["A", "B"]);
    expect(messages(a.events)).toEqual(["A: before", "B: while down", "A: after"]);
    expect(messages(b.events)).toEqual(messages(a.events));
    // While neither server was up, each attempt moved on round the list; it ends on the live one.
    expect(switches[0]).toBe(`${first.address} -> ${second}`);
    expect(switches.at(-1)).toBe(`${first.address} -> ${second}`);
  },
  SLOW,
);
