// The standard health service (grpc.health.v1.Health via grpc-health-check),
// asked by a real client loaded from the health .proto: Check and Watch for ""
// and chitchat.v1.ChitChat, NOT_FOUND for other names, NOT_SERVING from the
// moment shutdown begins and while the server says its backend is down.
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { silentLogger } from "../../src/server/logger.ts";
import { createChatServer } from "../../src/server/server.ts";
import { openEventLog } from "../../src/store/open.ts";
import { grpcError } from "../support/grpc-client.ts";
import { type HealthClient, healthClient } from "../support/grpc-std.ts";
import { Harness } from "../support/harness.ts";
import { waitFor } from "../support/wait.ts";

const h = new Harness();
const clients: HealthClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await h.dispose();
});

function client(address: string): HealthClient {
  const c = healthClient(address);
  clients.push(c);
  return c;
}

const NAMES = ["", "chitchat.v1.ChitChat"];

test("Check says SERVING for the server and for ChitChat, NOT_FOUND for any other name", async () => {
  const server = await h.start();
  const health = client(server.address);
  expect(await Promise.all(NAMES.map((name) => health.check(name)))).toEqual([
    "SERVING",
    "SERVING",
  ]);
  const error = await grpcError(health.check("chitchat.v1.Nope"));
  expect({ code: error.code, details: error.details }).toEqual({
    code: grpc.status.NOT_FOUND,
    details: "Health status unknown for service chitchat.v1.Nope",
  });
  const watch = health.watch("chitchat.v1.Nope");
  await waitFor(() => watch.statuses.length > 0, { what: "the first Watch answer" });
  expect(watch.statuses).toEqual(["SERVICE_UNKNOWN"]);
  watch.cancel();
});

test("setHealth(false) turns both names NOT_SERVING for Check and Watch, once; true turns them back", async () => {
  const server = await h.start();
  const health = client(server.address);
  const watches = NAMES.map((name) => health.watch(name));
  await waitFor(() => watches.every((w) => w.statuses.length === 1), { what: "SERVING" });

  server.server.setHealth(false);
  server.server.setHealth(false);
  expect(await Promise.all(NAMES.map((name) => health.check(name)))).toEqual([
    "NOT_SERVING",
    "NOT_SERVING",
  ]);
  server.server.setHealth(true);
  expect(await Promise.all(NAMES.map((name) => health.check(name)))).toEqual([
    "SERVING",
    "SERVING",
  ]);
  await waitFor(() => watches.every((w) => w.statuses.length >= 3), { what: "two changes" });
  // Check answered after the changes on the same connection, so Watch has them all.
  for (const watch of watches) {
    expect(watch.statuses).toEqual(["SERVING", "NOT_SERVING", "SERVING"]);
    watch.cancel();
  }
});

test("from the moment shutdown begins Watch says NOT_SERVING, then its stream ends UNAVAILABLE", async () => {
  const dir = h.dir();
  const log = openEventLog({ path: join(dir, "chitchat.db") });
  // Far beyond the test's timeout: an open Watch must not hold the shutdown until forced.
  const server = createChatServer({
    log,
    logger: silentLogger,
    leaveGraceMs: 10_000,
    shutdownTimeoutMs: 10 * 60_000,
  });
  try {
    const address = await server.listen("127.0.0.1", 0);
    const health = client(address);
    const watches = NAMES.map((name) => health.watch(name));
    await waitFor(() => watches.every((w) => w.statuses.length === 1), { what: "SERVING" });

    await server.shutdown();
    for (const watch of watches) {
      const end = await watch.end;
      expect({ statuses: watch.statuses, code: end.code, details: end.details }).toEqual({
        statuses: ["SERVING", "NOT_SERVING"],
        code: grpc.status.UNAVAILABLE,
        details: "server shutting down",
      });
    }
  } finally {
    await server.shutdown();
    log.close();
  }
});
