import { randomUUID } from "node:crypto";
import { type ClientUnaryCall, status } from "@grpc/grpc-js";
import { ChatError } from "../protocol/errors.ts";
import type { LamportClock } from "../protocol/lamport.ts";
import type { ChitChatClient } from "../protocol/proto.ts";
import { type BackoffOptions, backoffDelay } from "./backoff.ts";
import { isRetryableForPublish, isServiceError, retryAfterMs, toChatError } from "./grpc-status.ts";
import { createPublishStream, type StreamPublish } from "./publish-stream.ts";
import { callMetadata, deadlineIn, unary } from "./unary.ts";

/** Where a stored event landed: its Lamport time and log position. */
export interface Ack {
  logicalTime: number;
  seq: number;
}

export interface PublisherOptions {
  client: ChitChatClient;
  participantId: string;
  sessionToken: string;
  clock: LamportClock;
  backoff: BackoffOptions;
  random: () => number;
  /** Deadline of each attempt. */
  callTimeoutMs: number;
  /** How long one message keeps being retried while the server is unavailable or throttles it. */
  retryMs: number;
  /** Calls in flight; their owner cancels them on close. */
  calls: Set<ClientUnaryCall>;
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
 * Publishes in order, over one PublishStream (unary Publish for good once a
 * server answers UNIMPLEMENTED). A message that meets UNAVAILABLE or DEADLINE_EXCEEDED is
 * retried with backoff under the same message id and logical time, so the
 * server stores it once however often it arrives. One the server throttles
 * (RESOURCE_EXHAUSTED with a retry-after hint) is sent again after the hinted wait.
 */
export function createPublisher(options: PublisherOptions): Publisher {
  const { client, clock, calls } = options;
  let tail: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let retryWait: { timer: ReturnType<typeof setTimeout>; fail: () => void } | undefined;
  const stoppedError = () => new ChatError("unavailable", "the session is closed");
  // undefined once the server turned out to predate PublishStream.
  let stream: ReturnType<typeof createPublishStream> | undefined = createPublishStream(options);

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

  async function publishOnce(request: StreamPublish & { participantId: string }): Promise<Ack> {
    if (stream) {
      try {
        return await stream.send(request);
      } catch (error) {
        if (!isServiceError(error) || error.code !== status.UNIMPLEMENTED) throw error;
        stream = undefined;
      }
    }
    return unary<Ack>(
      (cb) =>
        client.publish(
          request,
          callMetadata(options.sessionToken, true),
          { deadline: deadlineIn(options.callTimeoutMs) },
          cb,
        ),
      calls,
    );
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
        const ack = await publishOnce(request);
        clock.observe(ack.logicalTime);
        return { logicalTime: ack.logicalTime, seq: ack.seq };
      } catch (error) {
        if (!isServiceError(error)) throw error;
        const hintMs = retryAfterMs(error);
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
      const messageId = randomUUID();
      const result = tail.then(() => send(content, messageId));
      tail = result.catch(() => {});
      return result;
    },
    idle: () => tail.then(() => {}),
    stop() {
      stopped = true;
      stream?.close();
      if (retryWait) {
        clearTimeout(retryWait.timer);
        retryWait.fail();
        retryWait = undefined;
      }
    },
  };
}
