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

/** What both shapes share: drain, end, fail. */
function streamEnds(call: Stream<unknown>, logger: Logger): Omit<EventSink, "write" | "heartbeat"> {
  return {
    onDrain: (listener) => call.on("drain", listener),
    end: () => call.end(),
    fail: (error) => call.emit("error", toServiceError(error, logger)),
  };
}

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
    ...streamEnds(call, logger),
  };
}

/** SubscribeBatches: one BroadcastBatch message per array of events (split past MAX_BATCH_BYTES). */
export function batchSink(
  call: Stream<BroadcastBatch>,
  { logger, metrics }: SinkOptions,
): EventSink {
  return {
    write: (events, replayed) => {
      if (replayed) metrics.eventReplayed(events.length);
      let room = true;
      for (const message of batchMessages(events, replayed)) {
        if (!call.write(message as unknown as BroadcastBatch)) room = false;
      }
      return room;
    },
    heartbeat: (top) => call.write({ events: [heartbeatBroadcast(top)] }),
    ...streamEnds(call, logger),
  };
}
