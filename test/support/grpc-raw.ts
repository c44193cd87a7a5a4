// Calls with hand-built request bytes, for what the generated client refuses to send.
import type * as grpc from "@grpc/grpc-js";
import type { TestClient } from "./grpc-client.ts";

/** A raw unary call with hand-built request bytes; resolves with the raw response bytes. */
export function rawUnary(
  client: TestClient,
  method: "Join" | "Publish" | "Leave" | "Subscribe",
  body: Buffer,
  metadata: grpc.Metadata,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.raw.makeUnaryRequest(
      `/chitchat.v1.ChitChat/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      (error, response) => {
        if (error) reject(error);
        else resolve(response as Buffer);
      },
    );
  });
}

/** A length-delimited protobuf field (wire type 2) with a one-byte length. */
export function lengthDelimited(field: number, bytes: Uint8Array | string): Buffer {
  const body = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
  if (body.length > 127) throw new Error("lengthDelimited: keep test fields under 128 bytes");
  return Buffer.concat([Buffer.from([(field << 3) | 2, body.length]), body]);
}

/** A raw Subscribe with hand-built request bytes; resolves with the stream's final status. */
export function rawSubscribe(
  client: TestClient,
  body: Buffer,
  metadata: grpc.Metadata,
): Promise<{ status: grpc.StatusObject; messages: number }> {
  return new Promise((resolve) => {
    const call = client.raw.makeServerStreamRequest(
      "/chitchat.v1.ChitChat/Subscribe",
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
    );
    let messages = 0;
    call.on("data", () => {
      messages += 1;
    });
    call.on("error", () => {});
    call.on("status", (status) => resolve({ status, messages }));
  });
}
