import type { ChatError } from "../protocol/errors.ts";
import type { EventLog, LogTop } from "../store/event-log.ts";
import { Cursor, type EventSink, newQueueStats, type QueueStats } from "./cursor.ts";
import type { Logger } from "./logger.ts";

export interface FanOutOptions {
  log: EventLog;
  logger: Logger;
  /** Heartbeat interval for idle live streams (0 = none). */
  heartbeatMs: number;
  maxQueue: number;
  maxQueueBytes: number;
  pageSize: number;
}

export interface StreamOptions {
  sink: EventSink;
  afterSeq: number;
  participantId: string;
  /** Called once when the stream's cursor stops, after it has left the fan-out. */
  onClose: (cursor: Cursor) => void;
}

/**
 * The subscriber side of the hub: every open stream's cursor, fed from the
 * log's tail after each commit, with one heartbeat timer for all of them.
 */
export interface FanOut {
  /** A registered cursor for a new stream; the caller starts it. */
  open(options: StreamOptions): Cursor;
  /** The log's top when the fan-out starts; afterwards the tail moves it. */
  setTop(top: LogTop): void;
  startHeartbeats(): void;
  readonly size: number;
  queueStats(): QueueStats;
  /** Stops the heartbeats and ends every stream with `error`. */
  failAll(error: ChatError): void;
}

export function createFanOut({
  log,
  logger,
  heartbeatMs,
  maxQueue,
  maxQueueBytes,
  pageSize,
}: FanOutOptions): FanOut {
  const cursors = new Set<Cursor>();
  const stats = newQueueStats();
  let heartbeats: ReturnType<typeof setInterval> | undefined;
  // The newest event the tail has handed out: a cursor that has delivered it
  // is caught up, and hears of everything later through push().
  let top: LogTop = { seq: 0, logicalTime: 0 };

  // The hub learns of events from the log's tail, not from its own appends.
  log.onAppend((events) => {
    const last = events[events.length - 1];
    if (last) top = { seq: last.seq, logicalTime: last.logicalTime };
    for (const e of events) {
      logger.info("broadcast", {
        seq: e.seq,
        lt: e.logicalTime,
        kind: e.kind,
        participant: e.participantId,
        name: e.name,
        subscribers: cursors.size,
      });
    }
    for (const cursor of cursors) cursor.push(events);
  });

  return {
    open({ sink, afterSeq, participantId, onClose }) {
      const cursor = new Cursor({
        log,
        sink,
        afterSeq,
        participantId,
        maxQueue,
        maxQueueBytes,
        pageSize,
        stats,
        logger,
        tailSeq: () => top.seq,
        onClose: (c) => {
          cursors.delete(c);
          onClose(c);
        },
      });
      cursors.add(cursor);
      return cursor;
    },
    setTop(start) {
      if (start.seq > top.seq) top = { ...start };
    },
    startHeartbeats() {
      if (heartbeatMs <= 0 || heartbeats) return;
      // One timer for all streams: each cursor knows whether it wrote since the last tick.
      heartbeats = setInterval(() => {
        for (const cursor of cursors) cursor.heartbeat(top);
      }, heartbeatMs);
      heartbeats.unref();
    },
    get size() {
      return cursors.size;
    },
    queueStats: () => ({ ...stats }),
    failAll(error) {
      clearInterval(heartbeats);
      for (const cursor of [...cursors]) cursor.fail(error);
    },
  };
}
