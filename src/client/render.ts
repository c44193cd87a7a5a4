import type { ChatEventRecord } from "../protocol/events.ts";
import type { ChatEvent } from "./chat-event.ts";
import type { PresentParticipant, SessionStatus } from "./session.ts";

// Control characters (C0, C1) and the bidi overrides that can make text lie about its order.
const UNSAFE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

/**
 * Text safe to print on a terminal or on one line of a file. The server
 * already refuses control characters; this is defence in depth.
 */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, (ch) => (ch === "\t" ? " " : "\uFFFD"));
}

/** The line the chat shows for an event; `color` paints the name. */
export function formatEvent(event: ChatEventRecord, { color = false } = {}): string {
  if (event.kind === "message") {
    return `[${event.logicalTime}] ${paintName(event.name, color)}: ${sanitize(event.content)}`;
  }
  // JOIN and LEAVE carry their sentence, "Participant X joined Chit Chat at logical time L".
  const prefix = `Participant ${event.name} `;
  if (color && event.content.startsWith(prefix)) {
    return `Participant ${paintName(event.name, true)} ${sanitize(event.content.slice(prefix.length))}`;
  }
  return sanitize(event.content);
}

const events = (n: number) => `${n} event${n === 1 ? "" : "s"}`;

/** What /who shows: who is in the chat now, in joining order, `me` marked. */
export function formatParticipants(
  present: readonly PresentParticipant[],
  me: string | undefined,
  { color = false } = {},
): string[] {
  return [
    `in the chat now (${present.length}):`,
    ...present.map(
      (p) =>
        `  ${paintName(p.name, color)}${p.participantId === me ? " (you)" : ""}, joined at logical time ${p.joinedLogicalTime}` +
        (p.streaming ? "" : ", away (back within the leave grace, or announced as left)"),
    ),
  ];
}

/** What /history shows: the events between a header and a footer, as the chat shows them. */
export function formatHistory(
  history: readonly ChatEventRecord[],
  { color = false } = {},
): string[] {
  if (history.length === 0) return ["--- the log is empty ---"];
  return [
    `--- the last ${events(history.length)} of the log ---`,
    ...history.map((e) => formatEvent(e, { color })),
    "--- end of the history ---",
  ];
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

/** Foreground colours names are drawn from: readable on dark and light backgrounds. */
const NAME_COLORS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96] as const;

/** The same colour for a name in every client and every run (FNV-1a of its UTF-8 bytes). */
export function nameColor(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return NAME_COLORS[hash % NAME_COLORS.length] as number;
}

/** A (sanitized) name, in its colour when `color` is on. */
export function paintName(name: string, color: boolean): string {
  const safe = sanitize(name);
  return color ? `\x1b[${nameColor(name)}m${safe}\x1b[39m` : safe;
}

export type ColorMode = "auto" | "always" | "never";

/**
 * Whether to colour names: `always` and `never` say so; `auto` colours a
 * terminal unless NO_COLOR is set to anything but "" (no-color.org).
 */
export function colorEnabled(
  mode: ColorMode,
  isTTY: boolean | undefined,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (mode !== "auto") return mode === "always";
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  return Boolean(isTTY) && !noColor;
}
