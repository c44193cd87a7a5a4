import { randomUUID } from "node:crypto";
import { ChatError } from "../protocol/errors.ts";
import type { AppendResult, EventLog, LogEvent } from "../store/event-log.ts";
import { createGroupCommitter } from "./committer.ts";
import type { Cursor, EventSink, QueueStats } from "./cursor.ts";
import { createFanOut } from "./fan-out.ts";
import type { Logger } from "./logger.ts";
import { createPresence, type Participant } from "./presence.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { hashToken, newSessionToken } from "./sessions.ts";

export type { Participant } from "./presence.ts";

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

/** Sessions, publishing and streams over the event log. Knows nothing of gRPC. */
export interface Hub {
  readonly logId: string;
  readonly closing: boolean;
  /** Takes in who the log says is present (their grace starts) and starts heartbeats. */
  start(): Promise<void>;
  join(name: string, logicalTime: number): Promise<JoinResult>;
  /** The participant this token belongs to, or a ChatError saying why not. */
  authenticate(participantId: string, token: string | undefined): Promise<Participant>;
  publish(
    participant: Participant,
    content: string,
    logicalTime: number,
    messageId: string,
  ): Promise<LogEvent>;
  leave(participant: Participant, logicalTime: number): Promise<LogEvent>;
  /** Fails FAILED_PRECONDITION unless `logId` is empty or names this log. */
  checkLogId(logId: string): void;
  subscribe(participant: Participant, options: SubscribeOptions, sink: EventSink): Promise<Cursor>;
  /** Participants in the chat now, in join order. */
  participants(): Participant[];
  subscriberCount(): number;
  /** How full subscribers' live queues got and how often one fell back to the log. */
  queueStats(): QueueStats;
  /** Commits what is pending (acks go out) and ends every stream UNAVAILABLE. */
  close(): Promise<void>;
}

const hasLeft = () =>
  new ChatError("unauthenticated", "this participant has left the chat; join again");

/** The event a draft's result names; a refusal means the participant is gone. */
function eventOf(result: AppendResult): LogEvent {
  if (result.status === "refused") throw hasLeft();
  return result.event;
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
  const fanOut = createFanOut({ log, logger, heartbeatMs, maxQueue, maxQueueBytes, pageSize });
  const presence = createPresence({
    logger,
    leaveGraceMs,
    maxParticipants,
    onVanished: (p) => {
      if (closing) return;
      track(leave(p, 0)).catch((error) => {
        logger.error("leave_failed", { participant: p.id, error: String(error) });
      });
    },
  });
  const inflightPublishes = new Map<string, Promise<LogEvent>>();
  // Calls accepted before shutdown began: close() lets them commit first.
  const accepted = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    accepted.add(work);
    const done = () => accepted.delete(work);
    work.then(done, done);
    return work;
  };
  let closing = false;

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

  const submitMessage = async (
    p: Participant,
    content: string,
    logicalTime: number,
    messageId: string,
  ): Promise<LogEvent> => {
    if (messageId) {
      // A retry of a stored message costs nothing: it stores nothing.
      const stored = await log.findByMessageId(p.id, messageId);
      if (stored) return stored;
    }
    throttle(p);
    const result = await committer.submit({
      kind: "message",
      participantId: p.id,
      name: p.name,
      logicalTime,
      content,
      messageId: messageId || null,
    });
    return eventOf(result);
  };

  async function leave(p: Participant, logicalTime: number): Promise<LogEvent> {
    presence.leaving(p);
    let event: LogEvent;
    try {
      event = eventOf(
        await committer.submit({ kind: "leave", participantId: p.id, name: p.name, logicalTime }),
      );
    } catch (error) {
      presence.leaveFailed(p);
      throw error;
    }
    presence.left(p);
    publishLimiter.forget(p.id);
    logger.info("leave", {
      participant: p.id,
      name: p.name,
      lt: event.logicalTime,
      seq: event.seq,
    });
    return event;
  }

  async function join(name: string, logicalTime: number): Promise<JoinResult> {
    const token = newSessionToken();
    const p = presence.reserve(randomUUID(), name, hashToken(token));
    let event: LogEvent;
    try {
      event = eventOf(
        await committer.submit({
          kind: "join",
          participantId: p.id,
          name,
          logicalTime,
          tokenHash: p.tokenHash,
        }),
      );
    } catch (error) {
      presence.abandon(p);
      throw error;
    }
    presence.admit(p, event);
    logger.info("join", {
      participant: p.id,
      name: p.name,
      lt: event.logicalTime,
      seq: event.seq,
    });
    return { participant: p, event, token };
  }

  return {
    logId: log.logId,
    get closing() {
      return closing;
    },

    async start() {
      fanOut.setTop(await log.top());
      presence.restore(await log.presentParticipants());
      fanOut.startHeartbeats();
    },

    join(name, logicalTime) {
      ensureOpen();
      return track(join(name, logicalTime));
    },

    async authenticate(participantId, token) {
      if (token === undefined) {
        throw new ChatError(
          "unauthenticated",
          "missing session token: send metadata 'authorization: Bearer <session_token>'",
        );
      }
      const everJoined =
        presence.get(participantId) !== undefined ||
        (await log.findParticipant(participantId)) !== undefined;
      return presence.authenticate(participantId, token, everJoined);
    },

    publish(p, content, logicalTime, messageId) {
      ensureOpen();
      if (!messageId) return track(submitMessage(p, content, logicalTime, messageId));
      const key = `${p.id}\n${messageId}`;
      const inflight = inflightPublishes.get(key);
      if (inflight) return inflight;
      const promise = track(
        submitMessage(p, content, logicalTime, messageId).finally(() =>
          inflightPublishes.delete(key),
        ),
      );
      inflightPublishes.set(key, promise);
      return promise;
    },

    leave(p, logicalTime) {
      ensureOpen();
      return track(leave(p, logicalTime));
    },

    checkLogId,

    async subscribe(p, { since, logId }, sink) {
      ensureOpen();
      checkLogId(logId);
      const top = await log.top();
      if (since > top.logicalTime) {
        throw new ChatError(
          "out_of_range",
          `since ${since} is ahead of the log (its newest logical time is ${top.logicalTime})`,
        );
      }
      const afterSeq = since === 0 ? 0 : await log.seqAtOrBefore(since);
      ensureOpen();
      if (p.state !== "present") throw hasLeft();
      p.cursor?.fail(
        new ChatError("aborted", "replaced by a newer Subscribe for the same participant"),
      );
      const cursor = fanOut.open({
        sink,
        afterSeq,
        participantId: p.id,
        onClose: (c) => presence.streamClosed(p, c),
      });
      presence.streamOpened(p, cursor);
      logger.info("subscribe", { participant: p.id, name: p.name, since, afterSeq });
      cursor.start();
      return cursor;
    },

    participants: () => presence.list(),
    subscriberCount: () => fanOut.size,
    queueStats: () => fanOut.queueStats(),

    async close() {
      if (closing) return;
      closing = true;
      presence.stop();
      await Promise.allSettled([...accepted]);
      await committer.flush();
      fanOut.failAll(new ChatError("unavailable", "server shutting down"));
    },
  };
}
