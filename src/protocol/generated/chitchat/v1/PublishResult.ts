// Original file: proto/chitchat/v1/chitchat.proto

import type { PublishAck as _chitchat_v1_PublishAck, PublishAck__Output as _chitchat_v1_PublishAck__Output } from '../../chitchat/v1/PublishAck';

/**
 * The answer to one PublishStream request.
 */
export interface PublishResult {
  /**
   * The request's message_id (required on this stream).
   */
  'messageId'?: (string);
  /**
   * Set when the message was stored (or was already stored under this
   * message_id): as Publish's ack.
   */
  'ack'?: (_chitchat_v1_PublishAck | null);
  /**
   * A gRPC status code when it was not stored (0 = stored): INVALID_ARGUMENT,
   * RESOURCE_EXHAUSTED (rate limit) or UNAVAILABLE (not committed; send it
   * again with the same message_id), as Publish would have answered.
   */
  'code'?: (number);
  /**
   * The sentence for that code.
   */
  'error'?: (string);
  /**
   * For a rate-limit refusal: milliseconds until sending it again may succeed.
   */
  'retryAfterMs'?: (number);
}

/**
 * The answer to one PublishStream request.
 */
export interface PublishResult__Output {
  /**
   * The request's message_id (required on this stream).
   */
  'messageId': (string);
  /**
   * Set when the message was stored (or was already stored under this
   * message_id): as Publish's ack.
   */
  'ack': (_chitchat_v1_PublishAck__Output | null);
  /**
   * A gRPC status code when it was not stored (0 = stored): INVALID_ARGUMENT,
   * RESOURCE_EXHAUSTED (rate limit) or UNAVAILABLE (not committed; send it
   * again with the same message_id), as Publish would have answered.
   */
  'code': (number);
  /**
   * The sentence for that code.
   */
  'error': (string);
  /**
   * For a rate-limit refusal: milliseconds until sending it again may succeed.
   */
  'retryAfterMs': (number);
}
