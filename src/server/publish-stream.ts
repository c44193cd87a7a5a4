import type * as grpc from "@grpc/grpc-js";
import { ChatError } from "../protocol/errors.ts";
import type { PublishRequest__Output, PublishResult } from "../protocol/proto.ts";
import { toServiceError } from "./status.ts";

/** Results a stream may hold that the connection has not taken yet; past it, reading pauses. */
export const PUBLISH_STREAM_WINDOW = 256;

type Call = grpc.ServerDuplexStream<PublishRequest__Output, PublishResult>;

/** What the stream needs from the service: the checks and the store, as Publish uses them. */
export interface PublishStreamDeps<P> {
  /** The participant the token names, or a ChatError (the stream then ends with its status). */
  authenticate(call: Call, participantId: string): Promise<P>;
  /** Whether the participant's token still lives (false once it left). */
  alive(participant: P): boolean;
  /** Validates and stores one message; resolves after its commit, as Publish does. */
  publish(participant: P, request: PublishRequest__Output): Promise<PublishResult["ack"]>;
  /** Decode problems found by the wire guard, as for unary calls. */
  wellFormed(request: PublishRequest__Output): PublishRequest__Output;
  logger: Parameters<typeof toServiceError>[1];
  rejected(reason: string): void;
  /** One request read from the stream. */
  received(): void;
  /** The most results one stream has held (see PUBLISH_STREAM_WINDOW). */
  held(count: number): void;
  /**
   * Reading stopped for backpressure: "window" when `window` requests wait for
   * their commits or their turn, "unread" when the connection does not take results.
   */
  paused(reason: "window" | "unread"): void;
  window?: number;
}

/** A stream's result slot: filled when its request was answered. */
interface Slot {
  result: PublishResult | undefined;
}

export interface PublishStreamHandle {
  /** Shutdown: answers what is under way, then ends the stream UNAVAILABLE. */
  close(): void;
}

const unauthenticatedEnd = (message: string) => new ChatError("unauthenticated", message);

/**
 * One PublishStream call. Requests are answered in order whatever order their
 * checks and commits finish in: each takes a slot in a queue, and results leave
 * from its head. Many requests read in one turn of the event loop reach the
 * group committer together, so they share one transaction. A client that stops
 * reading results stops being read once `window` results wait for it.
 */
export function servePublishStream<P>(
  call: Call,
  deps: PublishStreamDeps<P>,
  onEnd: () => void,
): PublishStreamHandle {
  const window = deps.window ?? PUBLISH_STREAM_WINDOW;
  const queue: Slot[] = [];
  /** Requests read while the first one's token check is under way. */
  let early: PublishRequest__Output[] | undefined;
  let participant: { value: P; id: string } | undefined;
  let ending: Error | undefined;
  let ended = false;
  let halfClosed = false;
  let writeBlocked = false;
  let paused = false;

  const finish = () => {
    if (ended) return;
    ended = true;
    onEnd();
    if (ending) call.emit("error", toServiceError(ending, deps.logger));
    else call.end();
  };

  /** Ends the stream with `error` once the results already owed are written. */
  const endWith = (error: Error) => {
    ending ??= error;
    early = undefined;
    flush();
  };

  const adjustReading = () => {
    if (ended) return;
    const full = queue.length >= window || writeBlocked || ending !== undefined;
    if (full && !paused) {
      paused = true;
      if (!ending) deps.paused(writeBlocked ? "unread" : "window");
      call.pause();
    } else if (!full && paused) {
      paused = false;
      call.resume();
    }
  };

  const flush = () => {
    while (!ended && !writeBlocked) {
      const head = queue[0];
      if (!head?.result) break;
      queue.shift();
      if (!call.write(head.result)) writeBlocked = true;
    }
    if (!ended && queue.length === 0 && (ending || halfClosed)) {
      finish();
      return;
    }
    adjustReading();
  };

  const answer = (slot: Slot, result: PublishResult) => {
    slot.result = result;
    if (slot === queue[0]) flush();
  };

  const refuse = (slot: Slot, messageId: string, error: unknown) => {
    const status = toServiceError(error, deps.logger);
    const retryAfter = error instanceof ChatError ? error.retryAfterMs : undefined;
    deps.rejected(error instanceof ChatError ? error.code : "internal");
    answer(slot, {
      messageId,
      code: status.code,
      error: status.details,
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    });
  };

  const handle = (raw: PublishRequest__Output) => {
    const owner = participant as { value: P; id: string };
    if (!deps.alive(owner.value)) {
      endWith(unauthenticatedEnd("this participant has left the chat; join again"));
      return;
    }
    deps.received();
    const slot: Slot = { result: undefined };
    queue.push(slot);
    if (queue.length > 1) deps.held(queue.length);
    if (queue.length >= window) adjustReading();
    let request: PublishRequest__Output;
    try {
      request = deps.wellFormed(raw);
    } catch (error) {
      refuse(slot, "", error);
      return;
    }
    const { messageId } = request;
    let pending: Promise<PublishResult["ack"]>;
    try {
      if (request.participantId !== "" && request.participantId !== owner.id) {
        throw new ChatError(
          "invalid_argument",
          "participant_id must be the stream's participant (named by its first request) or empty",
        );
      }
      if (messageId === "") {
        throw new ChatError("invalid_argument", "message_id is required on PublishStream");
      }
      pending = deps.publish(owner.value, request);
    } catch (error) {
      refuse(slot, messageId, error);
      return;
    }
    pending.then(
      (ack) => answer(slot, { messageId, ack, code: 0 }),
      (error) => refuse(slot, messageId, error),
    );
  };

  const start = async (first: PublishRequest__Output) => {
    early = [];
    let request: PublishRequest__Output;
    try {
      request = deps.wellFormed(first);
      if (request.participantId === "") {
        throw new ChatError(
          "invalid_argument",
          "participant_id is required in the first request of a PublishStream",
        );
      }
      participant = {
        value: await deps.authenticate(call, request.participantId),
        id: request.participantId,
      };
    } catch (error) {
      endWith(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (ended || ending) return;
    const waiting = early;
    early = undefined;
    handle(request);
    for (const next of waiting) {
      if (ending) break;
      handle(next);
    }
    // A half-close that came while the token was checked.
    flush();
  };

  call.on("data", (request: PublishRequest__Output) => {
    if (ended || ending) return;
    if (early) {
      early.push(request);
      // Bounded like the queue: stop reading while the token is checked.
      if (early.length >= window && !paused) {
        paused = true;
        call.pause();
      }
      return;
    }
    if (!participant) {
      void start(request);
      return;
    }
    handle(request);
  });
  call.on("drain", () => {
    writeBlocked = false;
    flush();
  });
  call.on("end", () => {
    halfClosed = true;
    if (!early) flush();
  });
  const gone = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  call.on("cancelled", gone);
  call.on("close", gone);

  return {
    close() {
      endWith(new ChatError("unavailable", "server shutting down"));
    },
  };
}
