/** Limits of the contract (see chitchat.proto). */
export const MAX_MESSAGE_CHARS = 128;
export const MAX_NAME_CHARS = 32;
export const MAX_MESSAGE_ID_CHARS = 64;

export type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

// C0 and C1 control characters; in a message they could rewrite other people's terminals.
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_TAB = /(?!\t)\p{Cc}/u;
// Bidirectional overrides and invisible marks let a name pose as another ("\u202eoB").
const BIDI_CONTROL = /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
// A lone surrogate cannot come from valid UTF-8; it means the text was not real Unicode.
const LONE_SURROGATE = /\p{Cs}/u;

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** Checks a display name and returns it trimmed. */
export function checkName(raw: string): Check<string> {
  const name = raw.trim();
  if (name.length === 0) return { ok: false, reason: "name must not be empty" };
  if (CONTROL.test(name)) return { ok: false, reason: "name must not contain control characters" };
  if (BIDI_CONTROL.test(name)) {
    return { ok: false, reason: "name must not contain invisible or text-direction characters" };
  }
  if (LONE_SURROGATE.test(name)) return { ok: false, reason: "name must be valid Unicode" };
  const n = codePoints(name);
  if (n > MAX_NAME_CHARS) {
    return { ok: false, reason: `name must be at most ${MAX_NAME_CHARS} characters (got ${n})` };
  }
  return { ok: true, value: name };
}

/** Checks a chat message; the message is kept exactly as given. */
export function checkMessage(content: string): Check<string> {
  if (content.length === 0) return { ok: false, reason: "message must not be empty" };
  if (content.trim().length === 0)
    return { ok: false, reason: "message must not be only whitespace" };
  if (CONTROL_BUT_TAB.test(content)) {
    return { ok: false, reason: "message must not contain control characters (such as newlines)" };
  }
  if (LONE_SURROGATE.test(content)) return { ok: false, reason: "message must be valid Unicode" };
  const n = codePoints(content);
  if (n > MAX_MESSAGE_CHARS) {
    return {
      ok: false,
      reason: `message must be at most ${MAX_MESSAGE_CHARS} characters (got ${n})`,
    };
  }
  return { ok: true, value: content };
}

/** Checks an optional client-chosen message id ("" means none). */
export function checkMessageId(id: string): Check<string> {
  if (id.length > MAX_MESSAGE_ID_CHARS) {
    return { ok: false, reason: `message_id must be at most ${MAX_MESSAGE_ID_CHARS} characters` };
  }
  if (CONTROL.test(id))
    return { ok: false, reason: "message_id must not contain control characters" };
  return { ok: true, value: id };
}
