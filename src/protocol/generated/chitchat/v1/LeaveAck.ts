// Original file: proto/chitchat/v1/chitchat.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaveAck {
  /**
   * Lamport time of the stored LEAVE event.
   */
  'logicalTime'?: (number | string | Long);
  /**
   * Its position in the log.
   */
  'seq'?: (number | string | Long);
}

export interface LeaveAck__Output {
  /**
   * Lamport time of the stored LEAVE event.
   */
  'logicalTime': (number);
  /**
   * Its position in the log.
   */
  'seq': (number);
}
