// Original file: proto/chitchat/v1/chitchat.proto

import type { Long } from '@grpc/proto-loader';

export interface PublishRequest {
  /**
   * The sender (must match the session token).
   */
  'participantId'?: (string);
  /**
   * The message: valid UTF-8, 1–128 characters (code points), not only
   * whitespace, no control characters other than tab.
   */
  'content'?: (string);
  /**
   * The sender's Lamport clock after its increment for this send.
   */
  'logicalTime'?: (number | string | Long);
  /**
   * Optional, chosen by the client (at most 64 characters). A retry with the
   * same id from the same participant returns the first ack and stores nothing new.
   * Any unique string works; a time-ordered one (UUIDv7, as ChitChat's clients
   * send) is cheapest for the log's index.
   */
  'messageId'?: (string);
}

export interface PublishRequest__Output {
  /**
   * The sender (must match the session token).
   */
  'participantId': (string);
  /**
   * The message: valid UTF-8, 1–128 characters (code points), not only
   * whitespace, no control characters other than tab.
   */
  'content': (string);
  /**
   * The sender's Lamport clock after its increment for this send.
   */
  'logicalTime': (number);
  /**
   * Optional, chosen by the client (at most 64 characters). A retry with the
   * same id from the same participant returns the first ack and stores nothing new.
   * Any unique string works; a time-ordered one (UUIDv7, as ChitChat's clients
   * send) is cheapest for the log's index.
   */
  'messageId': (string);
}
