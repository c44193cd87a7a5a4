import { type ClientReadableStream, type StatusObject, status } from "@grpc/grpc-js";
import type { LamportClock } from "../protocol/lamport.ts";
import type {
  Broadcast__Output,
  BroadcastBatch__Output,
  ChitChatClient,
} from "../protocol/proto.ts";
import { type BackoffOptions, backoffDelay } from "./backoff.ts";
import { type ChatEvent, fromBroadcast } from "./chat-event.ts";
import type { DeliveryCursor } from "./delivery-cursor.ts";
import { describeFailure, isFinalForSubscribe, toChatError } from "./grpc-status.ts";
import { callMetadata } from "./unary.ts";

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
  client: ChitChatClient;
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

// If grpc-js reports the status but never 'end' (nothing left to read), stop waiting after this.
const END_AFTER_STATUS_MS = 50;

/**
 * Keeps one SubscribeBatches stream open: resumes after breaks with jittered
 * capped exponential backoff, drops what was delivered before, and
 * resubscribes on a hole in `seq`. Every resume asks for events after the last
 * delivered one. A server that answers UNIMPLEMENTED predates SubscribeBatches:
 * the session then uses Subscribe (one event a message) from then on.
 */
export function createSubscription(options: SubscriptionOptions): Subscription {
  const { client, cursor, clock } = options;
  let stream: ClientReadableStream<unknown> | undefined;
  let batches = true;
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
    const request = { participantId: options.participantId, since, logId: options.logId };
    const metadata = callMetadata(options.sessionToken);
    const call: ClientReadableStream<unknown> = batches
      ? client.subscribeBatches(request, metadata)
      : client.subscribe(request, metadata);
    const usedBatches = batches;
    stream = call;
    let connected = false;
    const markConnected = () => {
      if (connected || gen !== generation) return;
      connected = true;
      attempt = 0;
      options.onStatus({ type: "connected", since, resumed });
    };
    let ended = false;
    let final: StatusObject | undefined;
    const finish = () => {
      if (final && gen === generation) streamEnded(final);
    };
    call.on("metadata", markConnected);
    call.on("data", (data: unknown) => {
      if (gen !== generation) return;
      markConnected();
      if (!usedBatches) {
        receive(data as Broadcast__Output);
        return;
      }
      for (const broadcast of (data as BroadcastBatch__Output).events) {
        // A hole mid-batch abandons the stream: the rest of the batch comes again.
        if (gen !== generation) return;
        receive(broadcast);
      }
    });
    // The 'status' event carries the same information; without a listener 'error' would throw.
    call.on("error", () => {});
    call.on("end", () => {
      ended = true;
      finish();
    });
    call.on("status", (s: StatusObject) => {
      if (s.code === status.UNIMPLEMENTED && usedBatches && !connected && gen === generation) {
        // An older server: ask again the old way, at once.
        batches = false;
        opened = resumed;
        generation += 1;
        stream = undefined;
        streamGone();
        open();
        return;
      }
      final = s;
      // Events pushed just before the status may still be buffered; 'end' comes after them.
      if (ended) finish();
      else setTimeout(finish, END_AFTER_STATUS_MS);
    });
  }

  function receive(broadcast: Broadcast__Output): void {
    if (broadcast.kind === "EVENT_KIND_HEARTBEAT") {
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
    const event = fromBroadcast(broadcast);
    if (!event) return;
    if (event.kind === "leave" && event.participantId === options.participantId) {
      ownLeaveSeen = true;
    }
    options.onEvent(event);
  }

  /** A heartbeat is not an event: it only tells where the log's top is. */
  function heartbeat({ seq, logicalTime }: Broadcast__Output): void {
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

  function streamEnded(s: StatusObject): void {
    generation += 1;
    stream = undefined;
    streamGone();
    if (stopped || settling) return;
    if (s.code === status.OK && ownLeaveSeen) {
      stopped = true;
      options.onEnd({ type: "left" });
      return;
    }
    if (s.code !== status.OK && isFinalForSubscribe(s.code)) {
      stopped = true;
      const error = Object.assign(new Error(s.details), s);
      options.onEnd({ type: "failed", error: toChatError(error) });
      return;
    }
    // OK without our LEAVE is unexpected: resubscribe; a dead token then says UNAUTHENTICATED.
    retry(s.code === status.OK ? "stream ended" : describeFailure(s.code, s.details));
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
