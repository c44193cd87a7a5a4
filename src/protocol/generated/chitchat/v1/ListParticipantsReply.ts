// Original file: proto/chitchat/v1/chitchat.proto

import type { PresentParticipant as _chitchat_v1_PresentParticipant, PresentParticipant__Output as _chitchat_v1_PresentParticipant__Output } from '../../chitchat/v1/PresentParticipant';

export interface ListParticipantsReply {
  /**
   * In joining order (by joined_seq).
   */
  'participants'?: (_chitchat_v1_PresentParticipant)[];
}

export interface ListParticipantsReply__Output {
  /**
   * In joining order (by joined_seq).
   */
  'participants': (_chitchat_v1_PresentParticipant__Output)[];
}
