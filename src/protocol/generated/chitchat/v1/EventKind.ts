// Original file: proto/chitchat/v1/chitchat.proto

/**
 * What an event is.
 */
export const EventKind = {
  /**
   * Never stored; the proto3 zero value.
   */
  EVENT_KIND_UNSPECIFIED: 'EVENT_KIND_UNSPECIFIED',
  /**
   * A participant joined; content is "Participant X joined Chit Chat at logical time L".
   */
  EVENT_KIND_JOIN: 'EVENT_KIND_JOIN',
  /**
   * A chat message; content is the message text.
   */
  EVENT_KIND_MESSAGE: 'EVENT_KIND_MESSAGE',
  /**
   * A participant left (by Leave, or by vanishing for longer than the leave
   * grace); content is "Participant X left Chit Chat at logical time L".
   */
  EVENT_KIND_LEAVE: 'EVENT_KIND_LEAVE',
} as const;

/**
 * What an event is.
 */
export type EventKind =
  /**
   * Never stored; the proto3 zero value.
   */
  | 'EVENT_KIND_UNSPECIFIED'
  | 0
  /**
   * A participant joined; content is "Participant X joined Chit Chat at logical time L".
   */
  | 'EVENT_KIND_JOIN'
  | 1
  /**
   * A chat message; content is the message text.
   */
  | 'EVENT_KIND_MESSAGE'
  | 2
  /**
   * A participant left (by Leave, or by vanishing for longer than the leave
   * grace); content is "Participant X left Chit Chat at logical time L".
   */
  | 'EVENT_KIND_LEAVE'
  | 3

/**
 * What an event is.
 */
export type EventKind__Output = typeof EventKind[keyof typeof EventKind]
