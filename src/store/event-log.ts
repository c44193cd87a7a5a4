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
  | { kind: "leave"; participantId: string; name: string; logicalTime: number };

/** What became of one draft. */
export type AppendResult =
  /** Stored now, as this event. */
  | { status: "stored"; event: LogEvent }
  /** A message whose (participant, message id) the log already holds: nothing new was stored. */
  | { status: "duplicate"; event: LogEvent }
  /** A message or leave from someone who is not in the chat: nothing was stored. */
  | { status: "refused"; reason: "not_present" };

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
