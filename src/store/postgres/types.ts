// The asynchronous store interface, as agreed in /work/notes/store-interface.ts.
// Temporary: replaced by imports from ../event-log.ts once the lead's async
// interface is on main.
import type { ChatEventRecord } from "../../protocol/events.ts";

export type LogEvent = ChatEventRecord;

export interface ParticipantRow {
  id: string;
  name: string;
  tokenHash: string;
  joinedSeq: number;
  joinedAt: number;
  leftSeq: number | null;
  leftAt: number | null;
}

export interface LogTop {
  seq: number;
  logicalTime: number;
}

export type EventDraft =
  | { kind: "join"; participantId: string; name: string; logicalTime: number; tokenHash: string }
  | {
      kind: "message";
      participantId: string;
      name: string;
      logicalTime: number;
      content: string;
      messageId: string | null;
    }
  | { kind: "leave"; participantId: string; name: string; logicalTime: number };

export type AppendResult =
  | { status: "stored"; event: LogEvent }
  | { status: "duplicate"; event: LogEvent }
  | { status: "refused"; reason: "not_present" };

export type AppendListener = (appended: readonly LogEvent[]) => void;

export interface EventLog {
  readonly logId: string;
  readonly backend: "sqlite" | "postgres";
  append(drafts: readonly EventDraft[]): Promise<AppendResult[]>;
  onAppend(listener: AppendListener): () => void;
  top(): Promise<LogTop>;
  readAfterSeq(afterSeq: number, limit: number): Promise<LogEvent[]>;
  readBefore(before: number, limit: number): Promise<LogEvent[]>;
  seqAtOrBefore(logicalTime: number): Promise<number>;
  findByMessageId(participantId: string, messageId: string): Promise<LogEvent | undefined>;
  findParticipant(id: string): Promise<ParticipantRow | undefined>;
  presentParticipants(): Promise<ParticipantRow[]>;
  allParticipants(): Promise<ParticipantRow[]>;
  close(): Promise<void>;
}
