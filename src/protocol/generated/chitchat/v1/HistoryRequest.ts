// Original file: proto/chitchat/v1/chitchat.proto


export interface HistoryRequest {
  /**
   * The asking participant (must match the session token).
   */
  'participantId'?: (string);
  /**
   * How many of the newest events: 1–1000. 0 (unset) or more than 1000 is
   * INVALID_ARGUMENT.
   */
  'limit'?: (number);
}

export interface HistoryRequest__Output {
  /**
   * The asking participant (must match the session token).
   */
  'participantId': (string);
  /**
   * How many of the newest events: 1–1000. 0 (unset) or more than 1000 is
   * INVALID_ARGUMENT.
   */
  'limit': (number);
}
