// Events in the shapes tests compare: as stored, as broadcast, as a row of the file.
import type { Broadcast__Output } from "../../src/protocol/proto.ts";
import type { LogEvent } from "../../src/store/event-log.ts";
import type { EventRow } from "./db-file.ts";
import type { TestServer } from "./server.ts";

/** A stored event as a subscriber should receive it. */
export function asBroadcast(event: LogEvent, replayed: boolean): Broadcast__Output {
  return {
    seq: event.seq,
    logicalTime: event.logicalTime,
    kind: `EVENT_KIND_${event.kind.toUpperCase()}` as Broadcast__Output["kind"],
    participantId: event.participantId,
    name: event.name,
    content: event.content,
    sentAtMs: event.sentAtMs,
    replayed,
  };
}

/** A received event without the replay flag (which may legitimately go either way). */
export function withoutFlag({
  replayed: _,
  ...event
}: Broadcast__Output): Omit<Broadcast__Output, "replayed"> {
  return event;
}

/** Every event in an in-process server's log, oldest first. */
export function wholeLog(server: TestServer): LogEvent[] {
  return server.view.readAfterSeq(0, 1_000_000);
}

const KIND_WORD: Record<string, EventRow["kind"]> = {
  EVENT_KIND_JOIN: "join",
  EVENT_KIND_MESSAGE: "message",
  EVENT_KIND_LEAVE: "leave",
};

/** A received Broadcast in the shape of a log row (without message_id, which is not sent). */
export function broadcastAsRow(event: Broadcast__Output): Omit<EventRow, "messageId"> {
  return {
    seq: event.seq,
    logicalTime: event.logicalTime,
    kind: KIND_WORD[event.kind] ?? (event.kind as EventRow["kind"]),
    participantId: event.participantId,
    name: event.name,
    content: event.content,
    sentAtMs: event.sentAtMs,
  };
}

/** A log row without message_id, to compare with a Broadcast. */
export function visible(row: EventRow): Omit<EventRow, "messageId"> {
  const { messageId: _, ...rest } = row;
  return rest;
}
