// Original file: proto/chitchat/v1/chitchat.proto

import type { Long } from '@grpc/proto-loader';

export interface LeaveRequest {
  /**
   * The leaver (must match the session token).
   */
  'participantId'?: (string);
  /**
   * The sender's Lamport clock after its increment for this send.
   */
  'logicalTime'?: (number | string | Long);
}

export interface LeaveRequest__Output {
  /**
   * The leaver (must match the session token).
   */
  'participantId': (string);
  /**
   * The sender's Lamport clock after its increment for this send.
   */
  'logicalTime': (number);
}
