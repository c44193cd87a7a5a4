// The shared session logic over the browser's WebSocket transport, in Bun: the
// same code the terminal client runs over gRPC, with only the transport changed.
import { afterEach, describe, expect, test } from "bun:test";
import { createWsTransport } from "../../src/browser/ws-transport.ts";
import {
  type ChatEvent,
  createSession,
  type SessionStatus,
} from "../../src/client/chat-session.ts";
import { wholeLog } from "../support/events.ts";
import { Harness } from "../support/harness.ts";
import type { TestServer } from "../support/server.ts";
import { deliveryProblems, seqs } from "../support/sessions.ts";
import { defined, range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
const open: { close(): void }[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await h.dispose();
});

function wsSession(server: TestServer, name: string) {
  const events: ChatEvent[] = [];
  const statuses: SessionStatus[] = [];
  const url = `${defined(server.adminUrl).replace(/^http/, "ws")}/ws`;
  const session = createSession({
    transport: createWsTransport({ url }),
    name,
    backoff: { initialMs: 50, maxMs: 500 },
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
  });
  open.push(session);
  return { session, events, statuses };
}

const contents = (events: ChatEvent[]) => events.map((e) => e.content);

describe("the session over /ws", () => {
  test("chats with a gRPC session: both see every event once, in log order, with Lamport clocks by the rules", async () => {
    const server = await h.start({ admin: {} });
    const web = wsSession(server, "Web");
    const term = h.session(server.address, "Term");
    await web.session.join();
    await term.session.join();
    await web.session.publish("from the browser");
    await term.session.publish("from the terminal");
    const ack = await web.session.publish("<img src=x onerror=alert(1)>");
    const top = server.view.top().seq;
    await waitFor(() => web.events.length === top && term.events.length === top - 1, {
      what: "every event at both",
    });
    const log = wholeLog(server);
    expect(seqs(web.events)).toEqual(range(1, top));
    expect(contents(web.events)).toEqual(log.map((e) => e.content));
    expect(seqs(term.events)).toEqual(range(2, top));
    // The clock is past everything it saw and sent.
    expect(web.session.time).toBeGreaterThan(ack.logicalTime);
    await web.session.leave();
    await waitFor(() => term.events.some((e) => e.kind === "leave"), { what: "the LEAVE" });
    expect(await web.session.done).toEqual({ reason: "left" });
  });

  test("a saved session resumes on a new socket without a new JOIN, a gap or a duplicate", async () => {
    const server = await h.start({ admin: {} });
    const first = wsSession(server, "Web");
    await first.session.join();
    await first.session.publish("before");
    await waitFor(() => first.events.length === 2, { what: "own message" });
    const saved = defined(first.session.saved());
    // The page goes away without leaving (a reload).
    first.session.close();

    const term = h.session(server.address, "Term");
    await term.session.join();
    await term.session.publish("while away");
    const second = wsSession(server, "ignored");
    const info = await second.session.resume(saved);
    expect(info).toEqual(saved.info);
    await second.session.publish("after");
    await waitFor(() => second.events.some((e) => e.content === "after"), { what: "after" });
    const all = [...first.events, ...second.events];
    const log = wholeLog(server);
    expect(deliveryProblems(seqs(all), range(1, log.length))).toEqual({
      missing: [],
      duplicated: [],
      outOfOrder: [],
    });
    expect(log.filter((e) => e.kind === "join").map((e) => e.name)).toEqual(["Web", "Term"]);
    expect(second.session.time).toBeGreaterThan(saved.clock);
  });

  test("a dead saved token ends the resumed session with gRPC's sentence", async () => {
    const server = await h.start({ admin: {} });
    const first = wsSession(server, "Web");
    await first.session.join();
    const saved = defined(first.session.saved());
    await first.session.leave();
    const second = wsSession(server, "Web");
    await second.session.resume(saved);
    const end = await second.session.done;
    expect(end).toEqual({
      reason: "failed",
      error: expect.objectContaining({
        code: "unauthenticated",
        message: "this participant has left the chat; join again",
      }),
    });
  });

  test("a server restart under an open session: it reconnects and resumes with no gap, and publishes get through", async () => {
    const dbPath = h.dbPath();
    const first = await h.start({ admin: {}, dbPath });
    const port = Number(new URL(defined(first.adminUrl)).port);
    const web = wsSession(first, "Web");
    await web.session.join();
    await web.session.publish("before the restart");
    await waitFor(() => web.events.length === 2, { what: "own message" });
    await first.stop();

    const second = await h.start({ admin: { port }, dbPath });
    const term = h.session(second.address, "Term");
    await term.session.join();
    await term.session.publish("after the restart");
    // Sent while the socket may still be reconnecting: retried with the same message id.
    await web.session.publish("and from the browser");
    await waitFor(() => web.events.length === wholeLog(second).length, {
      what: "the browser caught up",
    });
    expect(seqs(web.events)).toEqual(range(1, wholeLog(second).length));
    expect(wholeLog(second).filter((e) => e.content === "and from the browser")).toHaveLength(1);
    expect(web.statuses.some((s) => s.type === "reconnecting")).toBe(true);
  });
});
