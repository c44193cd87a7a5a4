// PublishStream against a real server: the rules of Publish, one result per
// request in request order, refusals that end nothing, the stream's own ends
// (dead token, shutdown), group commit across a stream's backlog, and the bound
// on what a client that does not read results can make the server hold.
import { afterEach, expect, test } from "bun:test";
import { status } from "@grpc/grpc-js";
import { PUBLISH_STREAM_WINDOW } from "../../src/server/publish-stream.ts";
import { wholeLog } from "../support/events.ts";
import { bearer, type Joined } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { cancelPublishStreams, publishStream } from "../support/publish-stream.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(async () => {
  cancelPublishStreams();
  await h.dispose();
});

const request = (who: Joined, content: string, messageId: string, logicalTime = 0) => ({
  participantId: who.participantId,
  content,
  messageId,
  logicalTime,
});

const messages = (server: Awaited<ReturnType<Harness["start"]>>) =>
  wholeLog(server).filter((e) => e.kind === "message");

/** One sample of a Prometheus metric from the server's registry (0 when absent). */
async function metric(
  server: Awaited<ReturnType<Harness["start"]>>,
  line: string,
): Promise<number> {
  const text = await server.server.metrics.text();
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

test("every request gets one result, in request order, and the acks are the log's", async () => {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const stream = publishStream(client, alice.metadata);
  const n = 300;
  for (let i = 0; i < n; i++) stream.send(request(alice, `m ${i}`, `id-${i}`));
  const results = await stream.waitForResults(n);
  expect(results.map((r) => r.messageId)).toEqual(Array.from({ length: n }, (_, i) => `id-${i}`));
  expect(results.every((r) => r.code === 0 && r.error === "")).toBe(true);
  const stored = messages(server);
  expect(results.map((r) => r.ack?.seq)).toEqual(stored.map((e) => e.seq));
  expect(results.map((r) => r.ack?.logicalTime)).toEqual(stored.map((e) => e.logicalTime));
  expect(stored.map((e) => e.content)).toEqual(Array.from({ length: n }, (_, i) => `m ${i}`));
  // Half-closing ends the stream OK once everything is answered.
  stream.call.end();
  expect((await stream.waitForEnd()).code).toBe(status.OK);
});

test("a refusal ends nothing, and answers in order behind an earlier message awaiting its commit", async () => {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const bob = await client.join("Bob");
  const stream = publishStream(client, alice.metadata);
  // Written together: the valid ones wait for a commit, the bad ones are refused at once.
  stream.send(request(alice, "first", "a"));
  stream.send(request(alice, "", "b"));
  stream.send(request(alice, "bad\nline", "c"));
  stream.send(request(alice, "no id", ""));
  stream.send(request(alice, "x".repeat(129), "d"));
  stream.send(request(bob, "as Bob", "e"));
  stream.send(request(alice, "huge time", "f", 2 ** 53));
  stream.send(request(alice, "x", "i".repeat(65)));
  stream.send({ content: "participant_id left out", messageId: "g" });
  stream.send(request(alice, "last", "h"));
  const results = await stream.waitForResults(10);
  expect(results.map((r) => [r.messageId, r.code])).toEqual([
    ["a", status.OK],
    ["b", status.INVALID_ARGUMENT],
    ["c", status.INVALID_ARGUMENT],
    ["", status.INVALID_ARGUMENT],
    ["d", status.INVALID_ARGUMENT],
    ["e", status.INVALID_ARGUMENT],
    ["f", status.INVALID_ARGUMENT],
    ["i".repeat(65), status.INVALID_ARGUMENT],
    ["g", status.OK],
    ["h", status.OK],
  ]);
  expect(results[1]?.error).toBe("message must not be empty");
  expect(results[3]?.error).toBe("message_id is required on PublishStream");
  expect(results[5]?.error).toContain("participant_id must be the stream's participant");
  expect(results.filter((r) => r.code !== 0).every((r) => r.ack === null)).toBe(true);
  expect(messages(server).map((e) => e.content)).toEqual([
    "first",
    "participant_id left out",
    "last",
  ]);
  expect(stream.status).toBeUndefined();
  expect(await metric(server, 'chitchat_publishes_rejected_total{reason="invalid_argument"}')).toBe(
    7,
  );
});

test("a rate-limit refusal carries retry_after_ms and the stream goes on", async () => {
  const server = await h.start({ limits: { publishRate: 1, publishBurst: 2 } });
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const stream = publishStream(client, alice.metadata);
  for (const id of ["1", "2", "3", "4"]) stream.send(request(alice, `m${id}`, id));
  const results = await stream.waitForResults(4);
  expect(results.map((r) => r.code)).toEqual([
    status.OK,
    status.OK,
    status.RESOURCE_EXHAUSTED,
    status.RESOURCE_EXHAUSTED,
  ]);
  for (const refused of results.slice(2)) {
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(refused.error).toContain("publish rate limit");
  }
  // A retry of a stored id is no new publish, so the limit does not refuse it.
  stream.send(request(alice, "m1", "1"));
  const [, , , , again] = await stream.waitForResults(5);
  expect(again?.ack).toEqual(results[0]?.ack ?? null);
  expect(messages(server).map((e) => e.content)).toEqual(["m1", "m2"]);
  expect(stream.status).toBeUndefined();
  expect(
    await metric(server, 'chitchat_publishes_rejected_total{reason="resource_exhausted"}'),
  ).toBe(2);
});

test("a bad token ends the stream at its start; a dead one at the next request", async () => {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const bob = await client.join("Bob");
  const cases = [
    { metadata: bearer("forged"), code: status.UNAUTHENTICATED },
    { metadata: bob.metadata, code: status.UNAUTHENTICATED },
    { metadata: new (await import("@grpc/grpc-js")).Metadata(), code: status.UNAUTHENTICATED },
  ];
  for (const { metadata, code } of cases) {
    const stream = publishStream(client, metadata);
    stream.send(request(alice, "hi", "x"));
    expect((await stream.waitForEnd()).code).toBe(code);
    expect(stream.results).toEqual([]);
  }
  const stranger = publishStream(client, alice.metadata);
  stranger.send({ ...request(alice, "hi", "x"), participantId: crypto.randomUUID() });
  expect((await stranger.waitForEnd()).code).toBe(status.NOT_FOUND);
  const nobody = publishStream(client, alice.metadata);
  nobody.send({ content: "hi", messageId: "x" });
  expect((await nobody.waitForEnd()).code).toBe(status.INVALID_ARGUMENT);

  const stream = publishStream(client, alice.metadata);
  stream.send(request(alice, "before", "1"));
  await stream.waitForResults(1);
  await client.leave(alice);
  stream.send(request(alice, "after", "2"));
  const end = await stream.waitForEnd();
  expect(end.code).toBe(status.UNAUTHENTICATED);
  expect(end.details).toContain("left the chat");
  expect(stream.results.map((r) => r.messageId)).toEqual(["1"]);
  expect(messages(server).map((e) => e.content)).toEqual(["before"]);
});

test("shutdown writes the results of the commit under way, then ends the stream UNAVAILABLE", async () => {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const stream = publishStream(client, alice.metadata);
  let shutdown: Promise<void> | undefined;
  let inCommit = 0;
  server.log.onAppend((events) => {
    if (shutdown || !events.some((e) => e.kind === "message")) return;
    inCommit = events.length;
    // Still inside the commit: its acks have not gone out yet.
    queueMicrotask(() => {
      shutdown = server.server.shutdown();
    });
  });
  const n = 200;
  for (let i = 0; i < n; i++) stream.send(request(alice, `m ${i}`, `id-${i}`));
  const end = await stream.waitForEnd();
  expect(end.code).toBe(status.UNAVAILABLE);
  expect(end.details).toBe("server shutting down");
  await shutdown;
  const stored = messages(server);
  expect(inCommit).toBeGreaterThan(0);
  expect(stored.length).toBeGreaterThanOrEqual(inCommit);
  // Every stored message was acked on the stream, in order; nothing else was acked.
  const acked = stream.results.filter((r) => r.code === 0);
  expect(acked.map((r) => r.ack?.seq)).toEqual(stored.map((e) => e.seq));
  expect(acked.map((r) => r.messageId)).toEqual(stored.map((_, i) => `id-${i}`));
  expect(stream.results.slice(acked.length).every((r) => r.code === status.UNAVAILABLE)).toBe(true);
});

test("a PublishStream opened during shutdown ends UNAVAILABLE", async () => {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  server.server.hub.close();
  const stream = publishStream(client, alice.metadata);
  stream.send(request(alice, "late", "1"));
  expect((await stream.waitForEnd()).code).toBe(status.UNAVAILABLE);
});

test("a retry over a new connection with the same message_id returns the first ack", async () => {
  const server = await h.start();
  const first = h.client(server.address);
  const alice = await first.join("Alice");
  const a = publishStream(first, alice.metadata);
  a.send(request(alice, "once", "the-id"));
  const [ack] = await a.waitForResults(1);
  // The connection goes away (the client is closed with its stream still open).
  a.call.cancel();
  first.close();
  expect((await a.waitForEnd()).code).toBe(status.CANCELLED);
  const second = h.client(server.address);
  const b = publishStream(second, alice.metadata);
  b.send(request(alice, "once", "the-id"));
  b.send(request(alice, "once", "the-id"));
  const results = await b.waitForResults(2);
  expect(results.map((r) => r.ack)).toEqual([ack?.ack ?? null, ack?.ack ?? null]);
  // The unary path shares the same ids.
  expect(await second.publish(alice, "once", { messageId: "the-id" })).toEqual(
    ack?.ack ?? { logicalTime: -1, seq: -1 },
  );
  expect(messages(server).map((e) => e.content)).toEqual(["once"]);
});

test("many requests in flight on one stream share commits", async () => {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const commitsBefore = await metric(server, "chitchat_append_batch_events_count");
  const stream = publishStream(client, alice.metadata);
  const n = 400;
  for (let i = 0; i < n; i++) stream.send(request(alice, `m ${i}`, `id-${i}`));
  await stream.waitForResults(n);
  const commits = (await metric(server, "chitchat_append_batch_events_count")) - commitsBefore;
  console.log(`${n} messages on one stream in ${commits} commits`);
  expect(commits).toBeGreaterThan(0);
  expect(commits).toBeLessThanOrEqual(n / 4);
});

test("a client that does not read results is not read either: the server holds a bounded number", async () => {
  const server = await h.start();
  const client = h.client(server.address);
  const alice = await client.join("Alice");
  const stream = publishStream(client, alice.metadata, { read: false });
  const n = 8000;
  // The client writes as fast as its own transport takes requests (as any HTTP/2
  // client must), but reads no result until told to.
  const sending = (async () => {
    for (let i = 0; i < n; i++) {
      if (!stream.call.write(request(alice, `m ${i}`, `id-${i}`))) {
        await new Promise((resolve) => stream.call.once("drain", resolve));
      }
    }
  })();
  // Once the connection stops taking results, the server stops reading until it does again.
  await waitFor(
    async () => (await metric(server, 'chitchat_publish_stream_pauses_total{reason="unread"}')) > 0,
    { what: "the server to stop reading the stream" },
  );
  const storedWhilePaused = messages(server).length;
  expect(storedWhilePaused).toBeLessThan(n);
  stream.read();
  await sending;
  const results = await stream.waitForResults(n, 60_000);
  expect(results.map((r) => r.messageId)).toEqual(Array.from({ length: n }, (_, i) => `id-${i}`));
  expect(messages(server)).toHaveLength(n);
  const peak = await metric(server, "chitchat_publish_stream_held_peak");
  console.log(`stored while paused ${storedWhilePaused}/${n}; peak held ${peak}`);
  expect(peak).toBeGreaterThan(1);
  expect(peak).toBeLessThanOrEqual(PUBLISH_STREAM_WINDOW);
}, 90_000);
