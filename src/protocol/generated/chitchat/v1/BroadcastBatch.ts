// Original file: proto/chitchat/v1/chitchat.proto

import type { Broadcast as _chitchat_v1_Broadcast, Broadcast__Output as _chitchat_v1_Broadcast__Output } from '../../chitchat/v1/Broadcast';

/**
 * Consecutive events of a SubscribeBatches stream, in order.
 */
export interface BroadcastBatch {
  /**
   * One or more events, oldest first, with consecutive seqs, exactly as
   * Subscribe would have sent them one by one (each with its own `replayed`).
   * A heartbeat is a batch holding a single EVENT_KIND_HEARTBEAT Broadcast
   * (the stream wrote nothing else for a heartbeat interval); a batch never
   * mixes a heartbeat with events and is never empty.
   */
  'events'?: (_chitchat_v1_Broadcast)[];
}

/**
 * Consecutive events of a SubscribeBatches stream, in order.
 */
export interface BroadcastBatch__Output {
  /**
   * One or more events, oldest first, with consecutive seqs, exactly as
   * Subscribe would have sent them one by one (each with its own `replayed`).
   * A heartbeat is a batch holding a single EVENT_KIND_HEARTBEAT Broadcast
   * (the stream wrote nothing else for a heartbeat interval); a batch never
   * mixes a heartbeat with events and is never empty.
   */
  'events': (_chitchat_v1_Broadcast__Output)[];
}
