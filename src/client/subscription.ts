import type { LamportClock } from "../protocol/lamport.ts";
import { type BackoffOptions, backoffDelay } from "./backoff.ts";
import {
  CallFailure,
  describeFailure,
  isFinalForSubscribe,
  Status,
  toChatError,
} from "./call-status.ts";
import type { ChatEvent } from "./chat-event.ts";
import type { DeliveryCursor } from "./delivery-cursor.ts";
import type { ChatTransport, StreamHandle, StreamItem } from "./transport.ts";
/** What the subscription reports while it runs. */
export type SubscriptionStatus =
  /** A stream is open (the server answered with headers or an event). */
  | { type: "connected"; since: number; resumed: boolean }
  /** The stream broke; a new Subscribe follows after `delayMs`. */
  | { type: "reconnecting"; attempt: number; delayMs: number; reason: string }
  /** `seq` jumped; the stream is dropped and resumed from the last delivered event. */
  | { type: "gap"; expectedSeq: number; receivedSeq: number; since: number }
  /** A heartbeat said the log is past the last delivered event; resumed as for a gap. */
  | { type: "behind"; lastSeq: number; topSeq: number; since: number };

/** How the subscription ended on its own. */
export type SubscriptionEnd = { type: "left" } | { type: "failed"; error: Error };

export interface SubscriptionOptions {
  transport: ChatTransport;
  participantId: string;
  sessionToken: string;
  logId: string;
  cursor: DeliveryCursor;
  clock: LamportClock;
  backoff: BackoffOptions;
  random: () => number;
  onEvent: (event: ChatEvent) => void;
  onStatus: (status: SubscriptionStatus) => void;
  /** Our own LEAVE was delivered and the stream ended OK, or a status that retrying cannot fix. */
  onEnd: (end: SubscriptionEnd) => void;
}

export interface Subscription {
  start(): void;
  /**
   * Stops reconnecting and resolves when the open stream ends (the server
   * ends ours with OK right after our LEAVE) or after `timeoutMs`.
   */
  settle(timeoutMs: number): Promise<void>;
  /** Cancels the stream and any pending retry. */
  stop(): void;
}

/**
 * Keeps one subscription stream open, whatever the transport: resumes after
 * breaks with jittered capped exponential backoff, drops what was delivered
 * before, and resubscribes on a hole in `seq`. Every resume asks for events
 * after the last delivered one.
 */
export function createSubscription(options: SubscriptionOptions): Subscription {
  const { transport, cursor, clock } = options;
  let stream: StreamHandle | undefined;
  // Events and statuses from a stream we abandoned carry an old generation and are ignored.
  let generation = 0;
  let attempt = 0;
  let gapsInRow = 0;
  let opened = false;
  let stopped = false;
  let settling = false;
  let ownLeaveSeen = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let onStreamGone: (() => void) | undefined;

  function open(): void {
    retryTimer = undefined;
    if (stopped || settling) return;
    const gen = ++generation;
    const since = cursor.lastLogicalTime;
    const resumed = opened;
    opened = true;
    let connected = false;
    const markConnected = () => {
      if (connected || gen !== generation) return;
      connected = true;
      attempt = 0;
      options.onStatus({ type: "connected", since, resumed });
    };
    stream = transport.subscribe(
      { participantId: options.participantId, since, logId: options.logId },
      options.sessionToken,
      {
        connected: markConnected,
        item: (item) => {
          // Items from a stream we abandoned (a hole mid-batch) are ignored.
          if (gen !== generation) return;
          markConnected();
          receive(item);
        },
        end: (code, details) => {
          if (gen === generation) streamEnded(code, details);
        },
      },
    );
  }

  function receive(broadcast: StreamItem): void {
    if (broadcast.type === "heartbeat") {
      heartbeat(broadcast);
      return;
    }
    clock.observe(broadcast.logicalTime);
    const expectedSeq = cursor.lastSeq + 1;
    const verdict = cursor.accept(broadcast.seq, broadcast.logicalTime);
    if (verdict === "duplicate") return;
    if (verdict === "gap") {
      gapsInRow += 1;
      options.onStatus({
        type: "gap",
        expectedSeq,
        receivedSeq: broadcast.seq,
        since: cursor.lastLogicalTime,
      });
      repair(`seq gap (${gapsInRow} in a row)`);
      return;
    }
    gapsInRow = 0;
    const event: ChatEvent | undefined = broadcast.event;
    if (!event) return;
    if (event.kind === "leave" && event.participantId === options.participantId) {
      ownLeaveSeen = true;
    }
    options.onEvent(event);
  }

  /** A heartbeat is not an event: it only tells where the log's top is. */
  function heartbeat({ seq, logicalTime }: StreamItem): void {
    if (!cursor.behind(seq, logicalTime)) return;
    gapsInRow += 1;
    options.onStatus({
      type: "behind",
      lastSeq: cursor.lastSeq,
      topSeq: seq,
      since: cursor.lastLogicalTime,
    });
    repair(`missed events (${gapsInRow} in a row)`);
  }

  /** Drops the stream and resumes after the last delivered event. */
  function repair(reason: string): void {
    abandon();
    // The first hole is resumed at once; a server that keeps sending holes gets backoff.
    if (gapsInRow === 1) open();
    else retry(reason);
  }

  function abandon(): void {
    generation += 1;
    const call = stream;
    stream = undefined;
    call?.cancel();
    streamGone();
  }

  function streamGone(): void {
    const notify = onStreamGone;
    onStreamGone = undefined;
    notify?.();
  }

  function streamEnded(code: number, details: string): void {
    generation += 1;
    stream = undefined;
    streamGone();
    if (stopped || settling) return;
    if (code === Status.OK && ownLeaveSeen) {
      stopped = true;
      options.onEnd({ type: "left" });
      return;
    }
    if (code !== Status.OK && isFinalForSubscribe(code)) {
      stopped = true;
      options.onEnd({ type: "failed", error: toChatError(new CallFailure(code, details)) });
      return;
    }
    // OK without our LEAVE is unexpected: resubscribe; a dead token then says UNAUTHENTICATED.
    retry(code === Status.OK ? "stream ended" : describeFailure(code, details));
  }

  function retry(reason: string): void {
    attempt += 1;
    const delayMs = backoffDelay(attempt, options.backoff, options.random);
    options.onStatus({ type: "reconnecting", attempt, delayMs, reason });
    retryTimer = setTimeout(open, delayMs);
  }

  return {
    start: open,
    settle(timeoutMs) {
      settling = true;
      clearTimeout(retryTimer);
      if (!stream) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        onStreamGone = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      abandon();
    },
  };
}
