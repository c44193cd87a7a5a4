// The bare grpc-js baseline: the same service and .proto as ChitChat, with no
// clock, no store and no checks. Publish writes the Broadcast to every open
// Subscribe stream (grpc-js encodes it for each one) and acks at once;
// PublishStream does the same per message and answers with a PublishResult: it
// is the bare bidirectional-stream baseline ("store off") for ChitChat's.
// `bun bench/baselines/grpc-fanout-server.ts --port 0` logs `listening address=…`.
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import {
  type Broadcast,
  type ChitChatHandlers,
  loadChitChat,
  type PublishRequest__Output,
} from "../../src/protocol/proto.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

const streams = new Set<grpc.ServerWritableStream<unknown, Broadcast>>();
const names = new Map<string, string>();
let seq = 0;

// One message per event on purpose: the baseline is grpc-js as a user would
// use it, without ChitChat's SubscribeBatches (whose clients get UNIMPLEMENTED).
function publishOne(participantId: string, content: string): number {
  seq += 1;
  const broadcast: Broadcast = {
    seq,
    logicalTime: seq,
    kind: "EVENT_KIND_MESSAGE",
    participantId,
    name: names.get(participantId) ?? "",
    content,
    sentAtMs: Date.now(),
    replayed: false,
  };
  for (const stream of streams) stream.write(broadcast);
  return seq;
}

const handlers: Pick<
  ChitChatHandlers,
  "Join" | "Subscribe" | "Publish" | "PublishStream" | "Leave"
> = {
  Join(call, callback) {
    seq += 1;
    const participantId = `p${seq}`;
    names.set(participantId, call.request.name);
    callback(null, {
      participantId,
      name: call.request.name,
      logicalTime: seq,
      seq,
      sessionToken: "bare",
      logId: "bare",
    });
  },
  Subscribe(call) {
    call.sendMetadata(new grpc.Metadata());
    streams.add(call);
    const drop = () => streams.delete(call);
    call.on("cancelled", drop);
    call.on("close", drop);
  },
  Publish(call, callback) {
    const at = publishOne(call.request.participantId, call.request.content);
    callback(null, { logicalTime: at, seq: at });
  },
  PublishStream(call) {
    let participantId = "";
    call.on("data", (request: PublishRequest__Output) => {
      participantId ||= request.participantId;
      const at = publishOne(participantId, request.content);
      call.write({ messageId: request.messageId, ack: { logicalTime: at, seq: at }, code: 0 });
    });
    call.on("end", () => call.end());
    call.on("error", () => {});
  },
  Leave(_call, callback) {
    seq += 1;
    callback(null, { logicalTime: seq, seq });
  },
};

const server = new grpc.Server();
server.addService(loadChitChat().ChitChat.service, handlers as grpc.UntypedServiceImplementation);
server.bindAsync(
  `127.0.0.1:${values.port}`,
  grpc.ServerCredentials.createInsecure(),
  (error, port) => {
    if (error) {
      console.error(`bare grpc server: ${error.message}`);
      process.exit(1);
    }
    console.log(`listening address=127.0.0.1:${port}`);
  },
);
const stop = () => {
  server.forceShutdown();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
