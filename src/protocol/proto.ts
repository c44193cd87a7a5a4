import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ProtoGrpcType } from "./generated/chitchat.ts";

/** Folder holding the .proto tree (the include dir for loaders and codegen). */
export const PROTO_DIR = fileURLToPath(new URL("../../proto", import.meta.url));
/** The contract, relative to PROTO_DIR. */
export const PROTO_FILE = "chitchat/v1/chitchat.proto";

/**
 * The options every loader of the contract uses. `scripts/gen-proto.ts` passes
 * the same ones to proto-loader-gen-types, so the generated types describe
 * exactly what loadSync produces.
 */
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
} satisfies protoLoader.Options;

export type ChitChatPackage = ProtoGrpcType["chitchat"]["v1"];

let cached: ChitChatPackage | undefined;

/** Loads `chitchat.v1` once per process. */
export function loadChitChat(): ChitChatPackage {
  if (!cached) {
    const definition = protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
    cached = loaded.chitchat.v1;
  }
  return cached;
}

export type { Broadcast, Broadcast__Output } from "./generated/chitchat/v1/Broadcast.ts";
export type {
  BroadcastBatch,
  BroadcastBatch__Output,
} from "./generated/chitchat/v1/BroadcastBatch.ts";
export type { ChitChatClient, ChitChatHandlers } from "./generated/chitchat/v1/ChitChat.ts";
export type { EventKind__Output } from "./generated/chitchat/v1/EventKind.ts";
export type { HistoryReply, HistoryReply__Output } from "./generated/chitchat/v1/HistoryReply.ts";
export type {
  HistoryRequest,
  HistoryRequest__Output,
} from "./generated/chitchat/v1/HistoryRequest.ts";
export type { JoinAck, JoinAck__Output } from "./generated/chitchat/v1/JoinAck.ts";
export type { JoinRequest, JoinRequest__Output } from "./generated/chitchat/v1/JoinRequest.ts";
export type { LeaveAck, LeaveAck__Output } from "./generated/chitchat/v1/LeaveAck.ts";
export type { LeaveRequest, LeaveRequest__Output } from "./generated/chitchat/v1/LeaveRequest.ts";
export type {
  ListParticipantsReply,
  ListParticipantsReply__Output,
} from "./generated/chitchat/v1/ListParticipantsReply.ts";
export type {
  ListParticipantsRequest,
  ListParticipantsRequest__Output,
} from "./generated/chitchat/v1/ListParticipantsRequest.ts";
export type {
  PresentParticipant,
  PresentParticipant__Output,
} from "./generated/chitchat/v1/PresentParticipant.ts";
export type { PublishAck, PublishAck__Output } from "./generated/chitchat/v1/PublishAck.ts";
export type {
  PublishRequest,
  PublishRequest__Output,
} from "./generated/chitchat/v1/PublishRequest.ts";
export type {
  PublishResult,
  PublishResult__Output,
} from "./generated/chitchat/v1/PublishResult.ts";
export type {
  SubscribeRequest,
  SubscribeRequest__Output,
} from "./generated/chitchat/v1/SubscribeRequest.ts";
