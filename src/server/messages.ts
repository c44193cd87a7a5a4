import { ChatError } from "../protocol/errors.ts";
import type { AppendResult, EventLog, LogEvent } from "../store/event-log.ts";
import type { GroupCommitter } from "./committer.ts";
import type { Participant } from "./presence.ts";
import { createRateLimiter } from "./rate-limit.ts";

export interface MessagesOptions {
  log: Pick<EventLog, "findByMessageId">;
  committer: GroupCommitter;
  /** Publishes per participant per second, on average; 0 = no limit. */
  rate: number;
  /** Publishes a participant may send at once after a quiet spell. */
  burst: number;
}

/**
 * A participant's messages on their way into the log: the rate limit, and
 * idempotency by message id (a repeat in flight shares the first's promise; a
 * repeat of a stored one gets the stored event, from the log).
 */
export interface Messages {
  publish(
    p: Participant,
    content: string,
    logicalTime: number,
    messageId: string,
  ): Promise<LogEvent>;
  /** The participant is gone: its rate-limit bucket goes too. */
  forget(participantId: string): void;
}

export const hasLeft = () =>
  new ChatError("unauthenticated", "this participant has left the chat; join again");

/** The event a draft's result names; a refusal means the participant is gone. */
export function eventOf(result: AppendResult): LogEvent {
  if (result.status === "refused") throw hasLeft();
  return result.event;
}

export function createMessages({ log, committer, rate, burst }: MessagesOptions): Messages {
  const limiter = createRateLimiter({ rate, burst });
  const inflight = new Map<string, Promise<LogEvent>>();

  // Nothing is stored for a throttled publish; the caller learns when to try
  // again. A retry of a stored message is not throttled: it stores nothing.
  // Undefined (at once, no promise) when the publish may go ahead.
  const throttle = (p: Participant, messageId: string): Promise<LogEvent> | undefined => {
    const taken = limiter.take(p.id);
    if (taken.ok) return undefined;
    return (async () => {
      const stored = messageId ? await log.findByMessageId(p.id, messageId) : undefined;
      if (stored) return stored;
      throw new ChatError(
        "resource_exhausted",
        `publish rate limit: ${rate}/s (bursts of ${burst}); try again in ${taken.retryAfterMs} ms`,
        { retryAfterMs: taken.retryAfterMs },
      );
    })();
  };

  // The hot path: one promise from the committer, one for its event; nothing
  // else is awaited unless the rate limit stepped in.
  const submit = (
    p: Participant,
    content: string,
    logicalTime: number,
    messageId: string,
  ): Promise<LogEvent> => {
    const throttled = throttle(p, messageId);
    if (throttled) return throttled;
    // The log answers a repeated message id with the first event (any server's).
    return committer
      .submit({
        kind: "message",
        participantId: p.id,
        name: p.name,
        logicalTime,
        content,
        messageId: messageId || null,
      })
      .then(eventOf);
  };

  return {
    publish(p, content, logicalTime, messageId) {
      if (!messageId) return submit(p, content, logicalTime, messageId);
      const key = `${p.id}\n${messageId}`;
      const first = inflight.get(key);
      if (first) return first;
      const promise = submit(p, content, logicalTime, messageId);
      inflight.set(key, promise);
      const done = () => inflight.delete(key);
      promise.then(done, done);
      return promise;
    },
    forget: (participantId) => limiter.forget(participantId),
  };
}
