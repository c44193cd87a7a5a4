// The page's session in sessionStorage, so a reload takes it up again without
// a new JOIN: the session (token, cursor, clock) and the recent transcript.
import type { SavedSession } from "../../client/chat-session.ts";
import type { ChatEventRecord } from "../../protocol/events.ts";

const KEY = "chitchat.session";
/** Transcript lines kept across a reload. */
export const KEEP_EVENTS = 500;

export interface Stored {
  saved: SavedSession;
  events: ChatEventRecord[];
}

export function load(): Stored | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as Stored;
    return stored.saved?.sessionToken && Array.isArray(stored.events) ? stored : undefined;
  } catch {
    return undefined;
  }
}

export function save(saved: SavedSession, events: readonly ChatEventRecord[]): void {
  sessionStorage.setItem(KEY, JSON.stringify({ saved, events: events.slice(-KEEP_EVENTS) }));
}

export function clear(): void {
  sessionStorage.removeItem(KEY);
}
