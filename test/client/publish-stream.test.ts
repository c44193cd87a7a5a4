// The client's PublishStream machinery against real servers: the session
// publishes through it, falls back to Publish on a server without it, and its
// errors are the unary path's errors (so retries and hints work the same).
import { afterEach, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { retryAfterMs } from "../../src/client/grpc-status.ts";
import { createPublishStream } from "../../src/client/publish-stream.ts";
import { loadChitChat } from "../../src/protocol/proto.ts";
import { passEncodedBroadcasts } from "../../src/server/broadcast-bytes.ts";
import { createHub } from "../../src/server/hub.ts";
import { silentLogger } from "../../src/server/logger.ts";
import { createMetrics } from "../../src/server/metrics.ts";
import { createChatService } from "../../src/server/service.ts";
import { guardService } from "../../src/server/wire-guard.ts";
import { openEventLog } from "../../src/store/open.ts";
import { wholeLog } from "../support/events.ts";
import { grpcError } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { rejection } from "../support/rejection.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await h.dispose();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function publishCounts(metrics: { text(): Promise<string> }) {
  const text = await metrics.text();
  const read = (rpc: string) =>
    Number(
      text
        .split("\n")
        .find((l) => l.startsWith(`chitchat_publish_requests_total{rpc="${rpc}"} `))
        ?.split(" ")[1] ?? Number.NaN,
    );
  return { unary: read("Publish"), stream: read("PublishStream") };
}

test("a session publishes through PublishStream; its messages are stored once, in order", async () => {
  const server = await h.start();
  const { session, events } = h.session(server.address, "Ann");
  await session.join();
  const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => session.publish(`m ${i}`)));
  expect(acks.map((a) => a.seq)).toEqual(acks.map((_, i) => (acks[0]?.seq ?? 0) + i));
  expect(await publishCounts(server.server.metrics)).toEqual({ unary: 0, stream: 20 });
  await waitFor(() => events.filter((e) => e.kind === "message").length === 20, {
    what: "the messages on Ann's own stream",
  });
  const stored = wholeLog(server).filter((e) => e.kind === "message");
  expect(stored.map((e) => e.content)).toEqual(acks.map((_, i) => `m ${i}`));
  expect(stored).toHaveLength(20);
});

/** A real ChitChat server whose service has no PublishStream (as one built before it). */
async function serverWithoutPublishStream() {
  const dir = h.dir();
  const log = openEventLog({ path: `${dir}/old.db` });
  const metrics = createMetrics();
  const hub = createHub({
    log: metrics.instrumentLog(log),
    logger: silentLogger,
    leaveGraceMs: 10_000,
  });
  const { handlers } = createChatService({ hub, log, logger: silentLogger, metrics });
  const { PublishStream: _, ...older } = handlers;
  const definition = passEncodedBroadcasts(
    guardService(loadChitChat().ChitChat.service, "chitchat.v1.ChitChat"),
  );
  const { PublishStream: __, ...olderDefinition } = definition;
  const server = new grpc.Server();
  server.addService(olderDefinition, older as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  await hub.start();
  cleanups.push(async () => {
    await hub.close();
    server.forceShutdown();
    await log.close();
  });
  return { address: `127.0.0.1:${port}`, log, metrics };
}

test("against a server without PublishStream the session falls back to Publish", async () => {
  const old = await serverWithoutPublishStream();
  const { session, events } = h.session(old.address, "Bo");
  await session.join();
  const first = await session.publish("one");
  const second = await session.publish("two");
  expect(second.seq).toBe(first.seq + 1);
  expect(await publishCounts(old.metrics)).toEqual({ unary: 2, stream: 0 });
  await waitFor(() => events.filter((e) => e.kind === "message").length === 2, {
    what: "both messages on Bo's stream",
  });
  // The PublishStream attempt itself stored nothing.
  const messages = (await old.log.readAfterSeq(0, 100)).filter((e) => e.kind === "message");
  expect(messages.map((e) => e.content)).toEqual(["one", "two"]);
  session.close();
});

test("a refused message fails send() with the error a unary Publish gives, and the stream goes on", async () => {
  const server = await h.start({ limits: { publishRate: 1, publishBurst: 1 } });
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const stream = createPublishStream({
    client: client.raw,
    participantId: alice.participantId,
    sessionToken: alice.sessionToken,
    callTimeoutMs: 10_000,
  });
  cleanups.push(() => stream.close());
  const ack = await stream.send({ content: "first", logicalTime: 0, messageId: "a" });
  // The same over-the-limit publish, on both paths.
  const unary = await grpcError(client.publish(alice, "second", { messageId: "u" }));
  const streamed = (await rejection(
    stream.send({ content: "second", logicalTime: 0, messageId: "b" }),
  )) as grpc.ServiceError;
  expect(streamed.code).toBe(unary.code);
  expect(streamed.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(streamed.details).toMatch(
    /^publish rate limit: 1\/s \(bursts of 1\); try again in \d+ ms$/,
  );
  expect(retryAfterMs(streamed)).toBeGreaterThan(0);
  expect(retryAfterMs(streamed)).toBeLessThanOrEqual(1000);
  const badUnary = await grpcError(client.publish(alice, "", { messageId: "v" }));
  const badStreamed = (await rejection(
    stream.send({ content: "", logicalTime: 0, messageId: "c" }),
  )) as grpc.ServiceError;
  expect([badStreamed.code, badStreamed.details]).toEqual([badUnary.code, badUnary.details]);
  // A retry of the first id is answered with its ack, limit or not.
  expect(await stream.send({ content: "first", logicalTime: 0, messageId: "a" })).toEqual(ack);
  expect(stream.pending).toBe(0);
});

test("a dead token fails what is in flight UNAUTHENTICATED, as Publish would", async () => {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const stream = createPublishStream({
    client: client.raw,
    participantId: alice.participantId,
    sessionToken: alice.sessionToken,
    callTimeoutMs: 10_000,
  });
  cleanups.push(() => stream.close());
  await stream.send({ content: "hi", logicalTime: 0, messageId: "a" });
  await client.leave(alice);
  const error = (await rejection(
    stream.send({ content: "bye", logicalTime: 0, messageId: "b" }),
  )) as grpc.ServiceError;
  const unary = await grpcError(client.publish(alice, "bye"));
  expect([error.code, error.details]).toEqual([unary.code, unary.details]);
  expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
});

test("shutdown: acks of the commit under way arrive, the rest fail UNAVAILABLE (which the publisher retries)", async () => {
  const first = await h.start();
  const client = h.client(first.address);
  const alice = await client.join("Alice");
  const stream = createPublishStream({
    client: client.raw,
    participantId: alice.participantId,
    sessionToken: alice.sessionToken,
    callTimeoutMs: 10_000,
  });
  cleanups.push(() => stream.close());
  let stopping: Promise<void> | undefined;
  first.log.onAppend((events) => {
    if (!stopping && events.some((e) => e.kind === "message")) {
      queueMicrotask(() => {
        stopping = first.server.shutdown();
      });
    }
  });
  const sends = Array.from({ length: 100 }, (_, i) =>
    stream.send({ content: `m ${i}`, logicalTime: 0, messageId: `id-${i}` }).then(
      (ack) => ({ ack, error: undefined }),
      (error: grpc.ServiceError) => ({ ack: undefined, error }),
    ),
  );
  const outcomes = await Promise.all(sends);
  await stopping;
  const stored = wholeLog(first).filter((e) => e.kind === "message");
  const acked = outcomes.filter((o) => o.ack);
  expect(acked.length).toBeGreaterThan(0);
  expect(acked.map((o) => o.ack?.seq)).toEqual(stored.map((e) => e.seq));
  const failed = outcomes.filter((o) => o.error);
  expect(failed.every((o) => o.error?.code === grpc.status.UNAVAILABLE)).toBe(true);
  expect(acked.length + failed.length).toBe(100);
});
