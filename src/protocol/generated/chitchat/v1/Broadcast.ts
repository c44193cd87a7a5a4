// Original file: proto/chitchat/v1/chitchat.proto

import type { EventKind as _chitchat_v1_EventKind, EventKind__Output as _chitchat_v1_EventKind__Output } from '../../chitchat/v1/EventKind';
import type { Long } from '@grpc/proto-loader';

export interface Broadcast {
  /**
   * Position of the event in the log: 1, 2, 3, … with no holes. A subscriber
   * that sees seq jump by more than one has missed events and should resume.
   * For EVENT_KIND_HEARTBEAT: the newest seq in the log.
   */
  'seq'?: (number | string | Long);
  /**
   * The event's Lamport time; strictly increasing with seq.
   */
  'logicalTime'?: (number | string | Long);
  /**
   * What happened.
   */
  'kind'?: (_chitchat_v1_EventKind);
  /**
   * Who it happened to (the joiner, the sender, the leaver).
   */
  'participantId'?: (string);
  /**
   * That participant's effective display name.
   */
  'name'?: (string);
  /**
   * The message text, or the join/leave sentence.
   */
  'content'?: (string);
  /**
   * Server wall-clock time when the event was stored, in Unix milliseconds.
   */
  'sentAtMs'?: (number | string | Long);
  /**
   * True when the event was read back from the log (replay), false when it
   * was pushed live as it was committed. An event stored while the stream is
   * still catching up may arrive either way.
   */
  'replayed'?: (boolean);
}

export interface Broadcast__Output {
  /**
   * Position of the event in the log: 1, 2, 3, … with no holes. A subscriber
   * that sees seq jump by more than one has missed events and should resume.
   * For EVENT_KIND_HEARTBEAT: the newest seq in the log.
   */
  'seq': (number);
  /**
   * The event's Lamport time; strictly increasing with seq.
   */
  'logicalTime': (number);
  /**
   * What happened.
   */
  'kind': (_chitchat_v1_EventKind__Output);
  /**
   * Who it happened to (the joiner, the sender, the leaver).
   */
  'participantId': (string);
  /**
   * That participant's effective display name.
   */
  'name': (string);
  /**
   * The message text, or the join/leave sentence.
   */
  'content': (string);
  /**
   * Server wall-clock time when the event was stored, in Unix milliseconds.
   */
  'sentAtMs': (number);
  /**
   * True when the event was read back from the log (replay), false when it
   * was pushed live as it was committed. An event stored while the stream is
   * still catching up may arrive either way.
   */
  'replayed': (boolean);
}
