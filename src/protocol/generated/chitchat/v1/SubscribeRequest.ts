// Original file: proto/chitchat/v1/chitchat.proto

import type { Long } from '@grpc/proto-loader';

export interface SubscribeRequest {
  /**
   * The subscribing participant (must match the session token).
   */
  'participantId'?: (string);
  /**
   * Deliver every event with logical_time > since. 0 means the whole log; a
   * new participant passes its JOIN time - 1 to see its own JOIN. A value
   * greater than the newest logical time in the log is OUT_OF_RANGE.
   */
  'since'?: (number | string | Long);
  /**
   * The log_id from JoinAck. Empty skips the check; a different log's id is
   * FAILED_PRECONDITION.
   */
  'logId'?: (string);
}

export interface SubscribeRequest__Output {
  /**
   * The subscribing participant (must match the session token).
   */
  'participantId': (string);
  /**
   * Deliver every event with logical_time > since. 0 means the whole log; a
   * new participant passes its JOIN time - 1 to see its own JOIN. A value
   * greater than the newest logical time in the log is OUT_OF_RANGE.
   */
  'since': (number);
  /**
   * The log_id from JoinAck. Empty skips the check; a different log's id is
   * FAILED_PRECONDITION.
   */
  'logId': (string);
}
