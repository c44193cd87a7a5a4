// What a chat session needs from the wire, and nothing more: the gRPC client
// (grpc-transport.ts) and the browser's WebSocket (src/browser/ws-transport.ts)
// implement it, and the session logic above it is one and the same.
import type { ChatEvent } from "./chat-event.ts";

/** The answer to a join. */
export interface JoinReply {
  participantId: string;
  name: string;
  logicalTime: number;
  seq: number;
  sessionToken: string;
  logId: string;
}

/** Where a stored event landed: its Lamport time and log position. */
export interface Ack {
  logicalTime: number;
  seq: number;
}

export interface Credentials {
  participantId: string;
  sessionToken: string;
}

/** Someone in the chat now, as ListParticipants tells. */
export interface PresentParticipant {
  participantId: string;
  name: string;
  joinedLogicalTime: number;
  joinedSeq: number;
  /** Holds an open stream; false while it is away but within the leave grace. */
  streaming: boolean;
}

/** One thing a subscription stream carries. */
export type StreamItem =
  /** `event` is undefined for a kind this client does not know (it still counts for seq). */
  | { type: "event"; seq: number; logicalTime: number; event: ChatEvent | undefined }
  /** Not an event: the log's top. */
  | { type: "heartbeat"; seq: number; logicalTime: number };

export interface StreamHandlers {
  /** The server accepted the subscription (before any item). */
  connected(): void;
  /** Items in order; a handler that abandons the stream mid-batch is told no more. */
  item(item: StreamItem): void;
  /** The stream ended: `code` 0 is OK (after our own LEAVE); anything else is a CallFailure's. */
  end(code: number, details: string): void;
}

export interface StreamHandle {
  /** Stops the stream; `end` is not called after this. */
  cancel(): void;
}

/** Every call rejects with a CallFailure (see call-status.ts) when it fails. */
export interface ChatTransport {
  /** Waits until the server is reachable (or fails UNAVAILABLE saying why). */
  connect(): Promise<void>;
  join(request: { name: string; logicalTime: number }): Promise<JoinReply>;
  subscribe(
    request: { participantId: string; since: number; logId: string },
    sessionToken: string,
    handlers: StreamHandlers,
  ): StreamHandle;
  publish(
    request: {
      participantId: string;
      content: string;
      logicalTime: number;
      messageId: string;
    },
    sessionToken: string,
  ): Promise<Ack>;
  leave(
    request: { participantId: string; logicalTime: number },
    sessionToken: string,
  ): Promise<Ack>;
  /**
   * Who is in the chat now (read only), and the log's newest seq when it was
   * read; a transport without it cannot answer /who.
   */
  listParticipants?(
    request: { participantId: string },
    sessionToken: string,
  ): Promise<{ participants: PresentParticipant[]; seq: number }>;
  /** The newest `limit` events of the log, oldest first (read only). */
  history?(
    request: { participantId: string; limit: number },
    sessionToken: string,
  ): Promise<ChatEvent[]>;
  /** Cancels every call in flight and lets go of the connection. */
  close(): void;
}
