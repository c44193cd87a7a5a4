// BroadcastBatch read straight from the wire into the objects the generated
// client hands out (Broadcast__Output under LOADER_OPTIONS: longs as numbers,
// enums as names, every field present), without protobufjs's message objects,
// Long values and toObject pass: a replaying subscriber reads every event of
// the log through here. The mirror of src/server/broadcast-wire.ts. It reads
// as protobufjs 7's BufferReader does, quirks included (see readUint32,
// readLong, readString), so it accepts and rejects the same bytes;
// test/unit/broadcast-batch-decode.test.ts holds the two side by side, on
// real messages and on damaged ones.
import type { Broadcast__Output, BroadcastBatch__Output } from "./proto.ts";

/** EventKind's names by wire number (the .proto); other numbers stay numbers, as protobufjs leaves them. */
const KIND_NAME: readonly Broadcast__Output["kind"][] = [
  "EVENT_KIND_UNSPECIFIED",
  "EVENT_KIND_JOIN",
  "EVENT_KIND_MESSAGE",
  "EVENT_KIND_LEAVE",
  "EVENT_KIND_HEARTBEAT",
];

/** protobufjs's nesting limit (util.recursionLimit, protoc's default). */
const RECURSION_LIMIT = 100;
const TWO_32 = 4294967296;

/**
 * Buffer's own string reader (Node and Bun have it; the typings do not list
 * it), which protobufjs's BufferReader uses too.
 */
interface StringReaders {
  utf8Slice(start: number, end: number): string;
}

const NOTHING = Buffer.alloc(0);
/** A read position and the end it may not pass (a nested message's end while inside it). */
let buf: Buffer = NOTHING;
let pos = 0;
let len = 0;
/** The two halves of the last readLong(). */
let lo = 0;
let hi = 0;

function outOfRange(length = 1): RangeError {
  return new RangeError(`index out of range: ${pos} + ${length} > ${len}`);
}

/** protobufjs's Reader.uint32: up to 5 bytes; a longer varint skips 5 more unchecked. */
function readUint32(): number {
  if (len - pos < 5) {
    if (pos >= len) throw outOfRange();
    if ((buf[pos] as number) >= 128) {
      let value = 0;
      for (let i = 0; i < 4; i += 1) {
        if (pos >= len) throw outOfRange();
        const b = buf[pos++] as number;
        value = (value | ((b & 127) << (i * 7))) >>> 0;
        if (b < 128) return value;
      }
      throw outOfRange();
    }
  }
  let b = buf[pos++] as number;
  let value = b & 127;
  if (b < 128) return value;
  b = buf[pos++] as number;
  value = (value | ((b & 127) << 7)) >>> 0;
  if (b < 128) return value;
  b = buf[pos++] as number;
  value = (value | ((b & 127) << 14)) >>> 0;
  if (b < 128) return value;
  b = buf[pos++] as number;
  value = (value | ((b & 127) << 21)) >>> 0;
  if (b < 128) return value;
  b = buf[pos++] as number;
  value = (value | ((b & 15) << 28)) >>> 0;
  if (b < 128) return value;
  pos += 5;
  if (pos > len) {
    pos = len;
    throw outOfRange(10);
  }
  return value;
}

/** protobufjs's readLongVarint, into `lo` and `hi` (near the end it stops after 4 bytes, as protobufjs does). */
function readLong(): void {
  lo = 0;
  hi = 0;
  let i = 0;
  if (len - pos > 4) {
    for (; i < 4; i += 1) {
      const b = buf[pos++] as number;
      lo = (lo | ((b & 127) << (i * 7))) >>> 0;
      if (b < 128) return;
    }
    const b = buf[pos++] as number;
    lo = (lo | ((b & 127) << 28)) >>> 0;
    hi = (hi | ((b & 127) >> 4)) >>> 0;
    if (b < 128) return;
    i = 0;
  } else {
    for (; i < 3; i += 1) {
      if (pos >= len) throw outOfRange();
      const b = buf[pos++] as number;
      lo = (lo | ((b & 127) << (i * 7))) >>> 0;
      if (b < 128) return;
    }
    lo = (lo | (((buf[pos++] as number) & 127) << (i * 7))) >>> 0;
    return;
  }
  if (len - pos > 4) {
    for (; i < 5; i += 1) {
      const b = buf[pos++] as number;
      hi = (hi | ((b & 127) << (i * 7 + 3))) >>> 0;
      if (b < 128) return;
    }
  } else {
    for (; i < 5; i += 1) {
      if (pos >= len) throw outOfRange();
      const b = buf[pos++] as number;
      hi = (hi | ((b & 127) << (i * 7 + 3))) >>> 0;
      if (b < 128) return;
    }
  }
  throw new Error("invalid varint encoding");
}

/** uint64 as a number, as protobufjs's LongBits.toNumber(true) rounds it. */
function readUint64(): number {
  readLong();
  return lo + hi * TWO_32;
}

/** int64 as a number, as protobufjs's LongBits.toNumber() rounds it. */
function readInt64(): number {
  readLong();
  if (hi >>> 31) {
    const l = (~lo + 1) >>> 0;
    let h = ~hi >>> 0;
    if (!l) h = (h + 1) >>> 0;
    return -(l + h * TWO_32);
  }
  return lo + hi * TWO_32;
}

/** BufferReader.string: a length past the end is cut at the end, not refused (as protobufjs does). */
function readString(): string {
  const length = readUint32();
  const start = pos;
  pos = Math.min(pos + length, len);
  return (buf as unknown as StringReaders).utf8Slice(start, pos);
}

function skip(length: number): void {
  if (pos + length > len) throw outOfRange(length);
  pos += length;
}

function skipType(wireType: number, depth: number): void {
  if (depth > RECURSION_LIMIT) throw new Error("maximum nesting depth exceeded");
  switch (wireType) {
    case 0:
      do {
        if (pos >= len) throw outOfRange();
      } while ((buf[pos++] as number) & 128);
      return;
    case 1:
      skip(8);
      return;
    case 2:
      skip(readUint32());
      return;
    case 3:
      for (let w = readUint32() & 7; w !== 4; w = readUint32() & 7) skipType(w, depth + 1);
      return;
    case 5:
      skip(4);
      return;
    default:
      throw new Error(`invalid wire type ${wireType} at offset ${pos}`);
  }
}

/** One Broadcast of `length` bytes at pos (as protobufjs decodes a nested message, then toObject with defaults). */
function readBroadcast(length: number): Broadcast__Output {
  const end = pos + length;
  if (end > len) throw new RangeError("index out of range");
  const outer = len;
  len = end;
  const event: Broadcast__Output = {
    seq: 0,
    logicalTime: 0,
    kind: "EVENT_KIND_UNSPECIFIED",
    participantId: "",
    name: "",
    content: "",
    sentAtMs: 0,
    replayed: false,
  };
  while (pos < end) {
    const tag = readUint32();
    switch (tag >>> 3) {
      case 1:
        event.seq = readUint64();
        break;
      case 2:
        event.logicalTime = readUint64();
        break;
      case 3: {
        const kind = readUint32() | 0;
        event.kind = KIND_NAME[kind] ?? (kind as unknown as Broadcast__Output["kind"]);
        break;
      }
      case 4:
        event.participantId = readString();
        break;
      case 5:
        event.name = readString();
        break;
      case 6:
        event.content = readString();
        break;
      case 7:
        event.sentAtMs = readInt64();
        break;
      case 8:
        event.replayed = readUint32() !== 0;
        break;
      default:
        skipType(tag & 7, 1);
    }
  }
  if (pos !== end) throw new RangeError("index out of range");
  len = outer;
  return event;
}

/**
 * Decodes a BroadcastBatch into exactly what the generated client's
 * deserializer returns; throws on the bytes protobufjs throws on (grpc-js then
 * ends the call with INTERNAL).
 */
export function decodeBroadcastBatch(bytes: Buffer): BroadcastBatch__Output {
  buf = bytes;
  pos = 0;
  len = bytes.length;
  const events: Broadcast__Output[] = [];
  try {
    while (pos < len) {
      const tag = readUint32();
      if (tag >>> 3 === 1) events.push(readBroadcast(readUint32()));
      else skipType(tag & 7, 0);
    }
  } finally {
    // Keep no reference to the message between calls.
    buf = NOTHING;
  }
  return { events };
}
