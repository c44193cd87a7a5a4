// Original file: proto/chitchat/v1/chitchat.proto

import type { Long } from '@grpc/proto-loader';

export interface JoinAck {
  /**
   * The participant's id; names it in every later request.
   */
  'participantId'?: (string);
  /**
   * The effective display name (possibly with a "#N" suffix).
   */
  'name'?: (string);
  /**
   * Lamport time of the JOIN event.
   */
  'logicalTime'?: (number | string | Long);
  /**
   * Position of the JOIN event in the log (1, 2, 3, … with no holes).
   */
  'seq'?: (number | string | Long);
  /**
   * Secret for the `authorization: Bearer <token>` metadata. The server
   * stores only its hash; it dies with Leave or with the leave grace.
   */
  'sessionToken'?: (string);
  /**
   * Names the event log this server holds. Pass it back in
   * SubscribeRequest.log_id so a resume never replays a different log.
   */
  'logId'?: (string);
}

export interface JoinAck__Output {
  /**
   * The participant's id; names it in every later request.
   */
  'participantId': (string);
  /**
   * The effective display name (possibly with a "#N" suffix).
   */
  'name': (string);
  /**
   * Lamport time of the JOIN event.
   */
  'logicalTime': (number);
  /**
   * Position of the JOIN event in the log (1, 2, 3, … with no holes).
   */
  'seq': (number);
  /**
   * Secret for the `authorization: Bearer <token>` metadata. The server
   * stores only its hash; it dies with Leave or with the leave grace.
   */
  'sessionToken': (string);
  /**
   * Names the event log this server holds. Pass it back in
   * SubscribeRequest.log_id so a resume never replays a different log.
   */
  'logId': (string);
}
