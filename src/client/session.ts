import { type ChannelCredentials, type ClientUnaryCall, credentials } from "@grpc/grpc-js";
import { ChatError } from "../protocol/errors.ts";
import { LamportClock } from "../protocol/lamport.ts";
import {
  type ChitChatClient,
  type HistoryReply__Output,
  type JoinAck__Output,
  type ListParticipantsReply__Output,
  loadChitChat,
} from "../protocol/proto.ts";
import { checkMessage, checkName } from "../protocol/validation.ts";
import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";
import { type ChatEvent, fromBroadcast } from "./chat-event.ts";
import { createDeliveryCursor } from "./delivery-cursor.ts";
import { isServiceError, toChatError } from "./grpc-status.ts";
import { type Ack, createPublisher, type Publisher } from "./publisher.ts";
import {
  createSubscription,
  type Subscription,
  type SubscriptionEnd,
  type SubscriptionStatus,
} from "./subscription.ts";
import { callMetadata, deadlineIn, unary } from "./unary.ts";

export type { ChatEvent } from "./chat-event.ts";
export type { Ack } from "./publisher.ts";

/** Who we are in the chat, from the server's JoinAck. */
export interface JoinInfo {
  participantId: string;
  /** The effective name (the server may add a "#2" suffix). */
  name: string;
  logicalTime: number;
  seq: number;
  logId: string;
}

/** Someone in the chat now, as ListParticipants tells. */
export interface PresentParticipant {
  participantId: string;
  name: string;
  joinedLogicalTime: number;
  joinedSeq: number;
  /** Holds an open stream; false while it is away but within the leave grace. */
  streaming: boolean;
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

export interface ChatSessionOptions {
  /** "host:port" of the ChitChat server. */
  server: string;
  name: string;
  /** Resume from this logical time; default: own JOIN time - 1 (see own JOIN). */
  since?: number;
  credentials?: ChannelCredentials;
  backoff?: Partial<BackoffOptions>;
  /** How long join() waits for the server to be reachable. */
  connectTimeoutMs?: number;
  /** Deadline of each Join/Publish/Leave attempt. */
  callTimeoutMs?: number;
  /** How long publish() keeps retrying while the server is unavailable or throttles it. */
  publishRetryMs?: number;
  /** How long leave() waits for the server to end our stream after the LEAVE. */
  leaveTimeoutMs?: number;
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
  /**
   * Publishes a message; publishes go out one at a time, in call order.
   * Rejects without a network call when the message is invalid.
   */
  publish(content: string): Promise<Ack>;
  /** Waits for pending publishes, leaves, waits briefly for our own LEAVE, and closes. */
  leave(): Promise<Ack>;
  /** Who is in the chat now, in joining order (ListParticipants). */
  participants(): Promise<PresentParticipant[]>;
  /**
   * The newest `count` events of the server's log, oldest first (History), once
   * every publish handed over before it is settled; not delivered as events.
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

const channelOptions = (backoff: BackoffOptions) => ({
  // grpc-js reconnects its channel on its own schedule (1 s up to 120 s by default);
  // match ours so a resubscribe finds the channel ready soon after the server is back.
  "grpc.initial_reconnect_backoff_ms": backoff.initialMs,
  "grpc.max_reconnect_backoff_ms": backoff.maxMs,
});

/** Builds an unstarted session; nothing touches the network before join(). */
export function createChatSession({
  server,
  name,
  since,
  credentials: channelCredentials = credentials.createInsecure(),
  backoff: backoffOverrides = {},
  connectTimeoutMs = 10_000,
  callTimeoutMs = 5_000,
  publishRetryMs = 30_000,
  leaveTimeoutMs = 2_000,
  onEvent = () => {},
  onStatus = () => {},
  random = Math.random,
}: ChatSessionOptions): ChatSession {
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...backoffOverrides };
  const clock = new LamportClock();
  const calls = new Set<ClientUnaryCall>();
  let client: ChitChatClient | undefined;
  let state: SessionState = "new";
  let info: JoinInfo | undefined;
  let token = "";
  let subscription: Subscription | undefined;
  let publisher: Publisher | undefined;
  let resolveDone: (end: SessionEnd) => void = () => {};
  const done = new Promise<SessionEnd>((resolve) => {
    resolveDone = resolve;
  });

  // A function, so TypeScript does not narrow `state` across awaits.
  const isEnded = () => state === "ended";

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
    subscription?.stop();
    for (const call of calls) call.cancel();
    publisher?.stop();
    client?.close();
    onStatus(
      end.reason === "failed"
        ? { type: "error", error: end.error }
        : { type: "ended", reason: end.reason },
    );
    resolveDone(end);
  }

  /**
   * Why the channel cannot connect, as grpc-js last saw it ("self signed
   * certificate", …). waitForReady does not say; a call that does not wait does.
   * An empty Leave changes nothing on a server that does answer.
   */
  function lastConnectError(c: ChitChatClient): Promise<string | undefined> {
    return new Promise((resolve) => {
      c.leave({ participantId: "" }, callMetadata(), { deadline: deadlineIn(1_000) }, (error) => {
        const reason = /Last error: (?:\w*Error: )?(.*?)(?:\.? Resolution note:.*)?$/.exec(
          error?.details ?? "",
        );
        const text = reason?.[1]?.trim();
        // "Failed to connect (<time>)" says nothing the caller does not know.
        resolve(text && !text.startsWith("Failed to connect") ? text : undefined);
      });
    });
  }

  function waitForReady(c: ChitChatClient): Promise<void> {
    return new Promise((resolve, reject) => {
      c.waitForReady(deadlineIn(connectTimeoutMs), (error) => {
        if (!error) resolve();
        else if (isEnded()) reject(closedError());
        else {
          const seconds = connectTimeoutMs / 1000;
          void lastConnectError(c).then((reason) => {
            const why = reason ? `: ${reason}` : " (is it running?)";
            reject(
              new ChatError(
                "unavailable",
                `cannot reach the ChitChat server at ${server} within ${seconds} s${why}`,
              ),
            );
          });
        }
      });
    });
  }

  function onSubscriptionEnd(end: SubscriptionEnd): void {
    // While leaving, leave() decides how the session ends.
    if (state === "leaving") return;
    finish(end.type === "left" ? { reason: "left" } : { reason: "failed", error: end.error });
  }

  async function join(): Promise<JoinInfo> {
    if (state !== "new") throw new ChatError("failed_precondition", "join() was already called");
    const checked = checkName(name);
    if (!checked.ok) throw new ChatError("invalid_argument", checked.reason);
    state = "joining";
    const { ChitChat } = loadChitChat();
    const c = new ChitChat(server, channelCredentials, channelOptions(backoff));
    client = c;
    try {
      await waitForReady(c);
      if (state !== "joining") throw closedError();
      const ack = await unary<JoinAck__Output>(
        (cb) =>
          c.join(
            { name: checked.value, logicalTime: clock.tick() },
            callMetadata(),
            { deadline: deadlineIn(callTimeoutMs) },
            cb,
          ),
        calls,
      );
      if (state !== "joining") throw closedError();
      clock.observe(ack.logicalTime);
      token = ack.sessionToken;
      const joined: JoinInfo = {
        participantId: ack.participantId,
        name: ack.name,
        logicalTime: ack.logicalTime,
        seq: ack.seq,
        logId: ack.logId,
      };
      info = joined;
      state = "joined";
      subscription = createSubscription({
        client: c,
        participantId: joined.participantId,
        sessionToken: token,
        logId: joined.logId,
        cursor: createDeliveryCursor(
          since === undefined
            ? { since: joined.logicalTime - 1, expectedFirstSeq: joined.seq }
            : { since },
        ),
        clock,
        backoff,
        random,
        onEvent,
        onStatus,
        onEnd: onSubscriptionEnd,
      });
      subscription.start();
      publisher = createPublisher({
        client: c,
        participantId: joined.participantId,
        sessionToken: token,
        clock,
        backoff,
        random,
        callTimeoutMs,
        retryMs: publishRetryMs,
        calls,
      });
      return joined;
    } catch (error) {
      const failure = isServiceError(error) ? toChatError(error) : (error as Error);
      finish({ reason: "failed", error: failure });
      throw failure;
    }
  }

  function publish(content: string): Promise<Ack> {
    const checked = checkMessage(content);
    if (!checked.ok) return Promise.reject(new ChatError("invalid_argument", checked.reason));
    if (state !== "joined" || !publisher) {
      return Promise.reject(new ChatError("failed_precondition", notInChat()));
    }
    return publisher.publish(content);
  }

  /** The client and who we are, for a call that needs us in the chat. */
  function inChat(): { c: ChitChatClient; me: JoinInfo } {
    if (state !== "joined" || !client || !info) {
      throw new ChatError("failed_precondition", notInChat());
    }
    return { c: client, me: info };
  }

  /** A read-only call's result, its failure as a ChatError with the server's sentence. */
  async function read<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      throw isServiceError(error) ? toChatError(error) : error;
    }
  }

  async function participants(): Promise<PresentParticipant[]> {
    const { c, me } = inChat();
    const reply = await read(
      unary<ListParticipantsReply__Output>(
        (cb) =>
          c.listParticipants(
            { participantId: me.participantId },
            callMetadata(token),
            { deadline: deadlineIn(callTimeoutMs) },
            cb,
          ),
        calls,
      ),
    );
    return reply.participants.map((p) => ({
      participantId: p.participantId,
      name: p.name,
      joinedLogicalTime: p.joinedLogicalTime,
      joinedSeq: p.joinedSeq,
      streaming: p.streaming,
    }));
  }

  async function history(count: number): Promise<ChatEvent[]> {
    const { c, me } = inChat();
    // What was typed before /history is in it: our pending publishes land first.
    await publisher?.idle();
    const reply = await read(
      unary<HistoryReply__Output>(
        (cb) =>
          c.history(
            { participantId: me.participantId, limit: count },
            callMetadata(token),
            { deadline: deadlineIn(callTimeoutMs) },
            cb,
          ),
        calls,
      ),
    );
    return reply.events.flatMap((b) => fromBroadcast(b) ?? []);
  }

  async function leave(): Promise<Ack> {
    if (state !== "joined") throw new ChatError("failed_precondition", notInChat());
    state = "leaving";
    await publisher?.idle();
    const c = client;
    const me = info;
    if (!c || !me || isEnded()) throw closedError();
    let ack: Ack;
    try {
      ack = await unary<Ack>(
        (cb) =>
          c.leave(
            { participantId: me.participantId, logicalTime: clock.tick() },
            callMetadata(token, true),
            { deadline: deadlineIn(callTimeoutMs) },
            cb,
          ),
        calls,
      );
    } catch (error) {
      const failure = isServiceError(error) ? toChatError(error) : (error as Error);
      finish({ reason: "failed", error: failure });
      throw failure;
    }
    clock.observe(ack.logicalTime);
    await subscription?.settle(leaveTimeoutMs);
    finish({ reason: "left" });
    return { logicalTime: ack.logicalTime, seq: ack.seq };
  }

  return {
    join,
    publish,
    leave,
    participants,
    history,
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
