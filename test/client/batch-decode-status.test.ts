// The subscribers' client class (src/protocol/client-constructor.ts) over a real
// gRPC connection: well-formed batches arrive as objects, and a message its
// decoder cannot read ends the call with INTERNAL, as protobufjs's did.
import { afterEach, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { chitChatClientConstructor } from "../../src/protocol/client-constructor.ts";
import { type BroadcastBatch__Output, loadChitChat } from "../../src/protocol/proto.ts";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A real grpc-js server whose SubscribeBatches writes `messages` as raw bytes, then ends. */
async function serverWriting(messages: Buffer[]): Promise<string> {
  const { service } = loadChitChat().ChitChat;
  const method = service.SubscribeBatches;
  const raw = { ...method, responseSerialize: (value: Buffer) => value };
  const server = new grpc.Server();
  server.addService({ SubscribeBatches: raw } as grpc.ServiceDefinition, {
    SubscribeBatches: (call: grpc.ServerWritableStream<unknown, Buffer>) => {
      for (const m of messages) call.write(m);
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  cleanup.push(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
}

function read(
  address: string,
): Promise<{ batches: BroadcastBatch__Output[]; status: grpc.StatusObject }> {
  const Client = chitChatClientConstructor();
  const client = new Client(address, grpc.credentials.createInsecure());
  cleanup.push(() => client.close());
  const call = client.SubscribeBatches({ participantId: "p", since: 0 });
  const batches: BroadcastBatch__Output[] = [];
  call.on("data", (b: BroadcastBatch__Output) => batches.push(b));
  call.on("error", () => {});
  return new Promise((resolve) => call.on("status", (status) => resolve({ batches, status })));
}

const serialize = loadChitChat().ChitChat.service.SubscribeBatches.responseSerialize as (
  value: unknown,
) => Buffer;
const event = {
  seq: 3,
  logicalTime: 5,
  kind: "EVENT_KIND_MESSAGE",
  participantId: "p",
  name: "Bo",
  content: "hej",
  sentAtMs: 1_764_000_000_000,
  replayed: true,
};

test("well-formed batches arrive as the generated client's objects", async () => {
  const address = await serverWriting([serialize({ events: [event] }), serialize({ events: [] })]);
  const { batches, status } = await read(address);
  expect(status.code).toBe(grpc.status.OK);
  expect(batches).toEqual([{ events: [event] }, { events: [] }] as never);
});

test("a batch the decoder cannot read ends the call with INTERNAL", async () => {
  // An event longer than the message that holds it.
  const address = await serverWriting([
    serialize({ events: [event] }),
    Buffer.from([0x0a, 0x05, 0x08]),
  ]);
  const { batches, status } = await read(address);
  expect(batches).toEqual([{ events: [event] }] as never);
  expect(status.code).toBe(grpc.status.INTERNAL);
});
