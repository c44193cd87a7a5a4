// gRPC over TLS with a certificate made in the test: the right CA connects,
// no CA or plaintext does not, and bad TLS flags stop the server at once.
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials, status } from "@grpc/grpc-js";
import { type ChatEvent, createChatSession } from "../../src/client/session.ts";
import { ChatError } from "../../src/protocol/errors.ts";
import { readEvents } from "../support/db-file.ts";
import { grpcError } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { exitOf } from "../support/process.ts";
import { rejection } from "../support/rejection.ts";
import { logLine, serverArgs } from "../support/server-process.ts";
import { selfSignedCertificate } from "../support/tls.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
afterEach(() => h.dispose());

/** A TLS server process; its address by host name, as the certificate names it. */
async function tlsServer() {
  const dir = h.dir();
  const cert = selfSignedCertificate(dir);
  const db = join(dir, "chitchat.db");
  const server = await h.server(db, ["--tls-cert", cert.certPath, "--tls-key", cert.keyPath]);
  return { ...cert, db, server, address: `localhost:${server.port}` };
}

/** `bun run client --name Cli` against `address`. */
function terminalClient(address: string, extra: string[]) {
  const logFile = join(h.dir(), "cli.log");
  return h.bun([
    "src/client/main.ts",
    "--name",
    "Cli",
    "--server",
    address,
    "--log-file",
    logFile,
    ...extra,
  ]);
}

describe("gRPC over TLS", () => {
  test("a session with the CA joins, exchanges events and leaves; the terminal client too", async () => {
    const { certPath, db, server, address } = await tlsServer();
    expect(logLine(server.stdout.text, "listening")).toMatchObject({ tls: "true" });
    const events: ChatEvent[] = [];
    const session = createChatSession({
      server: address,
      name: "Tess",
      credentials: credentials.createSsl(readFileSync(certPath)),
      onEvent: (e) => events.push(e),
    });
    await session.join();
    const ack = await session.publish("over TLS");
    await waitFor(() => events.some((e) => e.seq === ack.seq), { what: "own message" });

    const cli = terminalClient(address, ["--tls-ca", certPath, "--since", "0"]);
    await cli.waitForStdout(/Tess: over TLS/);
    cli.proc.stdin.write("hello from the terminal\n/quit\n");
    cli.proc.stdin.flush();
    expect((await exitOf(cli, 10_000)).code).toBe(0);
    await waitFor(() => events.some((e) => e.content === "hello from the terminal"), {
      what: "Cli's line",
    });
    await session.leave();
    expect(readEvents(db).map((e) => [e.kind, e.name])).toEqual([
      ["join", "Tess"],
      ["message", "Tess"],
      ["join", "Cli"],
      ["message", "Cli"],
      ["leave", "Cli"],
      ["leave", "Tess"],
    ]);
  }, 30_000);

  test("without the CA, or in plaintext, a client cannot connect, and nothing is stored", async () => {
    const { db, address, server } = await tlsServer();
    const noCa = createChatSession({
      server: address,
      name: "NoCa",
      credentials: credentials.createSsl(),
      connectTimeoutMs: 500,
    });
    const error = await rejection(noCa.join());
    expect(error).toEqual(
      new ChatError(
        "unavailable",
        `cannot reach the ChitChat server at ${address} within 0.5 s: self signed certificate`,
      ),
    );
    const plain = await grpcError(h.client(`127.0.0.1:${server.port}`).join("Plain"));
    expect(plain.code).toBe(status.UNAVAILABLE);
    const cli = terminalClient(address, ["--connect-timeout-ms", "500"]);
    expect((await exitOf(cli, 10_000)).code).toBe(1);
    expect(cli.stderr.text).toStartWith(
      `chitchat client: cannot join: cannot reach the ChitChat server at ${address}`,
    );
    expect(readEvents(db)).toEqual([]);
  }, 30_000);
});

describe("TLS flags", () => {
  test("the admin API is HTTPS with the same certificate", async () => {
    const { certPath, server } = await tlsServer();
    expect(server.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const url = server.adminUrl.replace("127.0.0.1", "localhost");
    const ca = readFileSync(certPath, "utf8");
    const health = await fetch(`${url}/healthz`, { tls: { ca } });
    expect([health.status, ((await health.json()) as { status: string }).status]).toEqual([
      200,
      "serving",
    ]);
    // Without the CA the certificate is not trusted; plain HTTP gets no answer it can read.
    expect(await rejection(fetch(`${url}/healthz`))).toBeInstanceOf(Error);
    expect(await rejection(fetch(`${url.replace("https:", "http:")}/healthz`))).toBeInstanceOf(
      Error,
    );
  });

  test("a missing half, an unreadable file, or a key of another certificate stops the server with one line", async () => {
    const dir = h.dir();
    const one = selfSignedCertificate(dir, "one");
    const two = selfSignedCertificate(dir, "two");
    const notPem = join(dir, "not.pem");
    writeFileSync(notPem, "not a certificate");
    const missing = join(dir, "missing.pem");
    const half = h.bun(serverArgs(h.dbPath(), ["--tls-cert", one.certPath]));
    expect((await exitOf(half, 10_000)).code).toBe(2);
    expect(half.stderr.text).toStartWith(
      "chitchat server: --tls-cert and --tls-key go together: give both, or neither for plaintext\n",
    );
    const cases: [string[], string][] = [
      [
        ["--tls-cert", missing, "--tls-key", one.keyPath],
        `cannot read --tls-cert ${missing}: ENOENT`,
      ],
      [
        ["--tls-cert", notPem, "--tls-key", one.keyPath],
        `--tls-cert ${notPem} is not a PEM certificate`,
      ],
      [
        ["--tls-cert", one.certPath, "--tls-key", notPem],
        `--tls-key ${notPem} is not a PEM private key (or it is encrypted)`,
      ],
      [
        ["--tls-cert", one.certPath, "--tls-key", two.keyPath],
        `--tls-key ${two.keyPath} is not the key of the certificate in --tls-cert ${one.certPath}`,
      ],
    ];
    for (const [args, message] of cases) {
      const db = h.dbPath();
      const child = h.bun(serverArgs(db, args));
      expect((await exitOf(child, 10_000)).code).toBe(1);
      expect(child.stdout.lines.length).toBe(1);
      expect(logLine(child.stdout.text, "startup_failed")?.error).toStartWith(message);
      expect(await Bun.file(db).exists()).toBe(false);
    }
  }, 30_000);
});
