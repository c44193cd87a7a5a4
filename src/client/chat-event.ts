import { type ChatEventRecord, kindFromWire } from "../protocol/events.ts";
import type { Broadcast__Output } from "../protocol/proto.ts";

/** One event of the chat as the session delivers it (proto types stop at the gRPC edge). */
export interface ChatEvent extends ChatEventRecord {
  /** Read back from the log rather than pushed live. */
  replayed: boolean;
}

/** The domain event for a broadcast, or undefined for a kind this client does not know. */
export function fromBroadcast(b: Broadcast__Output): ChatEvent | undefined {
  const kind = kindFromWire(b.kind);
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
