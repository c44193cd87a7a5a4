// Original file: proto/chitchat/v1/chitchat.proto

import type { Broadcast as _chitchat_v1_Broadcast, Broadcast__Output as _chitchat_v1_Broadcast__Output } from '../../chitchat/v1/Broadcast';

export interface HistoryReply {
  /**
   * The newest `limit` events (all of them when the log is shorter), oldest
   * first, with consecutive seqs; each exactly as Subscribe would replay it.
   */
  'events'?: (_chitchat_v1_Broadcast)[];
}

export interface HistoryReply__Output {
  /**
   * The newest `limit` events (all of them when the log is shorter), oldest
   * first, with consecutive seqs; each exactly as Subscribe would replay it.
   */
  'events': (_chitchat_v1_Broadcast__Output)[];
}
