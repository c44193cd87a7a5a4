import type * as grpc from "@grpc/grpc-js";
import { WIRE_KIND } from "../protocol/events.ts";
import { type Broadcast, loadChitChat } from "../protocol/proto.ts";
import type { LogEvent } from "../store/event-log.ts";

/** The proto view of a stored event. */
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
 * once and the bytes shared: grpc-js would otherwise run protobufjs for every
 * stream. Keyed by the event object the log's tail hands every cursor.
 */
const liveBytes = new WeakMap<LogEvent, Buffer>();

let serialize: ((value: Broadcast) => Buffer) | undefined;

/** The encoded Broadcast for an event (shared across subscribers when live). */
export function broadcastBytes(event: LogEvent, replayed: boolean): Buffer {
  serialize ??= loadChitChat().ChitChat.service.Subscribe.responseSerialize as (
    value: Broadcast,
  ) => Buffer;
  if (replayed) return serialize(toBroadcast(event, true));
  let bytes = liveBytes.get(event);
  if (!bytes) {
    bytes = serialize(toBroadcast(event, false));
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
 * they pass MAX_BATCH_BYTES. Live arrays are encoded once and shared.
 */
export function batchMessages(events: readonly LogEvent[], replayed: boolean): Buffer[] {
  if (replayed) return frameBatches(events.map((e) => broadcastBytes(e, true)));
  let messages = liveBatches.get(events);
  if (!messages) {
    messages = frameBatches(events.map((e) => broadcastBytes(e, false)));
    liveBatches.set(events, messages);
  }
  return messages;
}

function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v >>>= 7) size += 1;
  return size;
}

/** BroadcastBatch field 1, length-delimited: tag (1 << 3) | 2. */
const EVENTS_TAG = 0x0a;

/**
 * BroadcastBatch is `repeated Broadcast events = 1`, so its bytes are each
 * event's Broadcast bytes behind a tag and a length: no protobufjs needed.
 */
function frameBatches(encoded: readonly Buffer[]): Buffer[] {
  const messages: Buffer[] = [];
  let start = 0;
  let size = 0;
  for (let i = 0; i < encoded.length; i += 1) {
    const length = (encoded[i] as Buffer).length;
    const framed = 1 + varintSize(length) + length;
    if (size > 0 && size + framed > MAX_BATCH_BYTES) {
      messages.push(joinFramed(encoded, start, i, size));
      start = i;
      size = 0;
    }
    size += framed;
  }
  if (size > 0) messages.push(joinFramed(encoded, start, encoded.length, size));
  return messages;
}

function joinFramed(encoded: readonly Buffer[], from: number, to: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = from; i < to; i += 1) {
    const bytes = encoded[i] as Buffer;
    out[at++] = EVENTS_TAG;
    let v = bytes.length;
    while (v >= 0x80) {
      out[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[at++] = v;
    at += bytes.copy(out, at);
  }
  return out;
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
