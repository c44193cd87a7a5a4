import { describe, expect, test } from "bun:test";
import { ChatError } from "../../src/protocol/errors.ts";
import type { Cursor } from "../../src/server/cursor.ts";
import { silentLogger } from "../../src/server/logger.ts";
import { createPresence, type Participant } from "../../src/server/presence.ts";
import { hashToken } from "../../src/server/sessions.ts";
import type { ParticipantRow } from "../../src/store/event-log.ts";
import { waitFor } from "../support/wait.ts";

const GRACE_MS = 20;

function setup(maxParticipants = 10) {
  const vanished: string[] = [];
  const presence = createPresence({
    logger: silentLogger,
    leaveGraceMs: GRACE_MS,
    maxParticipants,
    onVanished: (p) => vanished.push(p.name),
  });
  return { presence, vanished };
}

function row(id: string, name: string, token = `token-${id}`): ParticipantRow {
  return {
    id,
    name,
    tokenHash: hashToken(token),
    joinedSeq: 1,
    joinedAt: 1,
    leftSeq: null,
    leftAt: null,
  };
}

const joinEvent = (p: Participant, seq: number) => ({
  seq,
  logicalTime: seq,
  kind: "join" as const,
  participantId: p.id,
  name: `${p.name}#2`,
  content: "",
  sentAtMs: 0,
});

/** A stand-in for a stream's cursor: presence only compares it and reads lastSeq. */
const fakeCursor = () => ({ lastSeq: 0 }) as unknown as Cursor;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return error instanceof ChatError ? `${error.code}: ${error.message}` : String(error);
  }
  return undefined;
}

describe("presence", () => {
  test("a reserved participant counts against the limit until abandoned, and is not listed", () => {
    const { presence } = setup(1);
    const p = presence.reserve("p1", "Bo", hashToken("t"));
    expect(presence.list()).toEqual([]);
    expect(codeOf(() => presence.reserve("p2", "Al", hashToken("u")))).toBe(
      "resource_exhausted: the chat is full (1 participants); try again when someone has left",
    );
    presence.abandon(p);
    expect(presence.size).toBe(0);
    expect(presence.reserve("p2", "Al", hashToken("u")).id).toBe("p2");
  });

  test("admit takes the log's name and times, and starts the grace until a stream opens", async () => {
    const { presence, vanished } = setup();
    const p = presence.reserve("p1", "Bo", hashToken("t"));
    presence.admit(p, joinEvent(p, 3));
    expect([p.state, p.name, p.joinedSeq, p.joinedAt]).toEqual(["present", "Bo#2", 3, 3]);
    expect(presence.list()).toEqual([p]);
    await waitFor(() => vanished.length === 1, { what: "the grace to run out" });
    expect(vanished).toEqual(["Bo#2"]);
  });

  test("an open stream stops the grace; its close starts it again, a replaced one does not", async () => {
    const { presence, vanished } = setup();
    const p = presence.reserve("p1", "Bo", hashToken("t"));
    presence.admit(p, joinEvent(p, 1));
    const first = fakeCursor();
    const second = fakeCursor();
    presence.streamOpened(p, first);
    presence.streamOpened(p, second);
    // The first stream's close comes after the second opened: it changes nothing.
    presence.streamClosed(p, first);
    expect([p.cursor === second, p.graceTimer]).toEqual([true, undefined]);
    presence.streamClosed(p, second);
    expect(p.cursor).toBeUndefined();
    await waitFor(() => vanished.length === 1, { what: "the grace after the close" });
  });

  test("authenticate: right token, wrong token, unknown, left", () => {
    const { presence } = setup();
    const p = presence.adopt(row("p1", "Bo", "secret"));
    expect(presence.authenticate("p1", "secret", true)).toBe(p);
    expect(codeOf(() => presence.authenticate("p1", "other", true))).toBe(
      "unauthenticated: the session token does not belong to this participant",
    );
    expect(codeOf(() => presence.authenticate("nobody", "secret", false))).toBe(
      'not_found: no participant with id "nobody"',
    );
    expect(codeOf(() => presence.authenticate("gone", "secret", true))).toBe(
      "unauthenticated: this participant has left the chat; join again",
    );
    presence.leaving(p);
    expect(codeOf(() => presence.authenticate("p1", "secret", true))).toBe(
      "unauthenticated: this participant has left the chat; join again",
    );
  });

  test("adopt starts no grace; watch starts it once; restore starts it for each", async () => {
    const { presence, vanished } = setup();
    const adopted = presence.adopt(row("p1", "Bo"));
    expect(presence.adopt(row("p1", "Bo"))).toBe(adopted);
    expect(adopted.graceTimer).toBeUndefined();
    presence.watch(adopted);
    const timer = adopted.graceTimer;
    presence.watch(adopted);
    expect(adopted.graceTimer).toBe(timer as ReturnType<typeof setTimeout>);
    presence.restore([row("p1", "Bo"), row("p2", "Al")]);
    await waitFor(() => vanished.length === 2, { what: "both graces" });
    expect(vanished.sort()).toEqual(["Al", "Bo"]);
  });

  test("a failed leave restarts the grace; stop silences every grace", async () => {
    const { presence, vanished } = setup();
    const p = presence.adopt(row("p1", "Bo"));
    presence.leaving(p);
    presence.leaveFailed(p);
    expect(p.state).toBe("present");
    await waitFor(() => vanished.length === 1, { what: "the grace after a failed leave" });

    const q = presence.adopt(row("p2", "Al"));
    presence.watch(q);
    presence.stop();
    expect(q.graceTimer).toBeUndefined();
    presence.watch(q);
    expect(q.graceTimer).toBeUndefined();
  });
});
