// `bun run server` serves the admin API beside gRPC: real process, real HTTP.

import { afterEach, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { HEAP_SPACE_METRICS } from "../../src/server/metrics.ts";
import { publishMany } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { getJson } from "../support/http.ts";
import { exitOf } from "../support/process.ts";
import { logLine, serverArgs } from "../support/server-process.ts";

const h = new Harness();
afterEach(() => h.dispose());

describe("bun run server: the admin API", () => {
  test("answers history, participants and health beside the gRPC traffic", async () => {
    const server = await h.server(h.dbPath());
    expect(server.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.adminUrl).not.toEndWith(":0");
    expect(logLine(server.stdout.text, "listening")).toMatchObject({ admin: server.adminUrl });

    const client = h.client(server.address);
    const bo = await client.join("Bo");
    await publishMany(client, bo, 8, { concurrency: 1 });
    const history = await getJson<{ events: { logicalTime: number; content: string }[] }>(
      server.adminUrl,
      "/history?since=5",
    );
    expect(history.status).toBe(200);
    expect(history.body.events.map((e) => [e.logicalTime, e.content])).toEqual([
      [6, "m 4"],
      [7, "m 5"],
      [8, "m 6"],
      [9, "m 7"],
    ]);
    const participants = await getJson<{ participants: { name: string }[] }>(
      server.adminUrl,
      "/participants",
    );
    expect(participants.body.participants.map((p) => p.name)).toEqual(["Bo"]);
    expect(await getJson(server.adminUrl, "/healthz")).toMatchObject({
      status: 200,
      body: { status: "serving", seq: 9, logicalTime: 9, participants: 1, subscribers: 0 },
    });
    const metrics = await fetch(`${server.adminUrl}/metrics`);
    const text = await metrics.text();
    expect(metrics.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    expect(text).toContain('chitchat_events_appended_total{kind="message"} 8');
    // The process metrics come along: RSS is what the memory bench reads too.
    expect(text).toMatch(/^chitchat_process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^chitchat_nodejs_eventloop_lag_p99_seconds [\d.e-]+$/m);
    expect(text).toMatch(/^chitchat_nodejs_heap_size_used_bytes \d+$/m);
    // Not the per-space heap split: under Bun it walks the heap on every scrape.
    for (const name of HEAP_SPACE_METRICS) expect(text).not.toContain(name);
  });

  test("the admin token comes from its environment twin", async () => {
    const server = await h.server(h.dbPath(), [], undefined, { CHITCHAT_ADMIN_TOKEN: "tok-123" });
    expect((await getJson(server.adminUrl, "/participants")).status).toBe(401);
    expect(
      (await getJson(server.adminUrl, "/participants", { authorization: "Bearer tok-123" })).status,
    ).toBe(200);
    expect((await getJson(server.adminUrl, "/healthz")).status).toBe(200);
  });

  test("beyond loopback without a token, the server refuses to start", async () => {
    for (const [args, env] of [
      [["--admin-host", "0.0.0.0"], {}],
      [[], { CHITCHAT_ADMIN_HOST: "192.0.2.7" }],
      [["--admin-host", "::"], {}],
    ] as [string[], Record<string, string>][]) {
      const db = h.dbPath();
      const child = h.bun(serverArgs(db, args), env);
      const { code } = await exitOf(child, 10_000);
      expect({
        args,
        env,
        code,
        stderr: child.stderr.text,
        dbCreated: await Bun.file(db).exists(),
      }).toEqual({
        args,
        env,
        code: 2,
        stderr: expect.stringContaining(
          "refusing to serve the admin API beyond loopback without a token: set --admin-token",
        ),
        dbCreated: false,
      });
    }
  });

  test("an admin port in use is a clear startup failure", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = squatter.address() as { port: number };
      const child = h.bun(serverArgs(h.dbPath(), ["--admin-port", String(port)]));
      const { code } = await exitOf(child, 10_000);
      expect(code).toBe(1);
      expect(logLine(child.stdout.text, "startup_failed")).toMatchObject({
        admin: `127.0.0.1:${port}`,
        error: expect.stringMatching(/in use|EADDRINUSE/i),
      });
    } finally {
      squatter.close();
    }
  });
});
