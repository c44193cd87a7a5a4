import type { EventKind } from "../protocol/events.ts";
import type { Broadcast__Output } from "../protocol/proto.ts";

/** One event of the chat as the session delivers it (proto types stop at the gRPC edge). */
export interface ChatEvent {
  seq: number;
  logicalTime: number;
  kind: EventKind;
  participantId: string;
  name: string;
  content: string;
  sentAtMs: number;
  replayed: boolean;
}

const KINDS: Partial<Record<string, EventKind>> = {
  EVENT_KIND_JOIN: "join",
  EVENT_KIND_MESSAGE: "message",
  EVENT_KIND_LEAVE: "leave",
};

/** The domain event for a broadcast, or undefined for a kind this client does not know. */
export function fromBroadcast(b: Broadcast__Output): ChatEvent | undefined {
  const kind = KINDS[b.kind];
  if (!kind) return undefined;
  return {
    seq: b.seq,
    logicalTime: b.logicalTime,
    kind,
    participantId: b.participantId,
    name: b.name,
    content: b.content,
    sentAtMs: b.sentAtMs,
    replayed: b.replayed,
  };
}
