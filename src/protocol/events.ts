/** The kinds of event in the log, as the log and the admin JSON spell them. */
export const EVENT_KINDS = ["join", "message", "leave"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The S5 sentence broadcast when a participant joins. */
export function joinSentence(name: string, logicalTime: number): string {
  return `Participant ${name} joined Chit Chat at logical time ${logicalTime}`;
}

/** The S6 sentence broadcast when a participant leaves. */
export function leaveSentence(name: string, logicalTime: number): string {
  return `Participant ${name} left Chit Chat at logical time ${logicalTime}`;
}
