import { randomUUID } from "node:crypto";
import { ChatError } from "../protocol/errors.ts";
import type { AppendResult, EventLog, Holder, LogEvent, ServerRow } from "../store/event-log.ts";
import { createGroupCommitter } from "./committer.ts";
import type { Cursor, EventSink, QueueStats } from "./cursor.ts";
import { createFanOut } from "./fan-out.ts";
import { type Advertised, createLeaseKeeper } from "./lease-keeper.ts";
import type { Logger } from "./logger.ts";
import { createMessages, eventOf, hasLeft } from "./messages.ts";
import { chatFull, createPresence, type Participant, wrongToken } from "./presence.ts";
import { hashToken, newSessionToken, tokenMatches } from "./sessions.ts";

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
  /** How often this server renews its lease and looks for orphans, on a shared log. */
  leaseRenewMs?: number;
  /** Hears the database stop or start answering (a shared log: each lease renewal says). */
  onDatabase?: (reachable: boolean) => void;
}

export type { Advertised } from "./lease-keeper.ts";

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
  /** This server's id among those sharing the log. */
  readonly serverId: string;
  /** False while the database does not answer this server's lease renewals (a shared log). */
  readonly databaseReachable: boolean;
  /** The servers sharing the log (this one alone for a log with no leases). */
  servers(): Promise<ServerRow[]>;
  /** Who holds each present participant: which server, and whether it streams there. */
  holders(): Promise<Holder[]>;
  readonly closing: boolean;
  /**
   * Takes in who the log says is present (their grace starts) and starts
   * heartbeats; on a shared log, takes its lease and keeps it.
   */
  start(advertised?: Advertised): Promise<void>;
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
  leaseRenewMs,
  onDatabase = () => {},
}: HubOptions): Hub {
  const committer = createGroupCommitter(log);
  const messages = createMessages({ log, committer, rate: publishRate, burst: publishBurst });
  const fanOut = createFanOut({ log, logger, heartbeatMs, maxQueue, maxQueueBytes, pageSize });
  const presence = createPresence({
    logger,
    leaveGraceMs,
    maxParticipants,
    onVanished: (p) => {
      if (closing) return;
      track(leave(p, 0, true)).catch((error) => {
        logger.error("leave_failed", { participant: p.id, error: String(error) });
      });
    },
  });
  let databaseReachable = true;
  const lease = createLeaseKeeper({
    leases: log.leases,
    presence,
    logger,
    // Five renewals per lease: one late or lost renewal does not give it up.
    renewMs: leaseRenewMs ?? Math.max(100, Math.floor((log.leases?.ttlMs ?? 5000) / 5)),
    onReachable: (reachable) => {
      if (reachable === databaseReachable) return;
      databaseReachable = reachable;
      logger[reachable ? "info" : "warn"](reachable ? "database_back" : "database_unreachable", {});
      onDatabase(reachable);
    },
  });

  // A LEAVE stored through another server sharing the log: the participant is
  // gone here too (its stream here, if any, ends with that LEAVE).
  log.onAppend((events) => {
    for (const e of events) {
      if (e.kind !== "leave") continue;
      const p = presence.get(e.participantId);
      if (p && p.state !== "leaving") {
        presence.left(p);
        messages.forget(p.id);
      }
    }
  });
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

  async function leave(p: Participant, logicalTime: number, vanished = false): Promise<LogEvent> {
    presence.leaving(p);
    let result: AppendResult;
    try {
      result = await committer.submit({
        kind: "leave",
        participantId: p.id,
        name: p.name,
        logicalTime,
        ...(vanished ? { vanished } : {}),
      });
    } catch (error) {
      presence.leaveFailed(p);
      throw error;
    }
    if (result.status === "refused") {
      // Another server holds its stream, or already announced it: not ours to track.
      presence.left(p);
      messages.forget(p.id);
      logger.info("leave_refused", { participant: p.id, name: p.name, reason: result.reason });
      throw hasLeft();
    }
    const event = result.event;
    presence.left(p);
    messages.forget(p.id);
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
      const result = await committer.submit({
        kind: "join",
        participantId: p.id,
        name,
        logicalTime,
        tokenHash: p.tokenHash,
      });
      // A shared log counts the cap across every server; this one's own count may be lower.
      if (result.status === "refused" && result.reason === "full") throw chatFull(maxParticipants);
      event = eventOf(result);
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
    serverId: lease.serverId,
    get databaseReachable() {
      return databaseReachable;
    },
    servers: () => lease.servers(),
    holders: () => lease.holders(),
    get closing() {
      return closing;
    },

    async start(advertised = { address: "", adminUrl: null }) {
      fanOut.setTop(await log.top());
      // On a shared log, those whose server is alive stay that server's and
      // the rest are orphans; a log of its own is all this server's.
      await lease.start(advertised);
      if (!log.leases) presence.restore(await log.presentParticipants());
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
      if (presence.get(participantId)) return presence.authenticate(participantId, token, true);
      const row = await log.findParticipant(participantId);
      // Present in the log but new here: it joined through another server.
      if (row && row.leftSeq === null) {
        if (!tokenMatches(row.tokenHash, token)) throw wrongToken();
        presence.adopt(row);
      }
      return presence.authenticate(participantId, token, row !== undefined);
    },

    publish(p, content, logicalTime, messageId) {
      ensureOpen();
      return track(messages.publish(p, content, logicalTime, messageId));
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
      // On a shared log, the participant is ours now: no other server announces it as left.
      await lease.hold(p, true);
      ensureOpen();
      if (p.state !== "present") throw hasLeft();
      p.cursor?.fail(
        new ChatError("aborted", "replaced by a newer Subscribe for the same participant"),
      );
      const cursor = fanOut.open({
        sink,
        afterSeq,
        participantId: p.id,
        onClose: (c) => {
          presence.streamClosed(p, c);
          if (p.cursor || closing || p.state !== "present") return;
          lease
            .hold(p, false)
            .catch((error) =>
              logger.warn("hold_failed", { participant: p.id, error: String(error) }),
            );
        },
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
      // The others take over our participants now rather than after the lease runs out.
      await lease.release();
    },
  };
}
