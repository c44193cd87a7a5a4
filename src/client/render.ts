import type { ChatEvent } from "./chat-event.ts";
import type { SessionStatus } from "./session.ts";

// Control characters (C0, C1) and the bidi overrides that can make text lie about its order.
const UNSAFE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

/**
 * Text safe to print on a terminal or on one line of a file. The server
 * already refuses control characters; this is defence in depth.
 */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, (ch) => (ch === "\t" ? " " : "\uFFFD"));
}

/** The line the chat shows for an event. */
export function formatEvent(event: ChatEvent): string {
  if (event.kind === "message") {
    return `[${event.logicalTime}] ${sanitize(event.name)}: ${sanitize(event.content)}`;
  }
  // JOIN and LEAVE carry their sentence, "Participant X joined Chit Chat at logical time L".
  return sanitize(event.content);
}

/** The line the local log keeps for an event: wall time, logical time, seq, kind, who, what. */
export function formatLogLine(event: ChatEvent, receivedAt: Date = new Date()): string {
  const wall = event.sentAtMs > 0 ? new Date(event.sentAtMs) : receivedAt;
  return [
    wall.toISOString(),
    `lt=${event.logicalTime}`,
    `seq=${event.seq}`,
    event.kind,
    `${sanitize(event.name)}: ${sanitize(event.content)}`,
  ].join(" ");
}

/** The status line for a session report, or undefined when there is nothing to say. */
export function formatStatus(status: SessionStatus): string | undefined {
  switch (status.type) {
    case "connected":
      return status.resumed
        ? `reconnected; resuming after logical time ${status.since}`
        : undefined;
    case "reconnecting":
      return `connection lost (${status.reason}); reconnecting in ${status.delayMs} ms (attempt ${status.attempt})`;
    case "gap":
      return `gap detected: expected seq ${status.expectedSeq}, got ${status.receivedSeq}; resubscribing after logical time ${status.since}`;
    case "behind":
      return `missed events: the server's log is at seq ${status.topSeq}, last seen ${status.lastSeq}; resubscribing after logical time ${status.since}`;
    case "ended":
      return undefined;
    case "error":
      return `error: ${status.error.message}`;
  }
}
