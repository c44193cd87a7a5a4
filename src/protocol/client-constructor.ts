// The ChitChat client class subscribers use: the generated one, except that
// SubscribeBatches messages are read by decodeBroadcastBatch instead of
// protobufjs (the same objects, a fraction of the work: replay sends every
// event of the log through it).
import * as grpc from "@grpc/grpc-js";
import { decodeBroadcastBatch } from "./broadcast-batch-decode.ts";
import { type ChitChatPackage, loadChitChat } from "./proto.ts";

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
