import { ChatError } from "../../protocol/errors.ts";
import { toEventJson } from "../../protocol/events.ts";
import type { EventLog, LogEvent } from "../../store/event-log.ts";
import type { LogReads } from "../../store/reads.ts";

/** One /history request, validated: page forwards after `since` or backwards before `before`. */
export type HistoryRequest =
  | { since: number; before?: undefined; limit: number }
  | { since?: undefined; before: number; limit: number };

/** A page of events, already serialized, with where it starts and ends. */
export interface HistoryPage {
  /** A JSON array of the events, as /history shows them. */
  eventsJson: string;
  first: { seq: number; logicalTime: number } | undefined;
  last: { seq: number; logicalTime: number } | undefined;
}

/** Where /history pages come from: this thread's log, or a reader thread. */
export interface HistorySource {
  page(request: HistoryRequest): Promise<HistoryPage>;
  close(): void;
}

const ends = (e: { seq: number; logicalTime: number } | undefined) =>
  e && { seq: e.seq, logicalTime: e.logicalTime };

/** Serializes one page of events. */
function toPage(events: readonly LogEvent[]): HistoryPage {
  return {
    eventsJson: JSON.stringify(events.map(toEventJson)),
    first: ends(events[0]),
    last: ends(events[events.length - 1]),
  };
}

type PageReads = Pick<LogReads, "readAfterSeq" | "readBefore" | "seqAtOrBefore">;

/** Reads and serializes one page with a SQLite log's prepared statements (the reader thread). */
export function readHistoryPage(reads: PageReads, request: HistoryRequest): HistoryPage {
  return toPage(
    request.before !== undefined
      ? reads.readBefore(request.before, request.limit)
      : reads.readAfterSeq(
          request.since === 0 ? 0 : reads.seqAtOrBefore(request.since),
          request.limit,
        ),
  );
}

/** Pages read through the server's own log (tests, logs with no file of their own). */
export function historyFromLog(log: EventLog): HistorySource {
  return {
    page: async (request) =>
      toPage(
        request.before !== undefined
          ? await log.readBefore(request.before, request.limit)
          : await log.readAfterSeq(
              request.since === 0 ? 0 : await log.seqAtOrBefore(request.since),
              request.limit,
            ),
      ),
    close: () => {},
  };
}

type Reply = { id: number; page: HistoryPage } | { id: number; error: string };

/**
 * Pages read by a worker thread over its own read-only connection (WAL lets it
 * read beside the writer), so a 1000-event page never holds up the gRPC
 * event loop: reading and serializing one takes milliseconds.
 */
export function historyWorker(dbPath: string): HistorySource {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<
    number,
    { resolve: (p: HistoryPage) => void; reject: (e: Error) => void }
  >();

  const failAll = (message: string) => {
    for (const p of pending.values()) p.reject(new Error(message));
    pending.clear();
  };
  const start = (): Worker => {
    const w = new Worker(new URL("./history-worker.ts", import.meta.url).href);
    w.unref();
    w.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      if (!p) return;
      if ("page" in reply) p.resolve(reply.page);
      else p.reject(new Error(`history reader: ${reply.error}`));
    };
    w.onerror = (event) => {
      // A dead reader fails what it owed; the next request starts a fresh one.
      worker = undefined;
      w.terminate();
      failAll(`history reader failed: ${event.message}`);
    };
    w.postMessage({ open: dbPath });
    return w;
  };

  return {
    page(request) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker ??= start();
        worker.postMessage({ id, request });
      });
    },
    close() {
      worker?.terminate();
      worker = undefined;
      failAll("server shutting down");
    },
  };
}

/** Fails with out_of_range when `since` is ahead of the newest logical time. */
export function checkSince(since: number, newest: number): void {
  if (since > newest) {
    throw new ChatError(
      "out_of_range",
      `since ${since} is ahead of the log (its newest logical time is ${newest})`,
    );
  }
}
