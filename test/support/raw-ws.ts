// A WebSocket client over a bare TCP socket, so a test can stop reading
// (socket.pause()) the way a stalled browser tab does. Text frames only.
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import type { ServerFrame } from "../../src/protocol/ws-frames.ts";

export interface RawSocket {
  readonly socket: Socket;
  /** Every frame received so far, in order. */
  readonly frames: ServerFrame[];
  send(frame: object): void;
  close(): void;
}

/** Masks and frames one text message (RFC 6455 section 5.2). */
function encode(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([0x81, 0x80 | n])
      : Buffer.from([0x81, 0x80 | 126, (n >> 8) & 0xff, n & 0xff]);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([head, mask, body]);
}

/** Connects to ws://host:port/ws and resolves after the 101 answer. */
export function openRawSocket(httpUrl: string): Promise<RawSocket> {
  const { hostname, port } = new URL(httpUrl);
  const socket = connect({ host: hostname, port: Number(port) });
  const frames: ServerFrame[] = [];
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  let text: Buffer[] = [];
  return new Promise((resolve, reject) => {
    socket.on("error", reject);
    socket.on("connect", () => {
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        if (!head.startsWith("HTTP/1.1 101")) {
          reject(new Error(`no upgrade: ${head}`));
          return;
        }
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        resolve({
          socket,
          frames,
          send: (frame) => socket.write(encode(JSON.stringify(frame))),
          close: () => socket.destroy(),
        });
      }
      // Server frames are unmasked; lengths up to 2^53 in the 64-bit form.
      for (;;) {
        if (buffer.length < 2) return;
        const b0 = buffer[0] as number;
        let n = (buffer[1] as number) & 0x7f;
        let offset = 2;
        if (n === 126) {
          if (buffer.length < 4) return;
          n = buffer.readUInt16BE(2);
          offset = 4;
        } else if (n === 127) {
          if (buffer.length < 10) return;
          n = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + n) return;
        const payload = buffer.subarray(offset, offset + n);
        buffer = buffer.subarray(offset + n);
        const opcode = b0 & 0x0f;
        if (opcode === 0x1 || opcode === 0x0) {
          text.push(Buffer.from(payload));
          if (b0 & 0x80) {
            frames.push(JSON.parse(Buffer.concat(text).toString()));
            text = [];
          }
        }
      }
    });
  });
}
