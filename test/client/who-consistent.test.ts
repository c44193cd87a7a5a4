// participants() (the terminal's /who) answers only once the session has shown
// the chat up to the list's seq, so the list never contradicts the lines above
// it. A real server and the real gRPC transport; the only addition is a gate on
// the stream's items, which holds them back the way a slow stream would.
import { afterEach, expect, test } from "bun:test";
import { credentials } from "@grpc/grpc-js";
import { DEFAULT_BACKOFF } from "../../src/client/backoff.ts";
import { type ChatEvent, createSession } from "../../src/client/chat-session.ts";
import { createGrpcTransport } from "../../src/client/grpc-transport.ts";
import type { ChatTransport, StreamItem } from "../../src/client/transport.ts";
import { Harness } from "../support/harness.ts";
import { waitFor } from "../support/wait.ts";

const SLOW = 15_000;
const h = new Harness();
afterEach(() => h.dispose());

/** The real transport, with the stream's items held while `held` is true. */
function gatedTransport(server: string) {
  const real = createGrpcTransport({
    server,
    credentials: credentials.createInsecure(),
    backoff: DEFAULT_BACKOFF,
    connectTimeoutMs: 10_000,
    callTimeoutMs: 5_000,
  });
  const gate = { held: false, waiting: [] as (() => void)[], listed: 0 };
  const transport: ChatTransport = {
    ...real,
    subscribe: (request, token, handlers) =>
      real.subscribe(request, token, {
        ...handlers,
        item: (item: StreamItem) => {
          if (gate.held) gate.waiting.push(() => handlers.item(item));
          else handlers.item(item);
        },
      }),
    listParticipants: async (request, token) => {
      const listed = await (
        real.listParticipants as NonNullable<ChatTransport["listParticipants"]>
      )(request, token);
      gate.listed += 1;
      return listed;
    },
  };
  const release = () => {
    gate.held = false;
    for (const deliver of gate.waiting.splice(0)) deliver();
  };
  return { transport, gate, release };
}

/** What Ana's screen would show, in order: events and answers alike. */
function screen() {
  const lines: string[] = [];
  return {
    lines,
    onEvent: (e: ChatEvent) => lines.push(`${e.kind} ${e.name}`),
  };
}

/**
 * Ana (through the gated transport) and Bo in one chat; Ana has seen Bo join.
 * Then Bo leaves while Ana's stream is held: the server's list no longer has
 * him, but Ana's screen has not shown his LEAVE yet.
 */
async function boLeavesUnseen(options: { catchUpTimeoutMs?: number } = {}) {
  const srv = await h.server(h.dbPath());
  const { transport, gate, release } = gatedTransport(srv.address);
  const shown = screen();
  const ana = createSession({ transport, name: "Ana", onEvent: shown.onEvent, ...options });
  const bo = h.session(srv.address, "Bo");
  await ana.join();
  await bo.session.join();
  await waitFor(() => shown.lines.includes("join Bo"), { what: "Ana to see Bo join" });
  gate.held = true;
  await bo.session.leave();
  return { ana, shown, gate, release };
}

test(
  "/who waits for the stream to show the LEAVE its list already reflects",
  async () => {
    const { ana, shown, gate, release } = await boLeavesUnseen();
    try {
      const answer = ana.participants().then((list) => {
        shown.lines.push(`who: ${list.map((p) => p.name).join(", ")}`);
      });
      await waitFor(() => gate.listed === 1, { what: "the list to come back" });
      // The reply is here; the answer still waits for the stream. A few turns
      // of the event loop, so an answer that did not wait would have shown.
      for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(shown.lines.at(-1)).toBe("join Bo");
      release();
      await answer;
      expect(shown.lines.slice(-2)).toEqual(["leave Bo", "who: Ana"]);
    } finally {
      ana.close();
    }
  },
  SLOW,
);

test(
  "/who answers anyway when the stream does not catch up within the bound",
  async () => {
    const { ana, shown } = await boLeavesUnseen({ catchUpTimeoutMs: 200 });
    try {
      const list = await ana.participants();
      expect(list.map((p) => p.name)).toEqual(["Ana"]);
      expect(shown.lines.at(-1)).toBe("join Bo");
    } finally {
      ana.close();
    }
  },
  SLOW,
);
