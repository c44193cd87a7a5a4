// The ChitChat client's channel asks the server for a RECEIVE_WINDOW_BYTES
// HTTP/2 window, per stream and for the connection, and the server side of
// Bun's HTTP/2 sees it (a replay keeps that many bytes in flight).
import { afterEach, expect, test } from "bun:test";
import http2 from "node:http2";
import { credentials } from "@grpc/grpc-js";
import { DEFAULT_BACKOFF } from "../../src/client/backoff.ts";
import { createGrpcTransport } from "../../src/client/grpc-transport.ts";
import { RECEIVE_WINDOW_BYTES } from "../../src/protocol/client-constructor.ts";
import { waitFor } from "../support/wait.ts";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

test("the client's connection announces the larger receive window", async () => {
  expect(RECEIVE_WINDOW_BYTES).toBeGreaterThan(65_535);
  const server = http2.createServer();
  const sessions: http2.ServerHttp2Session[] = [];
  server.on("session", (session) => sessions.push(session));
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
  cleanup.push(() => {
    for (const s of sessions) s.destroy();
    server.close();
  });
  const transport = createGrpcTransport({
    server: `127.0.0.1:${port}`,
    credentials: credentials.createInsecure(),
    backoff: DEFAULT_BACKOFF,
    connectTimeoutMs: 10_000,
    callTimeoutMs: 5_000,
  });
  cleanup.unshift(() => transport.close());
  await transport.connect();
  const session = await waitFor(
    () =>
      sessions.find(
        (s) =>
          s.remoteSettings?.initialWindowSize === RECEIVE_WINDOW_BYTES &&
          s.state.remoteWindowSize === RECEIVE_WINDOW_BYTES,
      ),
    { what: "the client's SETTINGS and connection WINDOW_UPDATE" },
  );
  expect(session.remoteSettings.initialWindowSize).toBe(RECEIVE_WINDOW_BYTES);
});
