// A client that vanishes without a word (its machine loses power, its network
// goes away): no FIN, no RST, the connection just goes quiet. The server's
// keepalive ping goes unanswered, the server drops the connection, and the
// participant's leave grace starts, so the others hear it left. A real server
// process, a TCP proxy that stops forwarding both ways, real gRPC clients.
import { afterEach, expect, test } from "bun:test";
import { Harness } from "../support/harness.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

test("an unanswered keepalive ping drops a silent connection; its participant is announced as left", async () => {
  const server = await h.server(h.dbPath(), [
    // Generous against a busy test process answering late: ~2.5 s to notice.
    ...["--keepalive-ms", "500", "--keepalive-timeout-ms", "2000"],
    // Nothing else writes to the silent stream: no heartbeat can fail first.
    ...["--heartbeat-ms", "0", "--leave-grace-ms", "300"],
  ]);
  const proxy = await h.proxy({ target: server.address });
  const ghostClient = h.client(proxy.address);
  const ghost = await ghostClient.join("Ghost");
  const ghostStream = ghostClient.subscribe(ghost);
  await ghostStream.waitForCount(1);
  const watcherClient = h.client(server.address);
  const watcher = watcherClient.subscribe(await watcherClient.join("Watcher"));
  await watcher.waitForCount(1);

  proxy.freeze(true);
  const left = `Participant Ghost left Chit Chat at logical time`;
  await waitFor(() => watcher.events.some((e) => e.content.startsWith(left)), {
    timeoutMs: 20_000,
    what: "the watcher to hear Ghost left",
  });
  // The server dropped the connection (the proxy then closed the client's
  // side too): its log has the stream going away, then the grace running out.
  // (Lines reach stdout up to 10 ms after they are logged.)
  const at = (event: string) =>
    server.stdout.lines.findIndex(
      (l) => l.includes(` ${event} `) && l.includes(ghost.participantId),
    );
  await waitFor(() => at("vanished") >= 0, { what: "the server to log the grace running out" });
  expect(at("disconnect")).toBeGreaterThanOrEqual(0);
  expect(at("vanished")).toBeGreaterThan(at("disconnect"));
});
