// Original file: proto/chitchat/v1/chitchat.proto

import type { Long } from '@grpc/proto-loader';

export interface PublishAck {
  /**
   * Lamport time of the stored MESSAGE event.
   */
  'logicalTime'?: (number | string | Long);
  /**
   * Its position in the log.
   */
  'seq'?: (number | string | Long);
}

export interface PublishAck__Output {
  /**
   * Lamport time of the stored MESSAGE event.
   */
  'logicalTime': (number);
  /**
   * Its position in the log.
   */
  'seq': (number);
}
