import type { EventKind__Output } from "./generated/chitchat/v1/EventKind.ts";

/** The kinds of event in the log, as the log and the admin JSON spell them. */
export const EVENT_KINDS = ["join", "message", "leave"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** One stored event, as the log keeps it and as both sides speak of it. */
export interface ChatEventRecord {
  /** Position in the log: 1, 2, 3, … with no holes. */
  seq: number;
  /** Lamport time; strictly increasing with seq. */
  logicalTime: number;
  kind: EventKind;
  participantId: string;
  name: string;
  content: string;
  /** Server wall-clock time of the commit, Unix ms. */
  sentAtMs: number;
}

/** Each kind's name on the wire (the proto enum's string form). */
export const WIRE_KIND: Record<EventKind, EventKind__Output> = {
  join: "EVENT_KIND_JOIN",
  message: "EVENT_KIND_MESSAGE",
  leave: "EVENT_KIND_LEAVE",
};

/** The kind a wire enum names, or undefined for one this build does not know. */
export function kindFromWire(wire: string): EventKind | undefined {
  return EVENT_KINDS.find((kind) => WIRE_KIND[kind] === wire);
}

/** The S5 sentence broadcast when a participant joins. */
export function joinSentence(name: string, logicalTime: number): string {
  return `Participant ${name} joined Chit Chat at logical time ${logicalTime}`;
}

/** The S6 sentence broadcast when a participant leaves. */
export function leaveSentence(name: string, logicalTime: number): string {
  return `Participant ${name} left Chit Chat at logical time ${logicalTime}`;
}

/** An event as JSON speaks of it (the admin API, `bun run inspect --json`). */
export type EventJson = Omit<ChatEventRecord, "sentAtMs"> & {
  /** Server wall-clock time of the commit, ISO 8601. */
  sentAt: string;
};

export function toEventJson(e: ChatEventRecord): EventJson {
  return {
    seq: e.seq,
    logicalTime: e.logicalTime,
    kind: e.kind,
    participantId: e.participantId,
    name: e.name,
    content: e.content,
    sentAt: new Date(e.sentAtMs).toISOString(),
  };
}
