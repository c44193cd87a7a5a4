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
  /**
   * Not an event: never stored, never shown, never logged. The server writes
   * one on a Subscribe (or SubscribeBatches) stream that is live and wrote
   * nothing for a whole heartbeat interval (server flag --heartbeat-ms,
   * default 5 s; 0 = none).
   * Its `seq` and `logical_time` are those of the newest event in the log;
   * every other field is empty and `replayed` is false. A subscriber whose last
   * delivered event is behind that seq (or logical time) silently missed
   * events: it resumes from its last logical time, as after a hole in seq.
   * A client that does not know this kind must ignore it, like any unknown kind.
   */
  EVENT_KIND_HEARTBEAT: 'EVENT_KIND_HEARTBEAT',
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
   * Not an event: never stored, never shown, never logged. The server writes
   * one on a Subscribe (or SubscribeBatches) stream that is live and wrote
   * nothing for a whole heartbeat interval (server flag --heartbeat-ms,
   * default 5 s; 0 = none).
   * Its `seq` and `logical_time` are those of the newest event in the log;
   * every other field is empty and `replayed` is false. A subscriber whose last
   * delivered event is behind that seq (or logical time) silently missed
   * events: it resumes from its last logical time, as after a hole in seq.
   * A client that does not know this kind must ignore it, like any unknown kind.
   */
  | 'EVENT_KIND_HEARTBEAT'
  | 4

/**
 * What an event is.
 */
export type EventKind__Output = typeof EventKind[keyof typeof EventKind]
