// Original file: proto/chitchat/v1/chitchat.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Broadcast as _chitchat_v1_Broadcast, Broadcast__Output as _chitchat_v1_Broadcast__Output } from '../../chitchat/v1/Broadcast';
import type { BroadcastBatch as _chitchat_v1_BroadcastBatch, BroadcastBatch__Output as _chitchat_v1_BroadcastBatch__Output } from '../../chitchat/v1/BroadcastBatch';
import type { HistoryReply as _chitchat_v1_HistoryReply, HistoryReply__Output as _chitchat_v1_HistoryReply__Output } from '../../chitchat/v1/HistoryReply';
import type { HistoryRequest as _chitchat_v1_HistoryRequest, HistoryRequest__Output as _chitchat_v1_HistoryRequest__Output } from '../../chitchat/v1/HistoryRequest';
import type { JoinAck as _chitchat_v1_JoinAck, JoinAck__Output as _chitchat_v1_JoinAck__Output } from '../../chitchat/v1/JoinAck';
import type { JoinRequest as _chitchat_v1_JoinRequest, JoinRequest__Output as _chitchat_v1_JoinRequest__Output } from '../../chitchat/v1/JoinRequest';
import type { LeaveAck as _chitchat_v1_LeaveAck, LeaveAck__Output as _chitchat_v1_LeaveAck__Output } from '../../chitchat/v1/LeaveAck';
import type { LeaveRequest as _chitchat_v1_LeaveRequest, LeaveRequest__Output as _chitchat_v1_LeaveRequest__Output } from '../../chitchat/v1/LeaveRequest';
import type { ListParticipantsReply as _chitchat_v1_ListParticipantsReply, ListParticipantsReply__Output as _chitchat_v1_ListParticipantsReply__Output } from '../../chitchat/v1/ListParticipantsReply';
import type { ListParticipantsRequest as _chitchat_v1_ListParticipantsRequest, ListParticipantsRequest__Output as _chitchat_v1_ListParticipantsRequest__Output } from '../../chitchat/v1/ListParticipantsRequest';
import type { PublishAck as _chitchat_v1_PublishAck, PublishAck__Output as _chitchat_v1_PublishAck__Output } from '../../chitchat/v1/PublishAck';
import type { PublishRequest as _chitchat_v1_PublishRequest, PublishRequest__Output as _chitchat_v1_PublishRequest__Output } from '../../chitchat/v1/PublishRequest';
import type { PublishResult as _chitchat_v1_PublishResult, PublishResult__Output as _chitchat_v1_PublishResult__Output } from '../../chitchat/v1/PublishResult';
import type { SubscribeRequest as _chitchat_v1_SubscribeRequest, SubscribeRequest__Output as _chitchat_v1_SubscribeRequest__Output } from '../../chitchat/v1/SubscribeRequest';

export interface ChitChatClient extends grpc.Client {
  /**
   * The newest `limit` events of the log, oldest first, read from the log (as
   * Subscribe replays them, with replayed = true). For showing the recent
   * history again; catching up on missed events stays Subscribe's job.
   * Changes nothing.
   */
  History(argument: _chitchat_v1_HistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _chitchat_v1_HistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _chitchat_v1_HistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  History(argument: _chitchat_v1_HistoryRequest, callback: grpc.requestCallback<_chitchat_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  /**
   * The newest `limit` events of the log, oldest first, read from the log (as
   * Subscribe replays them, with replayed = true). For showing the recent
   * history again; catching up on missed events stays Subscribe's job.
   * Changes nothing.
   */
  history(argument: _chitchat_v1_HistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _chitchat_v1_HistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _chitchat_v1_HistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  history(argument: _chitchat_v1_HistoryRequest, callback: grpc.requestCallback<_chitchat_v1_HistoryReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Enter the chat. Stores a JOIN event ("Participant X joined Chit Chat at
   * logical time L") and returns the new participant's id and session token.
   */
  Join(argument: _chitchat_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_JoinAck__Output>): grpc.ClientUnaryCall;
  Join(argument: _chitchat_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_JoinAck__Output>): grpc.ClientUnaryCall;
  Join(argument: _chitchat_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_JoinAck__Output>): grpc.ClientUnaryCall;
  Join(argument: _chitchat_v1_JoinRequest, callback: grpc.requestCallback<_chitchat_v1_JoinAck__Output>): grpc.ClientUnaryCall;
  /**
   * Enter the chat. Stores a JOIN event ("Participant X joined Chit Chat at
   * logical time L") and returns the new participant's id and session token.
   */
  join(argument: _chitchat_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_JoinAck__Output>): grpc.ClientUnaryCall;
  join(argument: _chitchat_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_JoinAck__Output>): grpc.ClientUnaryCall;
  join(argument: _chitchat_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_JoinAck__Output>): grpc.ClientUnaryCall;
  join(argument: _chitchat_v1_JoinRequest, callback: grpc.requestCallback<_chitchat_v1_JoinAck__Output>): grpc.ClientUnaryCall;
  
  /**
   * Leave the chat. Stores a LEAVE event; the session token is dead afterwards
   * and the leaver's own stream ends (OK) right after it delivers the LEAVE.
   */
  Leave(argument: _chitchat_v1_LeaveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_LeaveAck__Output>): grpc.ClientUnaryCall;
  Leave(argument: _chitchat_v1_LeaveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_LeaveAck__Output>): grpc.ClientUnaryCall;
  Leave(argument: _chitchat_v1_LeaveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_LeaveAck__Output>): grpc.ClientUnaryCall;
  Leave(argument: _chitchat_v1_LeaveRequest, callback: grpc.requestCallback<_chitchat_v1_LeaveAck__Output>): grpc.ClientUnaryCall;
  /**
   * Leave the chat. Stores a LEAVE event; the session token is dead afterwards
   * and the leaver's own stream ends (OK) right after it delivers the LEAVE.
   */
  leave(argument: _chitchat_v1_LeaveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_LeaveAck__Output>): grpc.ClientUnaryCall;
  leave(argument: _chitchat_v1_LeaveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_LeaveAck__Output>): grpc.ClientUnaryCall;
  leave(argument: _chitchat_v1_LeaveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_LeaveAck__Output>): grpc.ClientUnaryCall;
  leave(argument: _chitchat_v1_LeaveRequest, callback: grpc.requestCallback<_chitchat_v1_LeaveAck__Output>): grpc.ClientUnaryCall;
  
  /**
   * Who is in the chat now: every participant whose JOIN is committed and who
   * has not left (streaming, or without a stream but within the leave grace),
   * in joining order, the caller included. Changes nothing.
   */
  ListParticipants(argument: _chitchat_v1_ListParticipantsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  ListParticipants(argument: _chitchat_v1_ListParticipantsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  ListParticipants(argument: _chitchat_v1_ListParticipantsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  ListParticipants(argument: _chitchat_v1_ListParticipantsRequest, callback: grpc.requestCallback<_chitchat_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  /**
   * Who is in the chat now: every participant whose JOIN is committed and who
   * has not left (streaming, or without a stream but within the leave grace),
   * in joining order, the caller included. Changes nothing.
   */
  listParticipants(argument: _chitchat_v1_ListParticipantsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  listParticipants(argument: _chitchat_v1_ListParticipantsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  listParticipants(argument: _chitchat_v1_ListParticipantsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  listParticipants(argument: _chitchat_v1_ListParticipantsRequest, callback: grpc.requestCallback<_chitchat_v1_ListParticipantsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Post a chat message. Acknowledged only after it is committed to the log.
   */
  Publish(argument: _chitchat_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_PublishAck__Output>): grpc.ClientUnaryCall;
  Publish(argument: _chitchat_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_PublishAck__Output>): grpc.ClientUnaryCall;
  Publish(argument: _chitchat_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_PublishAck__Output>): grpc.ClientUnaryCall;
  Publish(argument: _chitchat_v1_PublishRequest, callback: grpc.requestCallback<_chitchat_v1_PublishAck__Output>): grpc.ClientUnaryCall;
  /**
   * Post a chat message. Acknowledged only after it is committed to the log.
   */
  publish(argument: _chitchat_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_PublishAck__Output>): grpc.ClientUnaryCall;
  publish(argument: _chitchat_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_chitchat_v1_PublishAck__Output>): grpc.ClientUnaryCall;
  publish(argument: _chitchat_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_chitchat_v1_PublishAck__Output>): grpc.ClientUnaryCall;
  publish(argument: _chitchat_v1_PublishRequest, callback: grpc.requestCallback<_chitchat_v1_PublishAck__Output>): grpc.ClientUnaryCall;
  
  /**
   * Publish, many times over one stream: the same checks, rate limit,
   * idempotency and ack-after-commit as Publish, without a call per message.
   * Metadata as for Publish (the token is checked once, when the stream
   * starts); the participant is fixed by the first request, and message_id is
   * required on every request. The server answers each request with exactly one
   * PublishResult, in request order. A refused message (bad content, rate
   * limit, another participant_id) ends nothing: its result carries the code.
   * The stream itself ends UNAUTHENTICATED when the token is bad or dies (the
   * participant left), and UNAVAILABLE at shutdown, after the results of the
   * commit under way are written. Clients should prefer it; a server that
   * answers UNIMPLEMENTED predates it, and Publish is the fallback.
   */
  PublishStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_chitchat_v1_PublishRequest, _chitchat_v1_PublishResult__Output>;
  PublishStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_chitchat_v1_PublishRequest, _chitchat_v1_PublishResult__Output>;
  /**
   * Publish, many times over one stream: the same checks, rate limit,
   * idempotency and ack-after-commit as Publish, without a call per message.
   * Metadata as for Publish (the token is checked once, when the stream
   * starts); the participant is fixed by the first request, and message_id is
   * required on every request. The server answers each request with exactly one
   * PublishResult, in request order. A refused message (bad content, rate
   * limit, another participant_id) ends nothing: its result carries the code.
   * The stream itself ends UNAUTHENTICATED when the token is bad or dies (the
   * participant left), and UNAVAILABLE at shutdown, after the results of the
   * commit under way are written. Clients should prefer it; a server that
   * answers UNIMPLEMENTED predates it, and Publish is the fallback.
   */
  publishStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_chitchat_v1_PublishRequest, _chitchat_v1_PublishResult__Output>;
  publishStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_chitchat_v1_PublishRequest, _chitchat_v1_PublishResult__Output>;
  
  /**
   * Stream every event with logical time > `since`, oldest first (replayed from
   * the log), then live events as they are committed. A participant is present
   * while it holds an open stream; a newer Subscribe for the same participant
   * replaces the older stream, which then ends with ABORTED.
   */
  Subscribe(argument: _chitchat_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_chitchat_v1_Broadcast__Output>;
  Subscribe(argument: _chitchat_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_chitchat_v1_Broadcast__Output>;
  /**
   * Stream every event with logical time > `since`, oldest first (replayed from
   * the log), then live events as they are committed. A participant is present
   * while it holds an open stream; a newer Subscribe for the same participant
   * replaces the older stream, which then ends with ABORTED.
   */
  subscribe(argument: _chitchat_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_chitchat_v1_Broadcast__Output>;
  subscribe(argument: _chitchat_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_chitchat_v1_Broadcast__Output>;
  
  /**
   * The same stream as Subscribe, several events to a message: the same
   * request, authentication, replay, live events, heartbeats, presence and
   * statuses (a newer Subscribe or SubscribeBatches for the participant
   * replaces it with ABORTED; the leaver's stream ends OK after its LEAVE;
   * shutdown ends it UNAVAILABLE). Only the framing differs: while catching up
   * a message holds a page read from the log, while live it holds the events
   * of one commit (several when publishes arrive together), so a busy stream
   * costs far fewer messages. Clients should prefer it; a server that answers
   * UNIMPLEMENTED predates it, and Subscribe is the fallback.
   */
  SubscribeBatches(argument: _chitchat_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_chitchat_v1_BroadcastBatch__Output>;
  SubscribeBatches(argument: _chitchat_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_chitchat_v1_BroadcastBatch__Output>;
  /**
   * The same stream as Subscribe, several events to a message: the same
   * request, authentication, replay, live events, heartbeats, presence and
   * statuses (a newer Subscribe or SubscribeBatches for the participant
   * replaces it with ABORTED; the leaver's stream ends OK after its LEAVE;
   * shutdown ends it UNAVAILABLE). Only the framing differs: while catching up
   * a message holds a page read from the log, while live it holds the events
   * of one commit (several when publishes arrive together), so a busy stream
   * costs far fewer messages. Clients should prefer it; a server that answers
   * UNIMPLEMENTED predates it, and Subscribe is the fallback.
   */
  subscribeBatches(argument: _chitchat_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_chitchat_v1_BroadcastBatch__Output>;
  subscribeBatches(argument: _chitchat_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_chitchat_v1_BroadcastBatch__Output>;
  
}

export interface ChitChatHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The newest `limit` events of the log, oldest first, read from the log (as
   * Subscribe replays them, with replayed = true). For showing the recent
   * history again; catching up on missed events stays Subscribe's job.
   * Changes nothing.
   */
  History: grpc.handleUnaryCall<_chitchat_v1_HistoryRequest__Output, _chitchat_v1_HistoryReply>;
  
  /**
   * Enter the chat. Stores a JOIN event ("Participant X joined Chit Chat at
   * logical time L") and returns the new participant's id and session token.
   */
  Join: grpc.handleUnaryCall<_chitchat_v1_JoinRequest__Output, _chitchat_v1_JoinAck>;
  
  /**
   * Leave the chat. Stores a LEAVE event; the session token is dead afterwards
   * and the leaver's own stream ends (OK) right after it delivers the LEAVE.
   */
  Leave: grpc.handleUnaryCall<_chitchat_v1_LeaveRequest__Output, _chitchat_v1_LeaveAck>;
  
  /**
   * Who is in the chat now: every participant whose JOIN is committed and who
   * has not left (streaming, or without a stream but within the leave grace),
   * in joining order, the caller included. Changes nothing.
   */
  ListParticipants: grpc.handleUnaryCall<_chitchat_v1_ListParticipantsRequest__Output, _chitchat_v1_ListParticipantsReply>;
  
  /**
   * Post a chat message. Acknowledged only after it is committed to the log.
   */
  Publish: grpc.handleUnaryCall<_chitchat_v1_PublishRequest__Output, _chitchat_v1_PublishAck>;
  
  /**
   * Publish, many times over one stream: the same checks, rate limit,
   * idempotency and ack-after-commit as Publish, without a call per message.
   * Metadata as for Publish (the token is checked once, when the stream
   * starts); the participant is fixed by the first request, and message_id is
   * required on every request. The server answers each request with exactly one
   * PublishResult, in request order. A refused message (bad content, rate
   * limit, another participant_id) ends nothing: its result carries the code.
   * The stream itself ends UNAUTHENTICATED when the token is bad or dies (the
   * participant left), and UNAVAILABLE at shutdown, after the results of the
   * commit under way are written. Clients should prefer it; a server that
   * answers UNIMPLEMENTED predates it, and Publish is the fallback.
   */
  PublishStream: grpc.handleBidiStreamingCall<_chitchat_v1_PublishRequest__Output, _chitchat_v1_PublishResult>;
  
  /**
   * Stream every event with logical time > `since`, oldest first (replayed from
   * the log), then live events as they are committed. A participant is present
   * while it holds an open stream; a newer Subscribe for the same participant
   * replaces the older stream, which then ends with ABORTED.
   */
  Subscribe: grpc.handleServerStreamingCall<_chitchat_v1_SubscribeRequest__Output, _chitchat_v1_Broadcast>;
  
  /**
   * The same stream as Subscribe, several events to a message: the same
   * request, authentication, replay, live events, heartbeats, presence and
   * statuses (a newer Subscribe or SubscribeBatches for the participant
   * replaces it with ABORTED; the leaver's stream ends OK after its LEAVE;
   * shutdown ends it UNAVAILABLE). Only the framing differs: while catching up
   * a message holds a page read from the log, while live it holds the events
   * of one commit (several when publishes arrive together), so a busy stream
   * costs far fewer messages. Clients should prefer it; a server that answers
   * UNIMPLEMENTED predates it, and Subscribe is the fallback.
   */
  SubscribeBatches: grpc.handleServerStreamingCall<_chitchat_v1_SubscribeRequest__Output, _chitchat_v1_BroadcastBatch>;
  
}

export interface ChitChatDefinition extends grpc.ServiceDefinition {
  History: MethodDefinition<_chitchat_v1_HistoryRequest, _chitchat_v1_HistoryReply, _chitchat_v1_HistoryRequest__Output, _chitchat_v1_HistoryReply__Output>
  Join: MethodDefinition<_chitchat_v1_JoinRequest, _chitchat_v1_JoinAck, _chitchat_v1_JoinRequest__Output, _chitchat_v1_JoinAck__Output>
  Leave: MethodDefinition<_chitchat_v1_LeaveRequest, _chitchat_v1_LeaveAck, _chitchat_v1_LeaveRequest__Output, _chitchat_v1_LeaveAck__Output>
  ListParticipants: MethodDefinition<_chitchat_v1_ListParticipantsRequest, _chitchat_v1_ListParticipantsReply, _chitchat_v1_ListParticipantsRequest__Output, _chitchat_v1_ListParticipantsReply__Output>
  Publish: MethodDefinition<_chitchat_v1_PublishRequest, _chitchat_v1_PublishAck, _chitchat_v1_PublishRequest__Output, _chitchat_v1_PublishAck__Output>
  PublishStream: MethodDefinition<_chitchat_v1_PublishRequest, _chitchat_v1_PublishResult, _chitchat_v1_PublishRequest__Output, _chitchat_v1_PublishResult__Output>
  Subscribe: MethodDefinition<_chitchat_v1_SubscribeRequest, _chitchat_v1_Broadcast, _chitchat_v1_SubscribeRequest__Output, _chitchat_v1_Broadcast__Output>
  SubscribeBatches: MethodDefinition<_chitchat_v1_SubscribeRequest, _chitchat_v1_BroadcastBatch, _chitchat_v1_SubscribeRequest__Output, _chitchat_v1_BroadcastBatch__Output>
}
