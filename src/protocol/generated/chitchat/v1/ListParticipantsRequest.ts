// Original file: proto/chitchat/v1/chitchat.proto


export interface ListParticipantsRequest {
  /**
   * The asking participant (must match the session token).
   */
  'participantId'?: (string);
}

export interface ListParticipantsRequest__Output {
  /**
   * The asking participant (must match the session token).
   */
  'participantId': (string);
}
