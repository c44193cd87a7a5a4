// The two shapes of an event stream on the wire: Subscribe writes one
// Broadcast per event, SubscribeBatches a BroadcastBatch per array of events.
// Both write already-encoded bytes, which server.ts passes through (see
// broadcast-bytes.ts).
import type * as grpc from "@grpc/grpc-js";
import type { Broadcast, BroadcastBatch } from "../protocol/proto.ts";
import type { LogTop } from "../store/event-log.ts";
import { batchMessages, broadcastBytes } from "./broadcast-bytes.ts";
import type { EventSink } from "./cursor.ts";
import type { Logger } from "./logger.ts";
import type { ChatMetrics } from "./metrics.ts";
import { toServiceError } from "./status.ts";

/** A heartbeat: not an event, just the log's top (see EVENT_KIND_HEARTBEAT in the .proto). */
export function heartbeatBroadcast(top: LogTop): Broadcast {
  return {
    seq: top.seq,
    logicalTime: top.logicalTime,
    kind: "EVENT_KIND_HEARTBEAT",
    participantId: "",
    name: "",
    content: "",
    sentAtMs: 0,
    replayed: false,
  };
}

export interface SinkOptions {
  logger: Logger;
  metrics: ChatMetrics;
}

type Stream<T> = grpc.ServerWritableStream<unknown, T>;

/** Subscribe: one Broadcast message per event. */
export function broadcastSink(
  call: Stream<Broadcast>,
  { logger, metrics }: SinkOptions,
): EventSink {
  return {
    write: (events, replayed) => {
      if (replayed) metrics.eventReplayed(events.length);
      let room = true;
      for (const event of events) {
        // Every event is written even once the stream is full: grpc-js buffers
        // it, and the array is bounded (a page, a commit, or a bounded queue).
        if (!call.write(broadcastBytes(event, replayed) as unknown as Broadcast)) room = false;
      }
      return room;
    },
    heartbeat: (top) => call.write(heartbeatBroadcast(top)),
    onDrain: (listener) => call.on("drain", listener),
    end: () => call.end(),
    fail: (error) => call.emit("error", toServiceError(error, logger)),
  };
}

/**
 * Bytes a batch stream may have written that the connection has not yet taken
 * before it reports itself full. grpc-js's own bound counts messages (16), not
 * bytes: with messages of up to 64 KiB it would hold a megabyte for a stalled
 * subscriber before the cursor heard of it, and the live queue bound would mean
 * nothing. A few pages in flight keep a fast stream busy.
 */
export const MAX_PENDING_BYTES = 64 * 1024;

/**
 * SubscribeBatches: one BroadcastBatch message per array of events (split past
 * MAX_BATCH_BYTES). Full when grpc-js says so or MAX_PENDING_BYTES are waiting.
 */
export function batchSink(
  call: Stream<BroadcastBatch>,
  { logger, metrics }: SinkOptions,
): EventSink {
  let pending = 0;
  let full = false;
  let onDrain: (() => void) | undefined;
  const maybeDrained = () => {
    if (!full || pending >= MAX_PENDING_BYTES || call.writableNeedDrain) return;
    full = false;
    onDrain?.();
  };
  const send = (message: Buffer | BroadcastBatch, bytes: number) => {
    pending += bytes;
    const room = call.write(message as BroadcastBatch, () => {
      pending -= bytes;
      maybeDrained();
    });
    if (!room || pending >= MAX_PENDING_BYTES) full = true;
  };
  call.on("drain", maybeDrained);
  return {
    write: (events, replayed) => {
      if (replayed) metrics.eventReplayed(events.length);
      for (const message of batchMessages(events, replayed)) send(message, message.length);
      return !full;
    },
    heartbeat: (top) => {
      send({ events: [heartbeatBroadcast(top)] }, 0);
      return !full;
    },
    onDrain: (listener) => {
      onDrain = listener;
    },
    end: () => call.end(),
    fail: (error) => call.emit("error", toServiceError(error, logger)),
  };
}
