import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Broadcast as _chitchat_v1_Broadcast, Broadcast__Output as _chitchat_v1_Broadcast__Output } from './chitchat/v1/Broadcast';
import type { BroadcastBatch as _chitchat_v1_BroadcastBatch, BroadcastBatch__Output as _chitchat_v1_BroadcastBatch__Output } from './chitchat/v1/BroadcastBatch';
import type { ChitChatClient as _chitchat_v1_ChitChatClient, ChitChatDefinition as _chitchat_v1_ChitChatDefinition } from './chitchat/v1/ChitChat';
import type { HistoryReply as _chitchat_v1_HistoryReply, HistoryReply__Output as _chitchat_v1_HistoryReply__Output } from './chitchat/v1/HistoryReply';
import type { HistoryRequest as _chitchat_v1_HistoryRequest, HistoryRequest__Output as _chitchat_v1_HistoryRequest__Output } from './chitchat/v1/HistoryRequest';
import type { JoinAck as _chitchat_v1_JoinAck, JoinAck__Output as _chitchat_v1_JoinAck__Output } from './chitchat/v1/JoinAck';
import type { JoinRequest as _chitchat_v1_JoinRequest, JoinRequest__Output as _chitchat_v1_JoinRequest__Output } from './chitchat/v1/JoinRequest';
import type { LeaveAck as _chitchat_v1_LeaveAck, LeaveAck__Output as _chitchat_v1_LeaveAck__Output } from './chitchat/v1/LeaveAck';
import type { LeaveRequest as _chitchat_v1_LeaveRequest, LeaveRequest__Output as _chitchat_v1_LeaveRequest__Output } from './chitchat/v1/LeaveRequest';
import type { ListParticipantsReply as _chitchat_v1_ListParticipantsReply, ListParticipantsReply__Output as _chitchat_v1_ListParticipantsReply__Output } from './chitchat/v1/ListParticipantsReply';
import type { ListParticipantsRequest as _chitchat_v1_ListParticipantsRequest, ListParticipantsRequest__Output as _chitchat_v1_ListParticipantsRequest__Output } from './chitchat/v1/ListParticipantsRequest';
import type { PresentParticipant as _chitchat_v1_PresentParticipant, PresentParticipant__Output as _chitchat_v1_PresentParticipant__Output } from './chitchat/v1/PresentParticipant';
import type { PublishAck as _chitchat_v1_PublishAck, PublishAck__Output as _chitchat_v1_PublishAck__Output } from './chitchat/v1/PublishAck';
import type { PublishRequest as _chitchat_v1_PublishRequest, PublishRequest__Output as _chitchat_v1_PublishRequest__Output } from './chitchat/v1/PublishRequest';
import type { PublishResult as _chitchat_v1_PublishResult, PublishResult__Output as _chitchat_v1_PublishResult__Output } from './chitchat/v1/PublishResult';
import type { SubscribeRequest as _chitchat_v1_SubscribeRequest, SubscribeRequest__Output as _chitchat_v1_SubscribeRequest__Output } from './chitchat/v1/SubscribeRequest';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  chitchat: {
    v1: {
      Broadcast: MessageTypeDefinition<_chitchat_v1_Broadcast, _chitchat_v1_Broadcast__Output>
      BroadcastBatch: MessageTypeDefinition<_chitchat_v1_BroadcastBatch, _chitchat_v1_BroadcastBatch__Output>
      ChitChat: SubtypeConstructor<typeof grpc.Client, _chitchat_v1_ChitChatClient> & { service: _chitchat_v1_ChitChatDefinition }
      EventKind: EnumTypeDefinition
      HistoryReply: MessageTypeDefinition<_chitchat_v1_HistoryReply, _chitchat_v1_HistoryReply__Output>
      HistoryRequest: MessageTypeDefinition<_chitchat_v1_HistoryRequest, _chitchat_v1_HistoryRequest__Output>
      JoinAck: MessageTypeDefinition<_chitchat_v1_JoinAck, _chitchat_v1_JoinAck__Output>
      JoinRequest: MessageTypeDefinition<_chitchat_v1_JoinRequest, _chitchat_v1_JoinRequest__Output>
      LeaveAck: MessageTypeDefinition<_chitchat_v1_LeaveAck, _chitchat_v1_LeaveAck__Output>
      LeaveRequest: MessageTypeDefinition<_chitchat_v1_LeaveRequest, _chitchat_v1_LeaveRequest__Output>
      ListParticipantsReply: MessageTypeDefinition<_chitchat_v1_ListParticipantsReply, _chitchat_v1_ListParticipantsReply__Output>
      ListParticipantsRequest: MessageTypeDefinition<_chitchat_v1_ListParticipantsRequest, _chitchat_v1_ListParticipantsRequest__Output>
      PresentParticipant: MessageTypeDefinition<_chitchat_v1_PresentParticipant, _chitchat_v1_PresentParticipant__Output>
      PublishAck: MessageTypeDefinition<_chitchat_v1_PublishAck, _chitchat_v1_PublishAck__Output>
      PublishRequest: MessageTypeDefinition<_chitchat_v1_PublishRequest, _chitchat_v1_PublishRequest__Output>
      PublishResult: MessageTypeDefinition<_chitchat_v1_PublishResult, _chitchat_v1_PublishResult__Output>
      SubscribeRequest: MessageTypeDefinition<_chitchat_v1_SubscribeRequest, _chitchat_v1_SubscribeRequest__Output>
    }
  }
}

