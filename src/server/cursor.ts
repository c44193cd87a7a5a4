import type { ChatError } from "../protocol/errors.ts";
import type { EventLog, LogEvent, LogTop } from "../store/event-log.ts";

/**
 * Where a cursor delivers events: the gRPC stream, seen without gRPC.
 * `write` returns false when the stream's buffer is full; `onDrain` then fires
 * once it has room again.
 */
export interface EventSink {
  write(event: LogEvent, replayed: boolean): boolean;
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
  /** Shared by every cursor of a hub: how full live queues got, how often one overflowed. */
  stats?: QueueStats;
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
  #queue: LogEvent[] = [];
  #queueBytes = 0;
  /** Whether anything was written since the last heartbeat tick. */
  #wrote = false;
  /** The page being replayed while catching up, and how far into it we are. */
  #page: LogEvent[] = [];
  #pageAt = 0;

  constructor(options: CursorOptions) {
    this.#o = options;
    this.participantId = options.participantId;
    this.#lastSeq = options.afterSeq;
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

  /** Committed events, in seq order, from the log's tail. Ignored unless live. */
  push(events: readonly LogEvent[]): void {
    for (const event of events) {
      // Delivering the subscriber's own LEAVE closes the cursor mid-batch.
      if (this.#mode !== "live") return;
      if (this.#waitingDrain || this.#queue.length > 0) {
        const bytes = eventBytes(event);
        if (
          this.#queue.length >= this.#o.maxQueue ||
          this.#queueBytes + bytes > this.#o.maxQueueBytes
        ) {
          // Too far behind: forget the queue and read from the log after drain.
          this.#queue = [];
          this.#queueBytes = 0;
          this.#mode = "catching-up";
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
      } else {
        // A full stream still took this event; the rest of the batch is queued.
        this.#deliver(event, false);
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
    if (!this.#o.sink.heartbeat(top)) this.#waitingDrain = true;
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
    this.#queue = [];
    this.#queueBytes = 0;
    this.#page = [];
    this.#o.onClose(this);
  }

  /** Writes one event; false when the cursor must stop (stream full or ended). */
  #deliver(event: LogEvent, replayed: boolean): boolean {
    this.#lastSeq = event.seq;
    this.#wrote = true;
    const room = this.#o.sink.write(event, replayed);
    if (event.kind === "leave" && event.participantId === this.participantId) {
      this.#close();
      this.#o.sink.end();
      return false;
    }
    if (!room) this.#waitingDrain = true;
    return room;
  }

  #pump(): void {
    const { log, pageSize } = this.#o;
    while (this.#mode === "catching-up" && !this.#waitingDrain) {
      if (this.#pageAt >= this.#page.length) {
        this.#page = log.readAfterSeq(this.#lastSeq, pageSize);
        this.#pageAt = 0;
      }
      // A full stream stops us mid-page; the rest of the page waits for drain
      // rather than being read again.
      while (this.#pageAt < this.#page.length) {
        const row = this.#page[this.#pageAt++] as LogEvent;
        if (!this.#deliver(row, true)) return;
      }
      // Nothing async happens between this check and the switch, so the next
      // committed event reaches us through push(): the switch has no gap.
      if (this.#lastSeq >= log.top().seq) {
        this.#mode = "live";
        this.#page = [];
        this.#pageAt = 0;
      }
    }
  }

  #onDrain(): void {
    if (this.#mode === "closed") return;
    this.#waitingDrain = false;
    if (this.#mode === "catching-up") {
      this.#pump();
      return;
    }
    while (this.#queue.length > 0) {
      const event = this.#queue.shift() as LogEvent;
      this.#queueBytes -= eventBytes(event);
      if (!this.#deliver(event, false)) return;
    }
  }
}
