// Broadcast and BroadcastBatch written straight from stored events, without a
// proto object or protobufjs per event: replay sends every event of the log
// through here. The bytes are exactly what protobufjs writes for toBroadcast()
// (every field, defaults included, in field order); test/unit/broadcast-wire.test.ts
// holds the two side by side.
import type { LogEvent } from "../store/event-log.ts";

/** EventKind's wire numbers (see the .proto). */
const KIND_NUMBER: Record<LogEvent["kind"], number> = { join: 1, message: 2, leave: 3 };

/** Field tags: (field number << 3) | wire type (0 varint, 2 length-delimited). */
const TAG = {
  seq: 0x08,
  logicalTime: 0x10,
  kind: 0x18,
  participantId: 0x22,
  name: 0x2a,
  content: 0x32,
  sentAtMs: 0x38,
  replayed: 0x40,
  /** BroadcastBatch.events (field 1, length-delimited). */
  batchEvent: 0x0a,
} as const;

const TWO_32 = 2 ** 32;

/** Bytes of an unsigned varint below 2^53, or of a negative int64 (always 10). */
function varintSize(value: number): number {
  if (value < 0) return 10;
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) size += 1;
  return size;
}

/** Writes `value` as a varint (negative: 64-bit two's complement, as int64 does); returns the next offset. */
function writeVarint(out: Buffer, at: number, value: number): number {
  if (value >= 0 && value < 0x80000000) {
    let v = value;
    while (v >= 0x80) {
      out[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[at++] = v;
    return at;
  }
  let hi = Math.floor(value / TWO_32) >>> 0;
  let lo = (value - Math.floor(value / TWO_32) * TWO_32) >>> 0;
  while (hi !== 0) {
    out[at++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo >= 0x80) {
    out[at++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  out[at++] = lo;
  return at;
}

/**
 * Buffer's own string writers (Node and Bun have them; the typings do not
 * list them): `write(text, at, "latin1")` costs half again as much per call,
 * and replay calls it three times per event.
 */
interface StringWriters {
  latin1Write(text: string, offset: number, length: number): number;
  utf8Write(text: string, offset: number, length: number): number;
}

function writeString(out: Buffer, at: number, tag: number, text: string, bytes: number): number {
  out[at++] = tag;
  const start = writeVarint(out, at, bytes);
  const writers = out as unknown as StringWriters;
  // As many bytes as UTF-16 units: ASCII, where latin1 is the same bytes and quicker.
  if (bytes === text.length) return start + writers.latin1Write(text, start, bytes);
  return start + writers.utf8Write(text, start, bytes);
}

/**
 * Per event, the UTF-8 lengths of its three strings and of its Broadcast:
 * four slots from 4 × index, reused from page to page (encoding is synchronous).
 */
let sizes = new Int32Array(4 * 256);

function measure(event: LogEvent, slot: number): number {
  const participantId = Buffer.byteLength(event.participantId, "utf8");
  const name = Buffer.byteLength(event.name, "utf8");
  const content = Buffer.byteLength(event.content, "utf8");
  const body =
    1 +
    varintSize(event.seq) +
    1 +
    varintSize(event.logicalTime) +
    2 +
    (1 + varintSize(participantId) + participantId) +
    (1 + varintSize(name) + name) +
    (1 + varintSize(content) + content) +
    1 +
    varintSize(event.sentAtMs) +
    2;
  sizes[slot] = participantId;
  sizes[slot + 1] = name;
  sizes[slot + 2] = content;
  sizes[slot + 3] = body;
  return body;
}

function writeBody(
  out: Buffer,
  start: number,
  event: LogEvent,
  slot: number,
  replayed: boolean,
): number {
  let at = start;
  out[at++] = TAG.seq;
  at = writeVarint(out, at, event.seq);
  out[at++] = TAG.logicalTime;
  at = writeVarint(out, at, event.logicalTime);
  out[at++] = TAG.kind;
  out[at++] = KIND_NUMBER[event.kind];
  at = writeString(out, at, TAG.participantId, event.participantId, sizes[slot] as number);
  at = writeString(out, at, TAG.name, event.name, sizes[slot + 1] as number);
  at = writeString(out, at, TAG.content, event.content, sizes[slot + 2] as number);
  out[at++] = TAG.sentAtMs;
  at = writeVarint(out, at, event.sentAtMs);
  out[at++] = TAG.replayed;
  out[at++] = replayed ? 1 : 0;
  return at;
}

/** One event's Broadcast message. */
export function encodeBroadcast(event: LogEvent, replayed: boolean): Buffer {
  const out = Buffer.allocUnsafe(measure(event, 0));
  writeBody(out, 0, event, 0, replayed);
  return out;
}

/**
 * Consecutive events as BroadcastBatch messages of at most `maxBytes` each (a
 * single event bigger than that gets a message of its own), in order. Each
 * message is one buffer, written once.
 */
export function encodeBatches(
  events: readonly LogEvent[],
  replayed: boolean,
  maxBytes: number,
): Buffer[] {
  if (sizes.length < 4 * events.length) sizes = new Int32Array(4 * events.length);
  for (let i = 0; i < events.length; i += 1) measure(events[i] as LogEvent, 4 * i);
  const messages: Buffer[] = [];
  let from = 0;
  while (from < events.length) {
    let size = 0;
    let to = from;
    for (; to < events.length; to += 1) {
      const body = sizes[4 * to + 3] as number;
      const framed = 1 + varintSize(body) + body;
      if (size > 0 && size + framed > maxBytes) break;
      size += framed;
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = from; i < to; i += 1) {
      out[at++] = TAG.batchEvent;
      at = writeVarint(out, at, sizes[4 * i + 3] as number);
      at = writeBody(out, at, events[i] as LogEvent, 4 * i, replayed);
    }
    messages.push(out);
    from = to;
  }
  return messages;
}
