import { ChatError } from "../protocol/errors.ts";
import type { LogEvent, ParticipantRow } from "../store/event-log.ts";
import type { Cursor } from "./cursor.ts";
import type { Logger } from "./logger.ts";
import { tokenMatches } from "./sessions.ts";

/** A participant in the chat now, as this server tracks it. */
export interface Participant {
  readonly id: string;
  /** The effective name; the log decides it when the JOIN commits. */
  name: string;
  readonly tokenHash: string;
  joinedSeq: number;
  joinedAt: number;
  /** joining until its JOIN commits; leaving once a LEAVE is under way. */
  state: "joining" | "present" | "leaving";
  /** Its open stream on this server, if any: presence is the stream. */
  cursor: Cursor | undefined;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface PresenceOptions {
  logger: Logger;
  /** How long a participant without a stream may stay before it is announced as left. */
  leaveGraceMs: number;
  /** Participants in the chat at once (those joining count too). */
  maxParticipants: number;
  /** A participant's grace ran out without a stream: it is to be announced as left. */
  onVanished: (participant: Participant) => void;
}

/**
 * Who is in the chat and whether they hold a stream: the participants, their
 * states, and the leave grace of those without a stream. It stores nothing;
 * the hub commits the JOIN and LEAVE events and tells it how they went.
 */
export interface Presence {
  /** Takes in those the log says are present (after a restart); each starts its grace. */
  restore(rows: readonly ParticipantRow[]): void;
  /**
   * Takes in one the log says is present that this server did not know (it
   * joined through another server sharing the log), without starting its grace.
   */
  adopt(row: ParticipantRow): Participant;
  /** Starts the grace of a known participant without a stream here, unless it runs already. */
  watch(p: Participant): void;
  /** A new participant on its way in, or RESOURCE_EXHAUSTED when the chat is full. */
  reserve(id: string, name: string, tokenHash: string): Participant;
  /** Its JOIN is committed. */
  admit(p: Participant, join: LogEvent): void;
  /** Its JOIN failed: it was never here. */
  abandon(p: Participant): void;
  /** The participant this token belongs to, or a ChatError saying why not. */
  authenticate(participantId: string, token: string, everJoined: boolean): Participant;
  get(id: string): Participant | undefined;
  /** Its stream is `cursor` now; the grace stops. */
  streamOpened(p: Participant, cursor: Cursor): void;
  /** `cursor` ended; unless a newer stream replaced it, the grace starts. */
  streamClosed(p: Participant, cursor: Cursor): void;
  /** A LEAVE is under way; undone by `leaveFailed`. */
  leaving(p: Participant): void;
  leaveFailed(p: Participant): void;
  /** Its LEAVE is committed (or it is no longer this server's to track). */
  left(p: Participant): void;
  /** Participants in the chat now (not those still joining), in join order. */
  list(): Participant[];
  /** Everyone tracked, joining ones included. */
  readonly size: number;
  /** Stops every grace timer (shutdown: nobody is announced as left by it). */
  stop(): void;
}

/** The error for a token that is not the participant's. */
export const wrongToken = () =>
  new ChatError("unauthenticated", "the session token does not belong to this participant");

/** A join refused because the chat has its cap of participants (here, or across a shared log). */
export function chatFull(maxParticipants: number): ChatError {
  return new ChatError(
    "resource_exhausted",
    `the chat is full (${maxParticipants} participants); try again when someone has left`,
  );
}

export function createPresence({
  logger,
  leaveGraceMs,
  maxParticipants,
  onVanished,
}: PresenceOptions): Presence {
  const participants = new Map<string, Participant>();
  let stopped = false;

  const clearGrace = (p: Participant) => {
    if (p.graceTimer) clearTimeout(p.graceTimer);
    p.graceTimer = undefined;
  };

  const startGrace = (p: Participant) => {
    clearGrace(p);
    if (stopped) return;
    p.graceTimer = setTimeout(() => {
      p.graceTimer = undefined;
      if (p.state !== "present" || p.cursor || stopped) return;
      logger.info("vanished", { participant: p.id, name: p.name, graceMs: leaveGraceMs });
      onVanished(p);
    }, leaveGraceMs);
  };

  const hasLeft = () =>
    new ChatError("unauthenticated", "this participant has left the chat; join again");

  const adopt = (row: ParticipantRow): Participant => {
    const known = participants.get(row.id);
    if (known) return known;
    const p: Participant = {
      id: row.id,
      name: row.name,
      tokenHash: row.tokenHash,
      joinedSeq: row.joinedSeq,
      joinedAt: row.joinedAt,
      state: "present",
      cursor: undefined,
      graceTimer: undefined,
    };
    participants.set(p.id, p);
    return p;
  };

  return {
    restore(rows) {
      for (const row of rows) {
        if (!participants.has(row.id)) startGrace(adopt(row));
      }
    },

    adopt,

    watch(p) {
      if (p.state === "present" && !p.cursor && !p.graceTimer) startGrace(p);
    },

    reserve(id, name, tokenHash) {
      if (participants.size >= maxParticipants) throw chatFull(maxParticipants);
      const p: Participant = {
        id,
        name,
        tokenHash,
        joinedSeq: 0,
        joinedAt: 0,
        state: "joining",
        cursor: undefined,
        graceTimer: undefined,
      };
      participants.set(id, p);
      return p;
    },

    admit(p, join) {
      p.state = "present";
      p.name = join.name;
      p.joinedSeq = join.seq;
      p.joinedAt = join.logicalTime;
      // Until it subscribes, a participant is on its way out.
      if (!p.cursor) startGrace(p);
    },

    abandon(p) {
      participants.delete(p.id);
    },

    authenticate(participantId, token, everJoined) {
      const p = participants.get(participantId);
      if (!p) {
        if (everJoined) throw hasLeft();
        throw new ChatError("not_found", `no participant with id ${JSON.stringify(participantId)}`);
      }
      if (!tokenMatches(p.tokenHash, token)) throw wrongToken();
      if (p.state !== "present") throw hasLeft();
      return p;
    },

    get: (id) => participants.get(id),

    streamOpened(p, cursor) {
      clearGrace(p);
      p.cursor = cursor;
    },

    streamClosed(p, cursor) {
      if (p.cursor !== cursor) return;
      p.cursor = undefined;
      logger.info("disconnect", { participant: p.id, name: p.name, lastSeq: cursor.lastSeq });
      if (p.state === "present") startGrace(p);
    },

    leaving(p) {
      p.state = "leaving";
      clearGrace(p);
    },

    leaveFailed(p) {
      p.state = "present";
      if (!p.cursor) startGrace(p);
    },

    left(p) {
      clearGrace(p);
      participants.delete(p.id);
    },

    list: () => [...participants.values()].filter((p) => p.state !== "joining"),

    get size() {
      return participants.size;
    },

    stop() {
      stopped = true;
      for (const p of participants.values()) clearGrace(p);
    },
  };
}
