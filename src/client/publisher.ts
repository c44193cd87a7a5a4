import { ChatError } from "../protocol/errors.ts";
import type { LamportClock } from "../protocol/lamport.ts";
import { type BackoffOptions, backoffDelay } from "./backoff.ts";
import { CallFailure, isRetryableForPublish, toChatError } from "./call-status.ts";
import { newMessageId } from "./message-id.ts";
import type { Ack, ChatTransport } from "./transport.ts";

export type { Ack } from "./transport.ts";

export interface PublisherOptions {
  transport: ChatTransport;
  participantId: string;
  sessionToken: string;
  clock: LamportClock;
  backoff: BackoffOptions;
  random: () => number;
  /** How long one message keeps being retried while the server is unavailable or throttles it. */
  retryMs: number;
}

export interface Publisher {
  /** Sends one (already validated) message; sends go out one at a time, in call order. */
  publish(content: string): Promise<Ack>;
  /** Resolves once everything handed to publish() so far has been acked or has failed. */
  idle(): Promise<void>;
  /** Fails the message waiting to be retried, and every later one. */
  stop(): void;
}

/**
 * Publishes in order. A message that meets UNAVAILABLE or DEADLINE_EXCEEDED is
 * retried with backoff under the same message id and logical time, so the
 * server stores it once however often it arrives. One the server throttles
 * (RESOURCE_EXHAUSTED with a retry-after hint) is sent again after the hinted wait.
 */
export function createPublisher(options: PublisherOptions): Publisher {
  const { transport, clock } = options;
  let tail: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let retryWait: { timer: ReturnType<typeof setTimeout>; fail: () => void } | undefined;
  const stoppedError = () => new ChatError("unavailable", "the session is closed");

  function pause(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      retryWait = {
        timer: setTimeout(() => {
          retryWait = undefined;
          resolve();
        }, ms),
        fail: () => reject(stoppedError()),
      };
    });
  }

  async function send(content: string, messageId: string): Promise<Ack> {
    if (stopped) throw stoppedError();
    // Ticked when it really goes out, so the time is past everything seen before it.
    const request = {
      participantId: options.participantId,
      content,
      logicalTime: clock.tick(),
      messageId,
    };
    const giveUpAt = Date.now() + options.retryMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await transport.publish(request, options.sessionToken);
        clock.observe(ack.logicalTime);
        return { logicalTime: ack.logicalTime, seq: ack.seq };
      } catch (error) {
        if (!(error instanceof CallFailure)) throw error;
        const hintMs = error.retryAfterMs;
        const delayMs = hintMs ?? backoffDelay(attempt, options.backoff, options.random);
        const retryable = hintMs !== undefined || isRetryableForPublish(error.code);
        const retry = retryable && Date.now() + delayMs < giveUpAt;
        if (!retry || stopped) throw toChatError(error);
        await pause(delayMs);
      }
    }
  }

  return {
    publish(content) {
      const messageId = newMessageId();
      const result = tail.then(() => send(content, messageId));
      tail = result.catch(() => {});
      return result;
    },
    idle: () => tail.then(() => {}),
    stop() {
      stopped = true;
      if (retryWait) {
        clearTimeout(retryWait.timer);
        retryWait.fail();
        retryWait = undefined;
      }
    },
  };
}
