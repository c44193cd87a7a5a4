// Calls with hand-built request bytes, for what the generated client refuses to send.
import type * as grpc from "@grpc/grpc-js";
import type { TestClient } from "./grpc-client.ts";

export interface RawCallOptions {
  /** Fails the call with DEADLINE_EXCEEDED after this long, so a hang shows as a status. */
  deadlineMs?: number;
}

const callOptions = ({ deadlineMs }: RawCallOptions): grpc.CallOptions =>
  deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };

/** A raw unary call with hand-built request bytes; resolves with the raw response bytes. */
export function rawUnary(
  client: TestClient,
  method: "Join" | "Publish" | "Leave" | "Subscribe" | "ListParticipants" | "History",
  body: Buffer,
  metadata: grpc.Metadata,
  options: RawCallOptions = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.raw.makeUnaryRequest(
      `/chitchat.v1.ChitChat/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      callOptions(options),
      (error, response) => {
        if (error) reject(error);
        else resolve(response as Buffer);
      },
    );
  });
}

/** A protobuf varint. */
function varint(value: bigint): Buffer {
  const out: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

/** A length-delimited protobuf field (wire type 2): a string or bytes of any length. */
export function lengthDelimited(field: number, bytes: Uint8Array | string): Buffer {
  const body = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
  return Buffer.concat([varint(BigInt((field << 3) | 2)), varint(BigInt(body.length)), body]);
}

/** A varint protobuf field (wire type 0), such as a uint64. */
export function varintField(field: number, value: bigint): Buffer {
  return Buffer.concat([varint(BigInt(field << 3)), varint(value)]);
}

/** A raw Subscribe with hand-built request bytes; resolves with the stream's final status. */
export function rawSubscribe(
  client: TestClient,
  body: Buffer,
  metadata: grpc.Metadata,
  options: RawCallOptions & { method?: "Subscribe" | "SubscribeBatches" } = {},
): Promise<{ status: grpc.StatusObject; messages: number }> {
  return new Promise((resolve) => {
    const call = client.raw.makeServerStreamRequest(
      `/chitchat.v1.ChitChat/${options.method ?? "Subscribe"}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      callOptions(options),
    );
    let messages = 0;
    call.on("data", () => {
      messages += 1;
    });
    call.on("error", () => {});
    call.on("status", (status) => resolve({ status, messages }));
  });
}
