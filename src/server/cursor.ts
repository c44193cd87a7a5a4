import type { ChatError } from "../protocol/errors.ts";
import type { EventLog, LogEvent, LogTop } from "../store/event-log.ts";
import { type Logger, silentLogger } from "./logger.ts";

/**
 * Where a cursor delivers events: the gRPC stream, seen without gRPC.
 * `write` returns false when the stream's buffer is full; `onDrain` then fires
 * once it has room again.
 */
export interface EventSink {
  /**
   * Writes consecutive events (never none), in one message where the stream
   * allows (SubscribeBatches) or one by one (Subscribe). A live array the log's
   * tail handed the cursor is passed on as that same array, so its encoding
   * can be shared across streams.
   */
  write(events: readonly LogEvent[], replayed: boolean): boolean;
  /** Writes a heartbeat naming the log's top; same return value as `write`. */
  heartbeat(top: LogTop): boolean;
  onDrain(listener: () => void): void;
  /** Ends the stream successfully, after what was written. */
  end(): void;
  /** Ends the stream with an error status. */
  fail(error: ChatError): void;
}

export interface CursorOptions {
  log: EventLog;
  sink: EventSink;
  /** Deliver events with seq > afterSeq. */
  afterSeq: number;
  /** The subscriber; its own LEAVE event ends the stream. */
  participantId: string;
  /** Live events held while the stream is full before falling back to the log. */
  maxQueue: number;
  /** The same bound in estimated bytes (see eventBytes); whichever is hit first applies. */
  maxQueueBytes: number;
  /** Rows read from the log per page while catching up. */
  pageSize: number;
  /** Called once when the cursor stops for any reason. */
  onClose: (cursor: Cursor) => void;
  /**
   * The newest seq the log's tail has pushed to cursors. A catching-up cursor
   * that has delivered it goes live: everything later reaches it through push().
   */
  tailSeq: () => number;
  /** How long a cursor waits before reading again after the log failed a read. */
  retryMs?: number;
  /** Shared by every cursor of a hub: how full live queues got, how often one overflowed. */
  stats?: QueueStats;
  /** Hears (at debug) when the cursor catches up and when it falls behind. */
  logger?: Logger;
}

/** What operators (and the memory test) can see of the live queues' bounds at work. */
export interface QueueStats {
  /** The most events / estimated bytes any one live queue has held. */
  peakEvents: number;
  peakBytes: number;
  /** Live cursors that overflowed their queue and fell back to reading the log. */
  fallbacks: number;
}

export function newQueueStats(): QueueStats {
  return { peakEvents: 0, peakBytes: 0, fallbacks: 0 };
}

/**
 * What an event held in a queue costs, roughly: its strings at two bytes a
 * character plus the object around them. An estimate, but one that grows with
 * the content, so long messages hit the bytes bound before the count bound.
 */
export function eventBytes(event: LogEvent): number {
  return 128 + 2 * (event.content.length + event.name.length + event.participantId.length);
}

/**
 * A subscriber's position in the log. It is either catching up (reading pages
 * from the log) or live (fed committed events from memory). A live cursor whose
 * stream stays full past `maxQueue` events or `maxQueueBytes` drops back to
 * catching up, so a slow subscriber costs the server a bounded queue, never an
 * unbounded one.
 */
export class Cursor {
  readonly participantId: string;
  #o: CursorOptions;
  #mode: "catching-up" | "live" | "closed" = "catching-up";
  #lastSeq: number;
  #waitingDrain = false;
  #pumping = false;
  /** Drains heard so far: a write that spans one does not wait for another. */
  #drains = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #queue: LogEvent[] = [];
  #queueBytes = 0;
  /** Whether anything was written since the last heartbeat tick. */
  #wrote = false;
  #logger: Logger;
  /** When the current catch-up began, and the seq it began after (for the debug line). */
  #catchUpFrom: { at: number; seq: number };

  constructor(options: CursorOptions) {
    this.#o = options;
    this.participantId = options.participantId;
    this.#lastSeq = options.afterSeq;
    this.#logger = options.logger ?? silentLogger;
    this.#catchUpFrom = { at: performance.now(), seq: options.afterSeq };
    options.sink.onDrain(() => this.#onDrain());
  }

  get mode(): "catching-up" | "live" | "closed" {
    return this.#mode;
  }

  /** The last seq handed to the stream. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Starts delivering: replay from the log, then live. */
  start(): void {
    this.#pump();
  }

  /**
   * Committed events, in seq order, from the log's tail (one commit). Ignored
   * unless live. A stream with room takes them all in one write; a full one
   * queues them until it drains.
   */
  push(tail: readonly LogEvent[]): void {
    if (this.#mode !== "live" || tail.length === 0) return;
    // A cursor that read ahead of the tail while catching up has these already.
    let events = tail;
    if ((tail[0] as LogEvent).seq <= this.#lastSeq) {
      events = tail.filter((e) => e.seq > this.#lastSeq);
      if (events.length === 0) return;
    }
    if (!this.#waitingDrain && this.#queue.length === 0) {
      this.#deliver(events, false);
      return;
    }
    for (const event of events) {
      const bytes = eventBytes(event);
      if (
        this.#queue.length >= this.#o.maxQueue ||
        this.#queueBytes + bytes > this.#o.maxQueueBytes
      ) {
        // Too far behind: forget the queue and read from the log after drain.
        this.#logger.debug("fell_behind", {
          participant: this.participantId,
          seq: this.#lastSeq,
          queuedEvents: this.#queue.length,
          queuedBytes: this.#queueBytes,
        });
        this.#queue = [];
        this.#queueBytes = 0;
        this.#mode = "catching-up";
        this.#catchUpFrom = { at: performance.now(), seq: this.#lastSeq };
        if (this.#o.stats) this.#o.stats.fallbacks += 1;
        return;
      }
      this.#queue.push(event);
      this.#queueBytes += bytes;
      const stats = this.#o.stats;
      if (stats) {
        stats.peakEvents = Math.max(stats.peakEvents, this.#queue.length);
        stats.peakBytes = Math.max(stats.peakBytes, this.#queueBytes);
      }
    }
  }

  /**
   * Called once per heartbeat interval: a live stream with room that wrote
   * nothing since the last call gets a heartbeat naming the log's `top`.
   */
  heartbeat(top: LogTop): void {
    const wrote = this.#wrote;
    this.#wrote = false;
    if (wrote || this.#mode !== "live" || this.#waitingDrain || this.#queue.length > 0) return;
    const drainsBefore = this.#drains;
    if (!this.#o.sink.heartbeat(top) && this.#drains === drainsBefore) this.#waitingDrain = true;
  }

  /** Ends the stream with an error (shutdown, replaced by a newer stream). */
  fail(error: ChatError): void {
    if (this.#mode === "closed") return;
    this.#close();
    this.#o.sink.fail(error);
  }

  /** Detaches without touching the stream (it was cancelled by the peer). */
  detach(): void {
    if (this.#mode !== "closed") this.#close();
  }

  #close(): void {
    this.#mode = "closed";
    clearTimeout(this.#retry);
    this.#queue = [];
    this.#queueBytes = 0;
    this.#o.onClose(this);
  }

  /**
   * Writes consecutive events in one go; false when the cursor must stop
   * (stream full or ended). The subscriber's own LEAVE is the last thing its
   * stream gets: what follows it is not written, and the stream ends.
   */
  #deliver(events: readonly LogEvent[], replayed: boolean): boolean {
    if (events.length === 0) return true;
    const own = events.findIndex(
      (e) => e.kind === "leave" && e.participantId === this.participantId,
    );
    const batch = own === -1 ? events : events.slice(0, own + 1);
    this.#lastSeq = (batch[batch.length - 1] as LogEvent).seq;
    this.#wrote = true;
    const drainsBefore = this.#drains;
    const full = !this.#o.sink.write(batch, replayed);
    if (own !== -1) {
      this.#close();
      this.#o.sink.end();
      return false;
    }
    // A drain heard during the write itself (a stream may flush and say so
    // before write() returns) would be lost if we waited for it now: go on.
    if (full && this.#drains === drainsBefore) {
      this.#waitingDrain = true;
      return false;
    }
    return true;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    this.#catchUp().then(
      () => {
        this.#pumping = false;
        // A drain that came while the last read was under way.
        if (this.#mode === "catching-up" && !this.#waitingDrain) this.#pump();
      },
      () => {
        // The log could not be read (its database is away): the stream stays
        // open and reads again shortly.
        this.#pumping = false;
        if (this.#mode !== "catching-up") return;
        this.#retry = setTimeout(() => this.#pump(), this.#o.retryMs ?? 250);
        this.#retry.unref?.();
      },
    );
  }

  async #catchUp(): Promise<void> {
    const { log, pageSize, tailSeq } = this.#o;
    while (this.#mode === "catching-up" && !this.#waitingDrain) {
      const page = log.readAfterSeqNow
        ? log.readAfterSeqNow(this.#lastSeq, pageSize)
        : await log.readAfterSeq(this.#lastSeq, pageSize);
      if (this.#mode !== "catching-up") return;
      // A full stream still takes the whole page; the next one waits for drain.
      if (!this.#deliver(page, true)) return;
      // Nothing async happens between this check and the switch, so every
      // event the tail pushes from now on reaches us through push(): no gap.
      if (page.length < pageSize && this.#lastSeq >= tailSeq()) {
        this.#mode = "live";
        this.#logger.debug("caught_up", {
          participant: this.participantId,
          seq: this.#lastSeq,
          read: this.#lastSeq - this.#catchUpFrom.seq,
          ms: Math.round(performance.now() - this.#catchUpFrom.at),
        });
      }
    }
  }

  #onDrain(): void {
    if (this.#mode === "closed") return;
    this.#drains += 1;
    this.#waitingDrain = false;
    if (this.#mode === "catching-up") {
      this.#pump();
      return;
    }
    // Everything queued while the stream was full goes out together.
    const queued = this.#queue;
    this.#queue = [];
    this.#queueBytes = 0;
    this.#deliver(queued, false);
  }
}
