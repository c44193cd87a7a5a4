// Server reflection (@grpc/reflection), asked over both protocol versions by a
// real client loaded from the reflection .proto, as grpcurl would: the services
// are listed and ChitChat's file describes every RPC with its message types and
// the field names of the .proto, no .proto needed on the client's side.
import { afterEach, expect, test } from "bun:test";
import { loadChitChat } from "../../src/protocol/proto.ts";
import {
  type FileDescriptor,
  type ReflectionClient,
  type ReflectionVersion,
  reflectionClient,
} from "../support/grpc-std.ts";
import { Harness } from "../support/harness.ts";

const h = new Harness();
const clients: ReflectionClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await h.dispose();
});

const VERSIONS: ReflectionVersion[] = ["v1", "v1alpha"];

function find(files: FileDescriptor[], pkg: string): FileDescriptor {
  const file = files.find((f) => f.package === pkg);
  if (!file) throw new Error(`no file of package ${pkg} in ${files.map((f) => f.name)}`);
  return file;
}

for (const version of VERSIONS) {
  test(`${version}: list names ChitChat, the health service and reflection`, async () => {
    const server = await h.start();
    const reflection = reflectionClient(server.address, version);
    clients.push(reflection);
    expect(await reflection.listServices()).toEqual([
      "chitchat.v1.ChitChat",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
  });

  test(`${version}: describe chitchat.v1.ChitChat gives every RPC with its types and .proto field names`, async () => {
    const server = await h.start();
    const reflection = reflectionClient(server.address, version);
    clients.push(reflection);
    const chitchat = find(
      await reflection.fileContainingSymbol("chitchat.v1.ChitChat"),
      "chitchat.v1",
    );
    expect(chitchat.service.map((s) => s.name)).toEqual(["ChitChat"]);
    const methods = chitchat.service[0]?.method.map((m) => ({
      name: m.name,
      in: m.inputType,
      out: m.outputType,
      serverStreaming: m.serverStreaming ?? false,
    }));
    // Every RPC the server serves, in .proto order (read from the loaded .proto,
    // so a new RPC is expected here without editing the test)...
    const served = Object.entries(loadChitChat().ChitChat.service).map(([name, m]) => ({
      name,
      serverStreaming: m.responseStream,
    }));
    expect(methods?.map(({ name, serverStreaming }) => ({ name, serverStreaming }))).toEqual(
      served,
    );
    // ...with its message types.
    const byName = new Map(methods?.map((m) => [m.name, [m.in, m.out]]));
    expect([byName.get("Join"), byName.get("SubscribeBatches")]).toEqual([
      [".chitchat.v1.JoinRequest", ".chitchat.v1.JoinAck"],
      [".chitchat.v1.SubscribeRequest", ".chitchat.v1.BroadcastBatch"],
    ]);
    // Every message a method names is described in the same answer.
    const messages = chitchat.messageType.map((m) => `.chitchat.v1.${m.name}`);
    for (const method of methods ?? []) {
      expect(messages).toContain(method.in);
      expect(messages).toContain(method.out);
    }
    const joinAck = chitchat.messageType.find((m) => m.name === "JoinAck");
    expect(joinAck?.field.map((f) => [f.name, f.number])).toEqual([
      ["participant_id", 1],
      ["name", 2],
      ["logical_time", 3],
      ["seq", 4],
      ["session_token", 5],
      ["log_id", 6],
    ]);
  });

  test(`${version}: the health service is described, and an unknown symbol is NOT_FOUND`, async () => {
    const server = await h.start();
    const reflection = reflectionClient(server.address, version);
    clients.push(reflection);
    const health = find(
      await reflection.fileContainingSymbol("grpc.health.v1.Health"),
      "grpc.health.v1",
    );
    expect(health.service[0]?.method.map((m) => m.name).sort()).toEqual(["Check", "List", "Watch"]);
    const answer = await reflection.ask({ file_containing_symbol: "chitchat.v1.Nope" });
    expect(answer.error_response).toEqual({
      error_code: 5,
      error_message: "Symbol not found: chitchat.v1.Nope",
    });
  });
}
