// Original file: proto/chitchat/v1/chitchat.proto

import type { Long } from '@grpc/proto-loader';

export interface JoinRequest {
  /**
   * Display name: trimmed, then 1–32 characters (code points), no control
   * characters. If a present participant already has it, the server adds a
   * suffix ("Bo#2") and returns the effective name in JoinAck.name.
   */
  'name'?: (string);
  /**
   * The sender's Lamport clock after its increment for this send (0 is fine
   * for a fresh client). Every request's logical_time is at most 2^52;
   * beyond that it is INVALID_ARGUMENT.
   */
  'logicalTime'?: (number | string | Long);
}

export interface JoinRequest__Output {
  /**
   * Display name: trimmed, then 1–32 characters (code points), no control
   * characters. If a present participant already has it, the server adds a
   * suffix ("Bo#2") and returns the effective name in JoinAck.name.
   */
  'name': (string);
  /**
   * The sender's Lamport clock after its increment for this send (0 is fine
   * for a fresh client). Every request's logical_time is at most 2^52;
   * beyond that it is INVALID_ARGUMENT.
   */
  'logicalTime': (number);
}
