import type * as grpc from "@grpc/grpc-js";
import { WIRE_KIND } from "../protocol/events.ts";
import type { Broadcast } from "../protocol/proto.ts";
import type { LogEvent } from "../store/event-log.ts";
import { encodeBatches, encodeBroadcast } from "./broadcast-wire.ts";

/** The proto view of a stored event (what broadcast-wire.ts writes, as an object). */
export function toBroadcast(event: LogEvent, replayed: boolean): Broadcast {
  return {
    seq: event.seq,
    logicalTime: event.logicalTime,
    kind: WIRE_KIND[event.kind],
    participantId: event.participantId,
    name: event.name,
    content: event.content,
    sentAtMs: event.sentAtMs,
    replayed,
  };
}

/**
 * A live event goes to every subscriber as the same Broadcast, so it is encoded
 * once and the bytes shared. Keyed by the event object the log's tail hands
 * every cursor.
 */
const liveBytes = new WeakMap<LogEvent, Buffer>();

/** The encoded Broadcast for an event (shared across subscribers when live). */
export function broadcastBytes(event: LogEvent, replayed: boolean): Buffer {
  if (replayed) return encodeBroadcast(event, true);
  let bytes = liveBytes.get(event);
  if (!bytes) {
    bytes = encodeBroadcast(event, false);
    liveBytes.set(event, bytes);
  }
  return bytes;
}

/**
 * A BroadcastBatch message holds events up to about this many bytes; more go
 * in the next message. Far below grpc-js's 4 MB receive limit, and small enough
 * that one message does not hold a stream's whole HTTP/2 window.
 */
export const MAX_BATCH_BYTES = 64 * 1024;

/**
 * The live batches of one commit, keyed by the array the log's tail hands
 * every cursor: a caught-up subscriber writes that very array, so every such
 * stream shares the same messages.
 */
const liveBatches = new WeakMap<readonly LogEvent[], Buffer[]>();

/**
 * Consecutive events as encoded BroadcastBatch messages: one, or several when
 * they pass MAX_BATCH_BYTES. Live arrays are encoded once and shared; a
 * replayed page goes straight from the stored events into its messages.
 */
export function batchMessages(events: readonly LogEvent[], replayed: boolean): Buffer[] {
  if (replayed) return encodeBatches(events, true, MAX_BATCH_BYTES);
  let messages = liveBatches.get(events);
  if (!messages) {
    messages = encodeBatches(events, false, MAX_BATCH_BYTES);
    liveBatches.set(events, messages);
  }
  return messages;
}

/** The streaming methods whose handlers write already-encoded bytes (see above). */
const PASS_THROUGH = ["Subscribe", "SubscribeBatches"] as const;

/** A copy of the service definition whose streams send already-encoded bytes as they are. */
export function passEncodedBroadcasts(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const copy = { ...definition };
  for (const name of PASS_THROUGH) {
    const method = definition[name];
    if (!method) throw new Error(`the service has no ${name} method`);
    const encode = method.responseSerialize;
    copy[name] = {
      ...method,
      responseSerialize: (value: unknown) =>
        Buffer.isBuffer(value) ? value : encode(value as never),
    };
  }
  return copy;
}
