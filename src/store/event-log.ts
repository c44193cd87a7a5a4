import type { ChatEventRecord } from "../protocol/events.ts";

/**
 * The event log as every backend offers it (SQLite embedded, PostgreSQL shared
 * by several servers). The hub, the handlers and the admin API speak only this.
 */

/** An event as the log stores it. */
export type LogEvent = ChatEventRecord;

/** The newest position in the log. */
export interface LogTop {
  seq: number;
  logicalTime: number;
}

/** Someone who joined, as the log keeps them. */
export interface ParticipantRow {
  id: string;
  /** The effective name (with any `#2` suffix the log gave it). */
  name: string;
  /** sha256 of the session token, hex; the token itself is never stored. */
  tokenHash: string;
  joinedSeq: number;
  /** Logical time of the JOIN. */
  joinedAt: number;
  /** Set by the LEAVE; null while the participant is in the chat. */
  leftSeq: number | null;
  leftAt: number | null;
}

/** Something to append; the log stamps `seq` and the Lamport time. */
export type EventDraft =
  | {
      kind: "join";
      /** New, chosen by the caller. */
      participantId: string;
      /**
       * The name asked for. The log decides the effective one inside the
       * append: the first free `name#2`, `name#3`, … when a present
       * participant has it (case-insensitively).
       */
      name: string;
      /** The sender's clock (0 when it has none). */
      logicalTime: number;
      tokenHash: string;
    }
  | {
      kind: "message";
      participantId: string;
      name: string;
      logicalTime: number;
      content: string;
      messageId: string | null;
    }
  | {
      kind: "leave";
      participantId: string;
      name: string;
      logicalTime: number;
      /**
       * The participant vanished (its leave grace ran out) rather than asked
       * to leave: refused as "held" when a live server holds its stream, so a
       * participant that came back anywhere is not announced as left.
       */
      vanished?: boolean;
    };

/** What became of one draft. */
export type AppendResult =
  /** Stored now, as this event. */
  | { status: "stored"; event: LogEvent }
  /** A message whose (participant, message id) the log already holds: nothing new was stored. */
  | { status: "duplicate"; event: LogEvent }
  /** A message or leave from someone who is not in the chat: nothing was stored. */
  | { status: "refused"; reason: "not_present" }
  /** A vanished participant's leave while a live server holds its stream: nothing was stored. */
  | { status: "refused"; reason: "held" }
  /**
   * A join while the chat already has its cap of present participants, counted
   * by a log several servers share across all of them: nothing was stored.
   */
  | { status: "refused"; reason: "full" };

/** A server sharing the log, as its lease shows it. */
export interface ServerRow {
  id: string;
  /** Its gRPC address, as it was told to advertise it. */
  address: string;
  /** Its admin HTTP base URL, if it serves one. */
  adminUrl: string | null;
  startedAtMs: number;
  /** When it last renewed its lease (the database's clock). */
  renewedAtMs: number;
}

/** Who answers for a present participant: the server holding its stream or its leave grace. */
export interface Holder {
  participantId: string;
  serverId: string | null;
  /** Whether that server holds an open stream for it (else its leave grace runs there). */
  streaming: boolean;
}

/**
 * What several servers sharing one log need of it: leases that say which
 * servers are alive, and which server answers for each participant. A log
 * only one server uses (SQLite) has none.
 */
export interface Leases {
  /** This server's id; its JOINs name it as their participant's holder. */
  readonly serverId: string;
  /** How long a lease lasts without renewal. */
  readonly ttlMs: number;
  /** Creates or renews this server's lease. */
  renew(info: { address: string; adminUrl: string | null }): Promise<void>;
  /** Ends this server's lease now (a clean shutdown), so others take over at once. */
  release(): Promise<void>;
  /** Servers whose lease is current, oldest first. */
  servers(): Promise<ServerRow[]>;
  /** This server now holds (true) or no longer holds (false) the participant's stream. */
  hold(participantId: string, streaming: boolean): Promise<void>;
  /** Present participants whose holder's lease has expired (or who have none). */
  orphans(): Promise<ParticipantRow[]>;
  /** The holder of every present participant. */
  holders(): Promise<Holder[]>;
}

export type AppendListener = (appended: readonly LogEvent[]) => void;

/**
 * The event log and its sequencer. `append` stamps every draft inside one
 * transaction (seq = top + 1, logical time = max(top, draft) + 1), so log
 * order = Lamport order = delivery order. Listeners hear of committed events
 * only, in seq order, each once, whoever appended them.
 */
export interface EventLog {
  readonly logId: string;
  readonly backend: "sqlite" | "postgres";
  /** Present when several servers may share this log. */
  readonly leases?: Leases;
  /**
   * Stores the drafts in one transaction, in order, and resolves after the
   * commit with one result per draft. Rejects, storing nothing, when the
   * transaction fails (a ChatError "unavailable" when the database cannot be
   * reached).
   */
  append(drafts: readonly EventDraft[]): Promise<AppendResult[]>;
  /** Registers a listener for committed events; returns a function that removes it. */
  onAppend(listener: AppendListener): () => void;
  /** The newest seq and logical time (0, 0 for an empty log). */
  top(): Promise<LogTop>;
  /** Up to `limit` events with seq > `afterSeq`, oldest first. */
  readAfterSeq(afterSeq: number, limit: number): Promise<LogEvent[]>;
  /**
   * The same read, answered at once, by a backend that reads synchronously
   * (SQLite): a cursor catching up then writes a page in the same turn as the
   * drain that asked for it, as grpc-js on Bun needs to keep a stream flowing.
   */
  readAfterSeqNow?(afterSeq: number, limit: number): LogEvent[];
  /** The newest `limit` events with logical time < `before`, oldest first. */
  readBefore(before: number, limit: number): Promise<LogEvent[]>;
  /** The seq of the newest event with logical time <= `logicalTime` (0 if none). */
  seqAtOrBefore(logicalTime: number): Promise<number>;
  /** The event a participant published with this message id, if any. */
  findByMessageId(participantId: string, messageId: string): Promise<LogEvent | undefined>;
  findParticipant(id: string): Promise<ParticipantRow | undefined>;
  /** Participants who joined and have not left, in join order. */
  presentParticipants(): Promise<ParticipantRow[]>;
  /** Everyone who ever joined, in join order. */
  allParticipants(): Promise<ParticipantRow[]>;
  close(): Promise<void>;
}
