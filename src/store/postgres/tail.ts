import type { AppendListener, LogEvent } from "../event-log.ts";

export interface LogTailOptions {
  /** The seq already in the log when the tail starts; listeners hear of later ones. */
  startSeq: number;
  /** Up to `limit` events with seq > afterSeq, oldest first. */
  readAfterSeq(afterSeq: number, limit: number): Promise<LogEvent[]>;
  pageSize?: number;
  /** Hears a listener's exception; the events stand and the tail goes on. */
  onListenerError(error: unknown): void;
  /** Hears a failed read (the database away); the next poll or notification retries. */
  onReadError(error: unknown): void;
}

/** Follows the log's end and hands listeners every new event once, in seq order. */
export interface LogTail {
  /** The newest seq handed to listeners. */
  readonly lastSeq: number;
  add(listener: AppendListener): () => void;
  /** Something may have been appended (a notification, a poll, our own commit): read on. */
  poke(): void;
  /** Events known to follow `lastSeq` directly (our own commit): hand them on without a read. */
  offer(appended: readonly LogEvent[]): void;
  close(): void;
}

/**
 * The fan-out's view of a shared log. Every delivery moves `lastSeq` forward by exactly
 * the events delivered, and only a run starting at `lastSeq + 1` is delivered, so
 * listeners see the log dense, in order and once, however pokes, offers and reads
 * interleave. A failed read delivers nothing; the next poke reads from the same place.
 */
export function createLogTail({
  startSeq,
  readAfterSeq,
  pageSize = 1000,
  onListenerError,
  onReadError,
}: LogTailOptions): LogTail {
  let lastSeq = startSeq;
  let reading = false;
  let again = false;
  let closed = false;
  const listeners = new Set<AppendListener>();

  /** Delivers the part of `run` (ascending seqs) that continues the log; returns how much. */
  function deliver(run: readonly LogEvent[]): number {
    let start = 0;
    while (start < run.length && (run[start] as LogEvent).seq <= lastSeq) start += 1;
    let end = start;
    while (end < run.length && (run[end] as LogEvent).seq === lastSeq + 1 + (end - start)) end += 1;
    if (end === start) return 0;
    const fresh = start === 0 && end === run.length ? run : run.slice(start, end);
    lastSeq = (fresh[fresh.length - 1] as LogEvent).seq;
    for (const listener of listeners) {
      try {
        listener(fresh);
      } catch (error) {
        onListenerError(error);
      }
    }
    return fresh.length;
  }

  async function read(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          if (closed) return;
          const page = await readAfterSeq(lastSeq, pageSize);
          if (closed) return;
          deliver(page);
          if (page.length < pageSize) break;
        }
      } while (again);
    } catch (error) {
      if (!closed) onReadError(error);
    } finally {
      reading = false;
    }
  }

  return {
    get lastSeq() {
      return lastSeq;
    },
    add(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    poke() {
      if (!closed) void read();
    },
    offer(appended) {
      if (closed) return;
      // A read in flight may be about to deliver these too; deliver() keeps it to once.
      if (deliver(appended) < appended.length) void read();
    },
    close() {
      closed = true;
      listeners.clear();
    },
  };
}
