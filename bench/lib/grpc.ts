// The gRPC client every bench worker uses: the project's generated client over
// the same .proto, so ChitChat and the bare baseline see identical callers.
import * as grpc from "@grpc/grpc-js";
import { callMetadata } from "../../src/client/unary.ts";
import {
  chitChatClientConstructor,
  RECEIVE_WINDOW_BYTES,
} from "../../src/protocol/client-constructor.ts";
import type { ChitChatClient, JoinAck__Output } from "../../src/protocol/proto.ts";

export interface ConnectionOptions {
  /**
   * The HTTP/2 receive window to ask for (undefined: grpc-js's 64 KiB). The
   * bench's subscribers ask for the ChitChat client's, RECEIVE_WINDOW_BYTES,
   * on both targets alike; tests keep the default, so a stalled test client
   * fills its window (and reaches the server's bounds) with little traffic.
   */
  receiveWindowBytes?: number;
}

/** The window a ChitChat subscriber asks for (src/client/grpc-transport.ts). */
export const SUBSCRIBER_CONNECTION: ConnectionOptions = {
  receiveWindowBytes: RECEIVE_WINDOW_BYTES,
};

/**
 * A client with its own connection. grpc-js would otherwise put every client
 * for one address on one shared HTTP/2 connection, which is not what a
 * thousand real subscribers (each its own process) look like to a server.
 */
export function ownConnection(
  address: string,
  { receiveWindowBytes }: ConnectionOptions = {},
): ChitChatClient {
  // ChitChat's own client class: its SubscribeBatches decoder is the product's.
  // The bare baseline serves Subscribe only, which this class reads with
  // protobufjs as the generated client does, so both sides read alike there.
  const Ctor = chitChatClientConstructor();
  return new Ctor(address, grpc.credentials.createInsecure(), {
    "grpc.use_local_subchannel_pool": 1,
    "grpc.max_receive_message_length": 4 * 1024 * 1024,
    ...(receiveWindowBytes ? { "grpc-node.flow_control_window": receiveWindowBytes } : {}),
  });
}

/** A participant a worker joined, with the metadata its calls need. */
export interface Member {
  client: ChitChatClient;
  ack: JoinAck__Output;
  metadata: grpc.Metadata;
}

export function join(client: ChitChatClient, name: string): Promise<Member> {
  return new Promise((resolve, reject) => {
    client.Join({ name, logicalTime: 0 }, (error, ack) => {
      if (error || !ack) reject(error ?? new Error("empty JoinAck"));
      else resolve({ client, ack, metadata: callMetadata(ack.sessionToken) });
    });
  });
}

/** Runs `task(i)` for i = 0 … count - 1, at most `limit` at a time. */
export async function inBatches<T>(
  count: number,
  limit: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return results;
}
