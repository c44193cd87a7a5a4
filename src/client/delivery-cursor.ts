/** What to do with an event that arrived on the stream. */
export type Verdict = "deliver" | "duplicate" | "gap";

export interface DeliveryCursorOptions {
  /** The first subscribe asks for events with logical time > since. */
  since: number;
  /**
   * The seq the first event must have, when the caller knows it (a new
   * participant subscribing from its JOIN time - 1 expects its JOIN's seq).
   * Otherwise holes are checked only from the first delivered event on,
   * because seq and logical time are different counters.
   */
  expectedFirstSeq?: number;
}

/**
 * Where a subscriber is in the log: drops what it has already delivered and
 * spots holes in `seq`. Knows nothing of gRPC.
 */
export interface DeliveryCursor {
  /** Seq of the last delivered event (0 before the first). */
  readonly lastSeq: number;
  /** Logical time of the last delivered event (`since` before the first). */
  readonly lastLogicalTime: number;
  /** Whether any event was delivered. */
  readonly delivered: boolean;
  /** Judges an event; on "deliver" the cursor moves past it. */
  accept(seq: number, logicalTime: number): Verdict;
  /**
   * Whether a log whose newest event is (seq, logicalTime) holds events this
   * cursor has not delivered. Logical time answers even before the first
   * delivery, when seq is not known yet.
   */
  behind(seq: number, logicalTime: number): boolean;
}

export function createDeliveryCursor({
  since,
  expectedFirstSeq,
}: DeliveryCursorOptions): DeliveryCursor {
  // since = 0 is the whole log, which starts at seq 1.
  const firstSeq = expectedFirstSeq ?? (since === 0 ? 1 : undefined);
  let seqKnown = firstSeq !== undefined;
  let lastSeq = firstSeq !== undefined ? firstSeq - 1 : 0;
  let lastLogicalTime = since;
  let delivered = false;

  return {
    get lastSeq() {
      return lastSeq;
    },
    get lastLogicalTime() {
      return lastLogicalTime;
    },
    get delivered() {
      return delivered;
    },
    accept(seq, logicalTime) {
      // Logical time rises with seq, so either one at or behind the cursor means "seen".
      if (seq <= lastSeq || logicalTime <= lastLogicalTime) return "duplicate";
      if (seqKnown && seq > lastSeq + 1) return "gap";
      seqKnown = true;
      delivered = true;
      lastSeq = seq;
      lastLogicalTime = logicalTime;
      return "deliver";
    },
    behind(seq, logicalTime) {
      return logicalTime > lastLogicalTime || (seqKnown && seq > lastSeq);
    },
  };
}
