// The admin app in process, through Hono's app.request(): validation, auth, 404s.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createAdminApp } from "../../src/server/admin/app.ts";
import { historyWorker } from "../../src/server/admin/history.ts";
import { createLogger, silentLogger } from "../../src/server/logger.ts";
import { openEventLog } from "../../src/store/open.ts";
import { Harness } from "../support/harness.ts";
import type { TestServer } from "../support/server.ts";

const h = new Harness();
afterEach(() => h.dispose());

function appOptions(server: TestServer) {
  return { server: server.server, log: server.log, logger: silentLogger };
}

function appOver(server: TestServer, token?: string) {
  return createAdminApp({ ...appOptions(server), token });
}

async function json(response: Response): Promise<[number, unknown]> {
  expect(response.headers.get("content-type")).toStartWith("application/json");
  return [response.status, await response.json()];
}

/** Every request the API must refuse, and a word its error has to name. */
const BAD_QUERIES: [path: string, names: string][] = [
  ["/history?since=-1", "since"],
  ["/history?since=abc", "since"],
  ["/history?since=1e99", "since"],
  ["/history?since=1.5", "since"],
  ["/history?since=0x10", "since"],
  ["/history?since=", "since"],
  ["/history?since=%201", "since"],
  ["/history?since=4503599627370497", "since"],
  ["/history?since=99999999999999999999999", "since"],
  ["/history?limit=0", "limit"],
  ["/history?limit=5000", "limit"],
  ["/history?limit=1001", "limit"],
  ["/history?limit=ten", "limit"],
  ["/history?before=0", "before"],
  ["/history?before=-5", "before"],
  ["/history?since=1&since=2", "since"],
  ["/history?limit=1&limit=1", "limit"],
  ["/history?since=1&before=9", "since"],
  ["/history?sinse=1", "sinse"],
  ["/history?since=1&page=2", "page"],
  ["/participants?all=yes", "all"],
  ["/participants?all=1&all=1", "all"],
  ["/participants?everyone=1", "everyone"],
  ["/healthz?verbose=1", "verbose"],
  ["/metrics?format=json", "format"],
];

describe("admin app: query validation", () => {
  test.each(BAD_QUERIES)("%s → 400 naming %s", async (path, name) => {
    const server = await h.start();
    const [code, body] = await json(await appOver(server).request(path));
    expect(code).toBe(400);
    expect(body).toEqual({ error: expect.stringContaining(name) });
  });

  test("a rejected request reads nothing from the database", async () => {
    const server = await h.start();
    const app = appOver(server);
    await server.stop(); // closes the log: any read now throws and would answer 500
    // The control: a valid request does reach the closed database.
    expect((await app.request("/history?limit=5")).status).toBe(500);
    for (const [path] of BAD_QUERIES) {
      const [code] = await json(await app.request(path));
      expect({ path, code }).toEqual({ path, code: 400 });
    }
  });

  test("the messages say what is wrong", async () => {
    const app = appOver(await h.start());
    const errors = await Promise.all(
      [
        "/history?since=abc",
        "/history?limit=5000",
        "/history?since=1&since=2",
        "/history?foo=1",
        "/history?since=1&before=2",
        "/healthz?x=1",
      ].map(async (path) => ((await (await app.request(path)).json()) as { error: string }).error),
    );
    expect(errors).toEqual([
      "since must be a whole number (digits only)",
      "limit must be between 1 and 1000",
      "since is given more than once",
      "unknown parameter foo (this endpoint takes since, before, limit)",
      "give since (page forwards) or before (page backwards), not both",
      "unknown parameter x (this endpoint takes no parameters)",
    ]);
  });

  test("since ahead of the log is refused with the log's newest logical time", async () => {
    const server = await h.start();
    const client = h.client(server.address);
    await client.join("Bo");
    const [code, body] = await json(await appOver(server).request("/history?since=2"));
    expect([code, body]).toEqual([
      400,
      { error: "since 2 is ahead of the log (its newest logical time is 1)" },
    ]);
  });
});

describe("admin app: routes and auth", () => {
  test("unknown paths and methods are 404 JSON", async () => {
    const app = appOver(await h.start());
    expect(await json(await app.request("/nope"))).toEqual([
      404,
      { error: "no such endpoint: GET /nope" },
    ]);
    expect(await json(await app.request("/history", { method: "POST" }))).toEqual([
      404,
      { error: "no such endpoint: POST /history" },
    ]);
  });

  test("with a token, every endpoint but /healthz needs it", async () => {
    const server = await h.start();
    const app = appOver(server, "s3cret-admin");
    const asked = (path: string, authorization?: string) =>
      app.request(path, authorization ? { headers: { authorization } } : {});
    for (const path of ["/participants", "/history", "/metrics", "/nope"]) {
      const missing = await asked(path);
      expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="chitchat-admin"');
      expect(await json(missing)).toEqual([
        401,
        { error: "this endpoint needs Authorization: Bearer <admin token>" },
      ]);
      for (const wrong of [
        "Bearer s3cret-admiN",
        "Bearer s3cret",
        "Basic czNjcmV0LWFkbWlu",
        "Bearer",
      ]) {
        expect(await json(await asked(path, wrong))).toEqual([
          401,
          { error: "the admin token is not valid" },
        ]);
      }
    }
    expect((await asked("/participants", "Bearer s3cret-admin")).status).toBe(200);
    expect((await asked("/history", "bearer s3cret-admin")).status).toBe(200);
    expect((await asked("/metrics", "Bearer s3cret-admin")).status).toBe(200);
    expect((await asked("/nope", "Bearer s3cret-admin")).status).toBe(404);
    expect((await asked("/healthz")).status).toBe(200);
  });

  test("without a token every endpoint is open", async () => {
    const app = appOver(await h.start());
    for (const path of ["/participants", "/history", "/metrics", "/healthz"]) {
      expect({ path, code: (await app.request(path)).status }).toEqual({ path, code: 200 });
    }
  });
});

describe("admin app: the history reader thread", () => {
  test("serves the same pages as the log itself", async () => {
    const server = await h.start();
    const client = h.client(server.address);
    const bo = await client.join("Bo");
    for (let i = 0; i < 30; i++) await client.publish(bo, `m ${i}`);
    const history = historyWorker(server.dbPath);
    try {
      const threaded = createAdminApp({ ...appOptions(server), history });
      const inline = appOver(server);
      for (const path of ["/history", "/history?since=7&limit=5", "/history?before=20&limit=4"]) {
        const [a, b] = await Promise.all([threaded.request(path), inline.request(path)]);
        expect({ path, body: await a.json() }).toEqual({ path, body: await b.json() });
      }
    } finally {
      history.close();
    }
  });

  test("a reader that cannot read answers 500 without internals, and the next one recovers", async () => {
    const server = await h.start();
    const lines: string[] = [];
    const missing = join(h.dir(), "gone.db");
    const history = historyWorker(missing);
    try {
      const app = createAdminApp({
        ...appOptions(server),
        logger: createLogger({ write: (line) => lines.push(line) }),
        history,
      });
      expect(await json(await app.request("/history"))).toEqual([
        500,
        { error: "internal server error" },
      ]);
      expect(lines.join("\n")).toContain(`there is no event log at ${missing}`);
      // The log appears: a fresh reader thread serves it.
      openEventLog({ path: missing }).close();
      const [code, body] = await json(await app.request("/history"));
      expect([code, (body as { events: unknown[] }).events]).toEqual([200, []]);
      // The server itself never noticed.
      expect((await app.request("/healthz")).status).toBe(200);
    } finally {
      history.close();
    }
  });
});
