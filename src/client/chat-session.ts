// The chat session, whatever carries it: join, subscribe with resume, publish
// with retries, leave. The terminal client runs it over gRPC (session.ts), the
// browser over its WebSocket; only the ChatTransport differs.
import { ChatError } from "../protocol/errors.ts";
import { LamportClock } from "../protocol/lamport.ts";
import { checkMessage, checkName } from "../protocol/validation.ts";
import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
import { CallFailure, toChatError } from "./call-status.ts";
import type { ChatEvent } from "./chat-event.ts";
import { createDeliveryCursor } from "./delivery-cursor.ts";
import { createPublisher, type Publisher } from "./publisher.ts";
import {
  createSubscription,
  type Subscription,
  type SubscriptionEnd,
  type SubscriptionStatus,
} from "./subscription.ts";
import type { Ack, ChatTransport, PresentParticipant } from "./transport.ts";

export type { ChatEvent } from "./chat-event.ts";
export type { Ack, PresentParticipant } from "./transport.ts";

/** Who we are in the chat, from the server's JoinAck. */
export interface JoinInfo {
  participantId: string;
  /** The effective name (the server may add a "#2" suffix). */
  name: string;
  logicalTime: number;
  seq: number;
  logId: string;
}

/** How a session ended. */
export type SessionEnd =
  | { reason: "left" }
  | { reason: "closed" }
  | { reason: "failed"; error: Error };

/** Everything the session reports besides events. `error` and `ended` are its last word. */
export type SessionStatus =
  | SubscriptionStatus
  | { type: "ended"; reason: "left" | "closed" }
  | { type: "error"; error: Error };

export type SessionState = "new" | "joining" | "joined" | "leaving" | "ended";

/** A session to take up again without a new JOIN (a reloaded page), as `saved()` gave it. */
export interface SavedSession {
  info: JoinInfo;
  sessionToken: string;
  /** The last delivered event; the stream resumes after it. */
  lastSeq: number;
  lastLogicalTime: number;
  /** The Lamport clock when it was saved. */
  clock: number;
}

export interface SessionOptions {
  transport: ChatTransport;
  name: string;
  /** Resume from this logical time; default: own JOIN time - 1 (see own JOIN). */
  since?: number;
  backoff?: Partial<BackoffOptions>;
  /** How long publish() keeps retrying while the server is unavailable or throttles it. */
  publishRetryMs?: number;
  /** How long leave() waits for the server to end our stream after the LEAVE. */
  leaveTimeoutMs?: number;
  /**
   * How long participants() waits for the stream to show the chat up to the
   * list's seq before answering anyway (the stream may be reconnecting).
   */
  catchUpTimeoutMs?: number;
  /** Each event, once, in log order. */
  onEvent?: (event: ChatEvent) => void;
  onStatus?: (status: SessionStatus) => void;
  /** Jitter source (tests pin it). */
  random?: () => number;
}

/** A participant's connection to the chat; knows nothing of terminals. */
export interface ChatSession {
  /** Joins (validating the name first) and starts the event stream. */
  join(): Promise<JoinInfo>;
  /** Instead of join(): takes up a saved session and resumes its stream after its last event. */
  resume(saved: SavedSession): Promise<JoinInfo>;
  /** What resume() needs to take this session up again, once joined. */
  saved(): SavedSession | undefined;
  /**
   * Publishes a message; publishes go out one at a time, in call order.
   * Rejects without a network call when the message is invalid.
   */
  publish(content: string): Promise<Ack>;
  /** Waits for pending publishes, leaves, waits briefly for our own LEAVE, and closes. */
  leave(): Promise<Ack>;
  /**
   * Who is in the chat now, in joining order (ListParticipants), answered once
   * onEvent has had every event up to the list's seq: the list never
   * contradicts the chat shown before it.
   */
  participants(): Promise<PresentParticipant[]>;
  /**
   * The newest `count` events of the server's log, oldest first (History), once
   * what was published before the call has been acked.
   */
  history(count: number): Promise<ChatEvent[]>;
  /** Stops everything at once, without leaving. */
  close(): void;
  readonly state: SessionState;
  readonly info: JoinInfo | undefined;
  /** The session's Lamport clock. */
  readonly time: number;
  /** Resolves once the session is over, however it ended. */
  readonly done: Promise<SessionEnd>;
}

/** Builds an unstarted session; nothing touches the network before join() or resume(). */
export function createSession({
  transport,
  name,
  since,
  backoff: backoffOverrides = {},
  publishRetryMs = 30_000,
  leaveTimeoutMs = 2_000,
  catchUpTimeoutMs = 2_000,
  onEvent = () => {},
  onStatus = () => {},
  random = Math.random,
}: SessionOptions): ChatSession {
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...backoffOverrides };
  let clock = new LamportClock();
  let state: SessionState = "new";
  let info: JoinInfo | undefined;
  let token = "";
  let cursor = createDeliveryCursor({ since: 0 });
  let subscription: Subscription | undefined;
  let publisher: Publisher | undefined;
  let resolveDone: (end: SessionEnd) => void = () => {};
  const done = new Promise<SessionEnd>((resolve) => {
    resolveDone = resolve;
  });

  // A function, so TypeScript does not narrow `state` across awaits.
  const isEnded = () => state === "ended";

  /** Who waits for onEvent to have had every event up to a seq. */
  let shownWaiters: { seq: number; resolve: () => void }[] = [];
  function wakeShown(): void {
    if (shownWaiters.length === 0) return;
    const shown = cursor.lastSeq;
    const ready = shownWaiters.filter((w) => w.seq <= shown);
    if (ready.length === 0) return;
    shownWaiters = shownWaiters.filter((w) => w.seq > shown);
    for (const w of ready) w.resolve();
  }
  /** Resolves once onEvent has had the events up to `seq`, after `timeoutMs`, or at the end. */
  function shownUpTo(seq: number, timeoutMs: number): Promise<void> {
    if (cursor.lastSeq >= seq || isEnded()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiter = { seq, resolve: done };
      function done(): void {
        clearTimeout(timer);
        shownWaiters = shownWaiters.filter((w) => w !== waiter);
        resolve();
      }
      shownWaiters.push(waiter);
    });
  }

  function closedError(): ChatError {
    return new ChatError("unavailable", "the session is closed");
  }

  function notInChat(): string {
    if (state === "new" || state === "joining") return "not in the chat yet (join first)";
    return state === "leaving" ? "leaving the chat" : "the session is over";
  }

  function finish(end: SessionEnd): void {
    if (state === "ended") return;
    state = "ended";
    for (const w of shownWaiters) w.resolve();
    subscription?.stop();
    publisher?.stop();
    transport.close();
    onStatus(
      end.reason === "failed"
        ? { type: "error", error: end.error }
        : { type: "ended", reason: end.reason },
    );
    resolveDone(end);
  }

  function onSubscriptionEnd(end: SubscriptionEnd): void {
    // While leaving, leave() decides how the session ends.
    if (state === "leaving") return;
    finish(end.type === "left" ? { reason: "left" } : { reason: "failed", error: end.error });
  }

  /** Starts the stream and the publisher of a joined session. */
  function start(joined: JoinInfo): JoinInfo {
    info = joined;
    state = "joined";
    subscription = createSubscription({
      transport,
      participantId: joined.participantId,
      sessionToken: token,
      logId: joined.logId,
      cursor,
      clock,
      backoff,
      random,
      onEvent: (event) => {
        onEvent(event);
        wakeShown();
      },
      onStatus,
      onEnd: onSubscriptionEnd,
    });
    subscription.start();
    publisher = createPublisher({
      transport,
      participantId: joined.participantId,
      sessionToken: token,
      clock,
      backoff,
      random,
      retryMs: publishRetryMs,
    });
    return joined;
  }

  const failure = (error: unknown) =>
    error instanceof CallFailure ? toChatError(error) : (error as Error);

  async function join(): Promise<JoinInfo> {
    if (state !== "new") throw new ChatError("failed_precondition", "join() was already called");
    const checked = checkName(name);
    if (!checked.ok) throw new ChatError("invalid_argument", checked.reason);
    state = "joining";
    try {
      await transport.connect();
      if (state !== "joining") throw closedError();
      const ack = await transport.join({ name: checked.value, logicalTime: clock.tick() });
      if (state !== "joining") throw closedError();
      clock.observe(ack.logicalTime);
      token = ack.sessionToken;
      cursor = createDeliveryCursor(
        since === undefined ? { since: ack.logicalTime - 1, expectedFirstSeq: ack.seq } : { since },
      );
      return start({
        participantId: ack.participantId,
        name: ack.name,
        logicalTime: ack.logicalTime,
        seq: ack.seq,
        logId: ack.logId,
      });
    } catch (error) {
      const failed = failure(error);
      finish({ reason: "failed", error: failed });
      throw failed;
    }
  }

  async function resume(saved: SavedSession): Promise<JoinInfo> {
    if (state !== "new") throw new ChatError("failed_precondition", "join() was already called");
    state = "joining";
    try {
      await transport.connect();
      if (state !== "joining") throw closedError();
    } catch (error) {
      const failed = failure(error);
      finish({ reason: "failed", error: failed });
      throw failed;
    }
    token = saved.sessionToken;
    clock = new LamportClock(saved.clock);
    cursor = createDeliveryCursor({
      since: saved.lastLogicalTime,
      expectedFirstSeq: saved.lastSeq + 1,
    });
    // A token that died meanwhile ends the session UNAUTHENTICATED, from the stream.
    return start(saved.info);
  }

  function saved(): SavedSession | undefined {
    if (!info || state !== "joined") return undefined;
    return {
      info,
      sessionToken: token,
      lastSeq: cursor.lastSeq,
      lastLogicalTime: cursor.lastLogicalTime,
      clock: clock.time,
    };
  }

  function publish(content: string): Promise<Ack> {
    const checked = checkMessage(content);
    if (!checked.ok) return Promise.reject(new ChatError("invalid_argument", checked.reason));
    if (state !== "joined" || !publisher) {
      return Promise.reject(new ChatError("failed_precondition", notInChat()));
    }
    return publisher.publish(content);
  }

  async function leave(): Promise<Ack> {
    if (state !== "joined") throw new ChatError("failed_precondition", notInChat());
    state = "leaving";
    await publisher?.idle();
    const me = info;
    if (!me || isEnded()) throw closedError();
    let ack: Ack;
    try {
      ack = await transport.leave(
        { participantId: me.participantId, logicalTime: clock.tick() },
        token,
      );
    } catch (error) {
      const failed = failure(error);
      finish({ reason: "failed", error: failed });
      throw failed;
    }
    clock.observe(ack.logicalTime);
    await subscription?.settle(leaveTimeoutMs);
    finish({ reason: "left" });
    return { logicalTime: ack.logicalTime, seq: ack.seq };
  }

  /** A read-only call made as ourselves; its failure as a ChatError with the server's sentence. */
  async function read<T>(
    call: ((request: { participantId: string }, token: string) => Promise<T>) | undefined,
  ): Promise<T> {
    if (state !== "joined" || !info) throw new ChatError("failed_precondition", notInChat());
    if (!call) throw new ChatError("failed_precondition", "this connection cannot ask that");
    try {
      return await call({ participantId: info.participantId }, token);
    } catch (error) {
      throw failure(error);
    }
  }

  return {
    join,
    resume,
    saved,
    publish,
    leave,
    async participants() {
      const listed = await read(transport.listParticipants?.bind(transport));
      await shownUpTo(listed.seq, catchUpTimeoutMs);
      return listed.participants;
    },
    async history(count) {
      // What was typed before /history is in it: our pending publishes land first.
      await publisher?.idle();
      const history = transport.history?.bind(transport);
      return read(history && ((me, t) => history({ ...me, limit: count }, t)));
    },
    close: () => finish({ reason: "closed" }),
    get state() {
      return state;
    },
    get info() {
      return info;
    },
    get time() {
      return clock.time;
    },
    done,
  };
}
