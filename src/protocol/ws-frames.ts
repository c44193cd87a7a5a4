// The browser's transport: JSON text frames over a WebSocket at /ws that
// mirror the gRPC contract (see chitchat.proto and README "The WebSocket").
// Shared by the server (src/server/ws) and the browser (src/browser).
import type { ChatEventRecord } from "./events.ts";

/** The path of the chat's WebSocket on the HTTP listener. */
export const WS_PATH = "/ws";

/** A client's label for a request; the answers to it carry it back. */
export type RequestId = string | number | null;

export type ClientFrame =
  | { type: "join"; id?: RequestId; name: string; logicalTime: number }
  | {
      type: "subscribe";
      id?: RequestId;
      participantId: string;
      sessionToken: string;
      since: number;
      logId: string;
    }
  | {
      type: "publish";
      id?: RequestId;
      participantId: string;
      sessionToken: string;
      content: string;
      logicalTime: number;
      messageId: string;
    }
  | {
      type: "leave";
      id?: RequestId;
      participantId: string;
      sessionToken: string;
      logicalTime: number;
    };

/** gRPC's status names, as error frames spell them. */
export type StatusName =
  | "INVALID_ARGUMENT"
  | "UNAUTHENTICATED"
  | "NOT_FOUND"
  | "FAILED_PRECONDITION"
  | "OUT_OF_RANGE"
  | "RESOURCE_EXHAUSTED"
  | "ABORTED"
  | "UNAVAILABLE"
  | "INTERNAL";

export type ServerFrame =
  | {
      type: "joined";
      id: RequestId;
      participantId: string;
      name: string;
      logicalTime: number;
      seq: number;
      sessionToken: string;
      logId: string;
    }
  /** The subscription is open (gRPC's response headers); events follow. */
  | { type: "subscribed"; id: RequestId; since: number }
  /** Consecutive events in log order: a replay page or one commit. */
  | { type: "events"; id: RequestId; replayed: boolean; events: ChatEventRecord[] }
  /** Not an event: the log's top, sent on an idle subscription. */
  | { type: "heartbeat"; id: RequestId; seq: number; logicalTime: number }
  | { type: "published"; id: RequestId; logicalTime: number; seq: number }
  | { type: "left"; id: RequestId; logicalTime: number; seq: number }
  /** The subscription ended OK (after the subscriber's own LEAVE). */
  | { type: "end"; id: RequestId }
  /**
   * A refused request, or a subscription that ended with an error. `status`
   * is the gRPC status number, `code` its name, `message` the same sentence.
   */
  | {
      type: "error";
      id: RequestId;
      code: StatusName;
      status: number;
      message: string;
      retryAfterMs?: number;
    };
