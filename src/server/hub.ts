import { randomUUID } from "node:crypto";
import { ChatError } from "../protocol/errors.ts";
import type { EventLog, LogEvent } from "../store/event-log.ts";
import { createGroupCommitter } from "./committer.ts";
import type { Cursor, EventSink, QueueStats } from "./cursor.ts";
import { createFanOut } from "./fan-out.ts";
import type { Logger } from "./logger.ts";
import { effectiveName } from "./names.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { hashToken, newSessionToken, tokenMatches } from "./sessions.ts";

/** A participant in the chat now, as the hub tracks it. */
export interface Participant {
  readonly id: string;
  readonly name: string;
  readonly tokenHash: string;
  joinedSeq: number;
  joinedAt: number;
  /** joining until its JOIN commits; leaving once a LEAVE is under way. */
  state: "joining" | "present" | "leaving";
  cursor: Cursor | undefined;
  graceTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface HubOptions {
  log: EventLog;
  logger: Logger;
  /** How long a participant without a stream may stay before it is announced as left. */
  leaveGraceMs: number;
  /** Live events a subscriber may have waiting before it is served from the log. */
  maxQueue?: number;
  /** The same bound in estimated bytes. */
  maxQueueBytes?: number;
  /** Heartbeat interval for idle live streams; 0 sends none. */
  heartbeatMs?: number;
  /** Rows per page when a subscriber reads from the log. */
  pageSize?: number;
  /** Publishes per participant per second, on average; 0 = no limit. */
  publishRate?: number;
  /** Publishes a participant may send at once after a quiet spell. */
  publishBurst?: number;
  /** Participants in the chat at once. */
  maxParticipants?: number;
}

export interface JoinResult {
  participant: Participant;
  event: LogEvent;
  token: string;
}

export interface SubscribeOptions {
  since: number;
  logId: string;
}

/** Presence, sessions and fan-out over the event log. Knows nothing of gRPC. */
export interface Hub {
  readonly logId: string;
  readonly closing: boolean;
  /** Starts the leave grace of everyone the log says is present (after a restart). */
  start(): void;
  join(name: string, logicalTime: number): Promise<JoinResult>;
  /** The participant this token belongs to, or a ChatError saying why not. */
  authenticate(participantId: string, token: string | undefined): Participant;
  publish(
    participant: Participant,
    content: string,
    logicalTime: number,
    messageId: string,
  ): Promise<LogEvent>;
  leave(participant: Participant, logicalTime: number): Promise<LogEvent>;
  /** Fails FAILED_PRECONDITION unless `logId` is empty or names this log. */
  checkLogId(logId: string): void;
  subscribe(participant: Participant, options: SubscribeOptions, sink: EventSink): Cursor;
  /** Participants in the chat now, in join order. */
  participants(): Participant[];
  subscriberCount(): number;
  /** How full subscribers' live queues got and how often one fell back to the log. */
  queueStats(): QueueStats;
  /** Commits what is pending (acks go out) and ends every stream UNAVAILABLE. */
  close(): void;
}

export function createHub({
  log,
  logger,
  leaveGraceMs,
  maxQueue = 1024,
  maxQueueBytes = 1024 * 1024,
  heartbeatMs = 0,
  pageSize = 256,
  publishRate = 0,
  publishBurst = 1,
  maxParticipants = Number.POSITIVE_INFINITY,
}: HubOptions): Hub {
  const committer = createGroupCommitter(log);
  const publishLimiter = createRateLimiter({ rate: publishRate, burst: publishBurst });
  const participants = new Map<string, Participant>();
  const fanOut = createFanOut({ log, logger, heartbeatMs, maxQueue, maxQueueBytes, pageSize });
  const inflightPublishes = new Map<string, Promise<LogEvent>>();
  let closing = false;

  for (const row of log.presentParticipants()) {
    participants.set(row.id, {
      id: row.id,
      name: row.name,
      tokenHash: row.tokenHash,
      joinedSeq: row.joinedSeq,
      joinedAt: row.joinedAt,
      state: "present",
      cursor: undefined,
      graceTimer: undefined,
    });
  }

  const checkLogId = (logId: string) => {
    if (logId !== "" && logId !== log.logId) {
      throw new ChatError(
        "failed_precondition",
        `this server's event log is not the one you joined (it holds log ${log.logId}, not ${logId})`,
      );
    }
  };

  const ensureOpen = () => {
    if (closing) throw new ChatError("unavailable", "server shutting down");
  };

  const clearGrace = (p: Participant) => {
    if (p.graceTimer) clearTimeout(p.graceTimer);
    p.graceTimer = undefined;
  };

  const startGrace = (p: Participant) => {
    clearGrace(p);
    p.graceTimer = setTimeout(() => {
      p.graceTimer = undefined;
      if (p.state !== "present" || p.cursor || closing) return;
      logger.info("vanished", { participant: p.id, name: p.name, graceMs: leaveGraceMs });
      leave(p, 0).catch((error) => {
        logger.error("leave_failed", { participant: p.id, error: String(error) });
      });
    }, leaveGraceMs);
  };

  // Nothing is stored for a throttled publish; the caller learns when to try again.
  const throttle = (p: Participant) => {
    const taken = publishLimiter.take(p.id);
    if (taken.ok) return;
    throw new ChatError(
      "resource_exhausted",
      `publish rate limit: ${publishRate}/s (bursts of ${publishBurst}); try again in ${taken.retryAfterMs} ms`,
      { retryAfterMs: taken.retryAfterMs },
    );
  };

  async function leave(p: Participant, logicalTime: number): Promise<LogEvent> {
    p.state = "leaving";
    clearGrace(p);
    let event: LogEvent;
    try {
      event = await committer.submit({
        kind: "leave",
        participantId: p.id,
        name: p.name,
        logicalTime,
      });
    } catch (error) {
      p.state = "present";
      throw error;
    }
    participants.delete(p.id);
    publishLimiter.forget(p.id);
    logger.info("leave", {
      participant: p.id,
      name: p.name,
      lt: event.logicalTime,
      seq: event.seq,
    });
    return event;
  }

  return {
    logId: log.logId,
    get closing() {
      return closing;
    },

    start() {
      for (const p of participants.values()) if (!p.cursor) startGrace(p);
      fanOut.startHeartbeats();
    },

    async join(name, logicalTime) {
      ensureOpen();
      // Those who are joining count too, so a burst of Joins cannot overshoot.
      if (participants.size >= maxParticipants) {
        throw new ChatError(
          "resource_exhausted",
          `the chat is full (${maxParticipants} participants); try again when someone has left`,
        );
      }
      const token = newSessionToken();
      const p: Participant = {
        id: randomUUID(),
        name: effectiveName(
          name,
          [...participants.values()].map((other) => other.name),
        ),
        tokenHash: hashToken(token),
        joinedSeq: 0,
        joinedAt: 0,
        state: "joining",
        cursor: undefined,
        graceTimer: undefined,
      };
      participants.set(p.id, p);
      let event: LogEvent;
      try {
        event = await committer.submit({
          kind: "join",
          participantId: p.id,
          name: p.name,
          logicalTime,
          tokenHash: p.tokenHash,
        });
      } catch (error) {
        participants.delete(p.id);
        throw error;
      }
      p.state = "present";
      p.joinedSeq = event.seq;
      p.joinedAt = event.logicalTime;
      // Until it subscribes, a participant is on its way out.
      if (!p.cursor) startGrace(p);
      logger.info("join", {
        participant: p.id,
        name: p.name,
        lt: event.logicalTime,
        seq: event.seq,
      });
      return { participant: p, event, token };
    },

    authenticate(participantId, token) {
      if (token === undefined) {
        throw new ChatError(
          "unauthenticated",
          "missing session token: send metadata 'authorization: Bearer <session_token>'",
        );
      }
      const p = participants.get(participantId);
      if (!p) {
        if (log.findParticipant(participantId)) {
          throw new ChatError("unauthenticated", "this participant has left the chat; join again");
        }
        throw new ChatError("not_found", `no participant with id ${JSON.stringify(participantId)}`);
      }
      if (!tokenMatches(p.tokenHash, token)) {
        throw new ChatError(
          "unauthenticated",
          "the session token does not belong to this participant",
        );
      }
      if (p.state !== "present") {
        throw new ChatError("unauthenticated", "this participant has left the chat; join again");
      }
      return p;
    },

    publish(p, content, logicalTime, messageId) {
      ensureOpen();
      const submit = () =>
        committer.submit({
          kind: "message",
          participantId: p.id,
          name: p.name,
          logicalTime,
          content,
          messageId: messageId || null,
        });
      if (!messageId) {
        throttle(p);
        return submit();
      }
      const key = `${p.id}\n${messageId}`;
      const inflight = inflightPublishes.get(key);
      if (inflight) return inflight;
      const stored = log.findByMessageId(p.id, messageId);
      // A retry of a stored message costs nothing: it stores nothing.
      if (stored) return Promise.resolve(stored);
      throttle(p);
      const promise = submit().finally(() => inflightPublishes.delete(key));
      inflightPublishes.set(key, promise);
      return promise;
    },

    leave(p, logicalTime) {
      ensureOpen();
      return leave(p, logicalTime);
    },

    checkLogId,

    subscribe(p, { since, logId }, sink) {
      ensureOpen();
      checkLogId(logId);
      const top = log.top();
      if (since > top.logicalTime) {
        throw new ChatError(
          "out_of_range",
          `since ${since} is ahead of the log (its newest logical time is ${top.logicalTime})`,
        );
      }
      const afterSeq = since === 0 ? 0 : log.seqAtOrBefore(since);
      p.cursor?.fail(
        new ChatError("aborted", "replaced by a newer Subscribe for the same participant"),
      );
      clearGrace(p);
      const cursor = fanOut.open({
        sink,
        afterSeq,
        participantId: p.id,
        onClose: (c) => {
          if (p.cursor !== c) return;
          p.cursor = undefined;
          logger.info("disconnect", { participant: p.id, name: p.name, lastSeq: c.lastSeq });
          if (p.state === "present" && !closing) startGrace(p);
        },
      });
      p.cursor = cursor;
      logger.info("subscribe", { participant: p.id, name: p.name, since, afterSeq });
      cursor.start();
      return cursor;
    },

    participants: () => [...participants.values()].filter((p) => p.state !== "joining"),
    subscriberCount: () => fanOut.size,
    queueStats: () => fanOut.queueStats(),

    close() {
      if (closing) return;
      closing = true;
      for (const p of participants.values()) clearGrace(p);
      committer.flush();
      fanOut.failAll(new ChatError("unavailable", "server shutting down"));
    },
  };
}
