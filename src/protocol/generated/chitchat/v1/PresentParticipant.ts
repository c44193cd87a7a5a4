// Original file: proto/chitchat/v1/chitchat.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One participant in the chat now.
 */
export interface PresentParticipant {
  'participantId'?: (string);
  /**
   * The effective display name (possibly with a "#N" suffix).
   */
  'name'?: (string);
  /**
   * Lamport time of its JOIN event.
   */
  'joinedLogicalTime'?: (number | string | Long);
  /**
   * Position of its JOIN event in the log.
   */
  'joinedSeq'?: (number | string | Long);
  /**
   * True while it holds an open Subscribe or SubscribeBatches stream; false
   * while it has none but is still within the leave grace.
   */
  'streaming'?: (boolean);
}

/**
 * One participant in the chat now.
 */
export interface PresentParticipant__Output {
  'participantId': (string);
  /**
   * The effective display name (possibly with a "#N" suffix).
   */
  'name': (string);
  /**
   * Lamport time of its JOIN event.
   */
  'joinedLogicalTime': (number);
  /**
   * Position of its JOIN event in the log.
   */
  'joinedSeq': (number);
  /**
   * True while it holds an open Subscribe or SubscribeBatches stream; false
   * while it has none but is still within the leave grace.
   */
  'streaming': (boolean);
}
