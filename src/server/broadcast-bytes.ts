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

/** A copy of the service definition whose Subscribe sends already-encoded bytes as they are. */
export function passEncodedBroadcasts(definition: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const subscribe = definition.Subscribe;
  if (!subscribe) throw new Error("the service has no Subscribe method");
  const encode = subscribe.responseSerialize;
  return {
    ...definition,
    Subscribe: {
      ...subscribe,
      responseSerialize: (value: unknown) =>
        Buffer.isBuffer(value) ? value : encode(value as never),
    },
  };
}
