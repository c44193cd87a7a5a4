import type { ServerWebSocket } from "bun";
import type { ChatError } from "../../protocol/errors.ts";
import type { ChatEventRecord } from "../../protocol/events.ts";
import type { RequestId } from "../../protocol/ws-frames.ts";
import type { LogEvent } from "../../store/event-log.ts";
import type { EventSink } from "../cursor.ts";
import type { ChatMetrics } from "../metrics.ts";
import { MAX_PENDING_BYTES } from "../stream-sinks.ts";

/** What the server keeps per browser socket. */
export interface SocketData {
  /** The socket's subscription: a cursor and its sink's drain listener. */
  detach?: (() => void) | undefined;
  onDrain?: (() => void) | undefined;
}

export type ChatSocket = ServerWebSocket<SocketData>;

// A live array is handed to every subscriber's sink as the same array: encode it once.
const encoded = new WeakMap<readonly LogEvent[], string>();

function eventsJson(events: readonly LogEvent[]): string {
  let json = encoded.get(events);
  if (json === undefined) {
    json = JSON.stringify(
      events.map(
        (e): ChatEventRecord => ({
          seq: e.seq,
          logicalTime: e.logicalTime,
          kind: e.kind,
          participantId: e.participantId,
          name: e.name,
          content: e.content,
          sentAtMs: e.sentAtMs,
        }),
      ),
    );
    encoded.set(events, json);
  }
  return json;
}

/**
 * A subscription's events as `events` frames on a socket. Full, like a batch
 * gRPC stream, when Bun reports backpressure or MAX_PENDING_BYTES wait unsent;
 * the socket's drain then lets the cursor write again.
 */
export function socketSink(
  ws: ChatSocket,
  id: RequestId,
  metrics: ChatMetrics,
  errorFrame: (error: ChatError) => string,
): EventSink {
  const idJson = JSON.stringify(id);
  const send = (text: string) => {
    const status = ws.send(text);
    // -1: queued behind backpressure; 0: the socket is gone (its close detaches the cursor).
    return status > 0 && ws.getBufferedAmount() < MAX_PENDING_BYTES;
  };
  return {
    write: (events, replayed) => {
      if (replayed) metrics.eventReplayed(events.length);
      return send(
        `{"type":"events","id":${idJson},"replayed":${replayed},"events":${eventsJson(events)}}`,
      );
    },
    heartbeat: (top) =>
      send(JSON.stringify({ type: "heartbeat", id, seq: top.seq, logicalTime: top.logicalTime })),
    onDrain: (listener) => {
      ws.data.onDrain = listener;
    },
    end: () => {
      send(JSON.stringify({ type: "end", id }));
    },
    fail: (error) => {
      send(errorFrame(error));
    },
  };
}
