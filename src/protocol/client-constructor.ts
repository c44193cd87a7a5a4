// The ChitChat client class subscribers use: the generated one, except that
// SubscribeBatches messages are read by decodeBroadcastBatch instead of
// protobufjs (the same objects, a fraction of the work: replay sends every
// event of the log through it).
import * as grpc from "@grpc/grpc-js";
import { decodeBroadcastBatch } from "./broadcast-batch-decode.ts";
import { type ChitChatPackage, loadChitChat } from "./proto.ts";

/**
 * The HTTP/2 receive window a subscriber's channel asks for
 * (grpc-node.flow_control_window; Bun's server honours the SETTINGS). grpc-js's
 * default, 64 KiB, holds about two pages of a replay: the server then waits for
 * the subscriber's WINDOW_UPDATE after every couple of pages.
 */
export const RECEIVE_WINDOW_BYTES = 1024 * 1024;

type ChitChatConstructor = ChitChatPackage["ChitChat"];

let cached: ChitChatConstructor | undefined;

/** The generated ChitChat client class with the hand-written BroadcastBatch decoder. */
export function chitChatClientConstructor(): ChitChatConstructor {
  if (!cached) {
    const generated = loadChitChat().ChitChat;
    const method = generated.service.SubscribeBatches;
    if (!method) throw new Error("the service has no SubscribeBatches method");
    const service: grpc.ServiceDefinition = {
      ...generated.service,
      SubscribeBatches: { ...method, responseDeserialize: decodeBroadcastBatch },
    };
    cached = grpc.makeClientConstructor(service, "ChitChat") as unknown as ChitChatConstructor;
  }
  return cached;
}
