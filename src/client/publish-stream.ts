import { type ClientDuplexStream, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { RETRY_AFTER_METADATA } from "../protocol/errors.ts";
import type { ChitChatClient, PublishRequest, PublishResult__Output } from "../protocol/proto.ts";
import { callMetadata } from "./unary.ts";

/** Where a stored event landed: its Lamport time and log position. */
export interface StreamAck {
  logicalTime: number;
  seq: number;
}

export interface PublishStreamOptions {
  client: ChitChatClient;
  participantId: string;
  sessionToken: string;
  /** How long one message may wait for its result before the stream is given up as stuck. */
  callTimeoutMs: number;
}

/** One message for the stream; the participant is the stream's. */
export interface StreamPublish {
  content: string;
  logicalTime: number;
  /** Required on PublishStream; a retry must reuse it. */
  messageId: string;
}

/**
 * Publishes over one PublishStream (opened on the first send, and again after
 * it ends). `send` settles as a unary Publish would: with the ack, or with a
 * grpc-js ServiceError of the same status, metadata included (a rate-limit
 * refusal carries `retry-after-ms`), so callers handle both paths alike. A
 * server that predates PublishStream fails it with UNIMPLEMENTED.
 */
export interface PublishStream {
  send(message: StreamPublish): Promise<StreamAck>;
  /** Messages sent whose results have not come back. */
  readonly pending: number;
  /** Cancels the stream; pending sends fail CANCELLED. */
  close(): void;
}

interface Waiting {
  messageId: string;
  /** performance.now() by which its result must be in. */
  due: number;
  resolve: (ack: StreamAck) => void;
  reject: (error: ServiceError) => void;
}

/** A ServiceError as grpc-js would build it for a unary call. */
export function serviceError(
  code: status,
  details: string,
  metadata = new Metadata(),
): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata,
  });
}

/** A refused message's result as the error a unary Publish would have failed with. */
function resultError(result: PublishResult__Output): ServiceError {
  const metadata = new Metadata();
  if (result.retryAfterMs > 0) metadata.set(RETRY_AFTER_METADATA, String(result.retryAfterMs));
  return serviceError(result.code, result.error, metadata);
}

export function createPublishStream(options: PublishStreamOptions): PublishStream {
  const { client, participantId, sessionToken, callTimeoutMs } = options;
  let call: ClientDuplexStream<PublishRequest, PublishResult__Output> | undefined;
  let waiting: Waiting[] = [];
  let first = true;
  // One timer, for the oldest message: results come in order, so it is always the first due.
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Fails everything in flight on the current stream and forgets it. */
  const fail = (error: ServiceError) => {
    const stuck = waiting;
    waiting = [];
    const old = call;
    call = undefined;
    if (timer) clearTimeout(timer);
    timer = undefined;
    for (const w of stuck) w.reject(error);
    old?.cancel();
  };

  const arm = () => {
    const head = waiting[0];
    if (timer || !head) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        const oldest = waiting[0];
        if (oldest && performance.now() >= oldest.due) {
          fail(serviceError(status.DEADLINE_EXCEEDED, "no result from PublishStream in time"));
        } else {
          arm();
        }
      },
      Math.max(0, head.due - performance.now()),
    );
  };

  const open = () => {
    const c = client.publishStream(callMetadata(sessionToken, true));
    first = true;
    let endedWith: ServiceError | undefined;
    c.on("data", (result: PublishResult__Output) => {
      if (c !== call) return;
      const w = waiting.shift();
      if (!w) return;
      if (result.messageId !== w.messageId) {
        // Results come in request order; anything else means the stream is not to be trusted.
        waiting.unshift(w);
        fail(serviceError(status.INTERNAL, "PublishStream answered out of order"));
        return;
      }
      if (result.code === status.OK && result.ack) {
        w.resolve({ logicalTime: result.ack.logicalTime, seq: result.ack.seq });
      } else {
        w.reject(resultError(result));
      }
    });
    // grpc-js reports the status before the results read with it have been
    // handed out; those count (a shutdown writes its last acks, then ends), so
    // what is still waiting fails only once the stream has given out everything.
    c.on("error", (error: ServiceError) => {
      endedWith = error;
    });
    const ended = () => {
      if (c !== call) return;
      fail(endedWith ?? serviceError(status.UNAVAILABLE, "PublishStream ended"));
    };
    c.on("end", ended);
    c.on("close", ended);
    return c;
  };

  return {
    send(message) {
      return new Promise<StreamAck>((resolve, reject) => {
        call ??= open();
        waiting.push({
          messageId: message.messageId,
          due: performance.now() + callTimeoutMs,
          resolve,
          reject,
        });
        arm();
        call.write({
          // The participant is fixed by the stream's first request; later ones may leave it out.
          participantId: first ? participantId : "",
          content: message.content,
          logicalTime: message.logicalTime,
          messageId: message.messageId,
        });
        first = false;
      });
    },
    get pending() {
      return waiting.length;
    },
    close() {
      fail(serviceError(status.CANCELLED, "the session is closed"));
    },
  };
}
