// Two subscriptions on one HTTP/2 connection, one of them no longer read. Bun
// 1.4.5's HTTP/2 server holds the connection's DATA behind the stalled stream
// (bench/probes/h2-streams.ts; oven-sh/bun#43422) until the client's next
// frame arrives; the server's keepalive pings bring those frames, so the read
// subscription keeps receiving. A real server and one real grpc-js client.
import { afterEach, expect, test } from "bun:test";
import { TestClient } from "../support/grpc-client.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { range } from "../support/values.ts";
import { waitFor } from "../support/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test("with keepalive pings, a read subscription gets everything beside a stalled one on the same connection", async () => {
  server = await startTestServer({ keepaliveMs: 100, leaveGraceMs: 600_000 });
  // One client: both subscriptions share its connection, as a gateway's would.
  using client = new TestClient(server.address);
  const stalled = await client.join("Stalled");
  const reader = await client.join("Reader");
  const stalledStream = client.subscribe(stalled);
  await stalledStream.waitForCount(1);
  stalledStream.call.pause();
  const readStream = client.subscribe(reader);
  await readStream.waitForCount(1);

  // ~400 KB to each stream: far past the stalled one's 64 KiB window.
  using publisher = new TestClient(server.address);
  const pub = await publisher.join("Pub");
  const COUNT = 2000;
  for (let i = 0; i < COUNT; i += 50) {
    await Promise.all(
      range(i, i + 49).map((n) => publisher.publish(pub, `${n} `.padEnd(128, "x"))),
    );
  }
  const top = server.view.top().seq;
  await waitFor(() => (readStream.events.at(-1)?.seq ?? 0) >= top, {
    timeoutMs: 30_000,
    what: "the read subscription to get every event",
  });
  const seqs = readStream.events.map((e) => e.seq);
  expect(seqs).toEqual(range(seqs[0] as number, top));
  // The stalled one really was stalled: it has not been read past its window.
  expect(stalledStream.events.length).toBeLessThan(COUNT / 4);
  stalledStream.call.cancel();
  readStream.call.cancel();
});
