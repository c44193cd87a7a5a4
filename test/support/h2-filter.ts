// Losing a gRPC message on the wire: a filter for the server→client bytes of a
// TcpProxy that parses HTTP/2 frames and removes chosen gRPC messages from
// DATA frames, leaving the connection and the stream intact. What a subscriber
// then sees is a stream that silently skipped an event.
import type { ByteFilter } from "./tcp-proxy.ts";

const FRAME_HEADER = 9;
const DATA = 0x0;
const END_STREAM = 0x1;
const PADDED = 0x8;
/** A gRPC message on the wire: 1 byte compressed flag, 4 bytes length, then the message. */
const GRPC_PREFIX = 5;

/** The gRPC messages a DATA payload holds, if it holds exactly whole ones. */
function wholeMessages(payload: Buffer): Buffer[] | undefined {
  const messages: Buffer[] = [];
  let at = 0;
  while (at < payload.length) {
    if (payload.length - at < GRPC_PREFIX || payload[at] !== 0) return undefined;
    const end = at + GRPC_PREFIX + payload.readUInt32BE(at + 1);
    if (end > payload.length) return undefined;
    messages.push(payload.subarray(at + GRPC_PREFIX, end));
    at = end;
  }
  return messages;
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(FRAME_HEADER);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/**
 * A filter (one per connection) that drops every gRPC message for which
 * `drop(messageBytes)` returns true, when the message sits whole in one DATA
 * frame (as small messages do). A frame left empty is dropped unless it ends
 * the stream. Complete frames pass through at once; a partial one waits for
 * its rest.
 */
export function dropGrpcMessages(drop: (message: Buffer) => boolean): ByteFilter {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const out: Buffer[] = [];
    let at = 0;
    while (pending.length - at >= FRAME_HEADER) {
      const length = pending.readUIntBE(at, 3);
      const end = at + FRAME_HEADER + length;
      if (end > pending.length) break;
      const type = pending[at + 3] as number;
      const flags = pending[at + 4] as number;
      const whole = pending.subarray(at, end);
      const messages =
        type === DATA && (flags & PADDED) === 0
          ? wholeMessages(pending.subarray(at + FRAME_HEADER, end))
          : undefined;
      const kept = messages?.filter((m) => !drop(m));
      if (!messages || !kept || kept.length === messages.length) {
        out.push(whole);
      } else if (kept.length > 0 || (flags & END_STREAM) !== 0) {
        const payload = Buffer.concat(
          kept.map((m) => {
            const prefix = Buffer.alloc(GRPC_PREFIX);
            prefix.writeUInt32BE(m.length, 1);
            return Buffer.concat([prefix, m]);
          }),
        );
        out.push(frame(type, flags, pending.readUInt32BE(at + 5) & 0x7fffffff, payload));
      }
      at = end;
    }
    pending = pending.subarray(at);
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  };
}
