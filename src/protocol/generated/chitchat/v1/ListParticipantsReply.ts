// Original file: proto/chitchat/v1/chitchat.proto

import type { PresentParticipant as _chitchat_v1_PresentParticipant, PresentParticipant__Output as _chitchat_v1_PresentParticipant__Output } from '../../chitchat/v1/PresentParticipant';
import type { Long } from '@grpc/proto-loader';

export interface ListParticipantsReply {
  /**
   * In joining order (by joined_seq).
   */
  'participants'?: (_chitchat_v1_PresentParticipant)[];
  /**
   * The log's newest seq, read just before the list: every JOIN and LEAVE up
   * to it is in the list. A client that shows the chat up to this seq before
   * the list never shows a list that contradicts the lines above it (someone
   * listed whose LEAVE it has shown, or missing whose JOIN it has not). 0 from
   * servers older than this field.
   */
  'seq'?: (number | string | Long);
}

export interface ListParticipantsReply__Output {
  /**
   * In joining order (by joined_seq).
   */
  'participants': (_chitchat_v1_PresentParticipant__Output)[];
  /**
   * The log's newest seq, read just before the list: every JOIN and LEAVE up
   * to it is in the list. A client that shows the chat up to this seq before
   * the list never shows a list that contradicts the lines above it (someone
   * listed whose LEAVE it has shown, or missing whose JOIN it has not). 0 from
   * servers older than this field.
   */
  'seq': (number);
}
