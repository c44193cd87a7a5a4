// /openapi.json against the real API over real HTTP: every documented path and
// status is produced by a real request, and the real body is validated against
// the documented schema with a JSON Schema 2020-12 validator (OpenAPI 3.1's dialect).
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { createAdminApp } from "../../src/server/admin/app.ts";
import { historyWorker } from "../../src/server/admin/history.ts";
import { listenAdmin } from "../../src/server/admin/serve.ts";
import { silentLogger } from "../../src/server/logger.ts";
import { publishMany } from "../support/grpc-client.ts";
import { Harness } from "../support/harness.ts";
import { defined } from "../support/values.ts";

const h = new Harness();
afterEach(() => h.dispose());

const TOKEN = "s3cret-admin";
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface MediaType {
  schema: object;
}
interface ResponseObject {
  description: string;
  content?: Record<string, MediaType>;
}
interface OpenApiDocument {
  openapi: string;
  security?: unknown[];
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
  components: {
    schemas: Record<string, object>;
    responses?: Record<string, ResponseObject>;
    securitySchemes?: Record<string, unknown>;
  };
}

/** A validator over the document, resolving its `#/components/...` references. */
function validatorFor(doc: OpenApiDocument) {
  // strict: false because the document's top level (openapi, info, paths) is not JSON Schema.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: "openapi.json" });
  return (pointer: string, body: unknown): string[] => {
    const validate = ajv.compile({ $ref: `openapi.json#${pointer}` });
    return validate(body)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

const pointerSegment = (segment: string) => segment.replaceAll("~", "~0").replaceAll("/", "~1");

async function fetchDocument(base: string): Promise<OpenApiDocument> {
  const response = await fetch(`${base}/openapi.json`); // no token on purpose
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApiDocument;
}

/** The admin API of a server with a token, with one event per kind in the log. */
async function servedWithToken() {
  const server = await h.start({ admin: { token: TOKEN } });
  const client = h.client(server.address);
  const bo = await client.join("Bo");
  const stream = client.subscribe(bo);
  await stream.waitForCount(1);
  const ana = await client.join("Ana");
  await publishMany(client, bo, 3);
  await client.leave(ana);
  return { server, base: defined(server.adminUrl) };
}

/**
 * A second admin API over the same server, whose reads fail: its history reader
 * thread is pointed at a file that does not exist, and (once `breakLog` runs)
 * its log is closed. This is how the 500s and the 503 are produced for real.
 */
function brokenApi(server: Awaited<ReturnType<typeof servedWithToken>>["server"]) {
  const history = historyWorker(join(h.dir(), "missing.db"));
  const app = createAdminApp({
    server: server.server,
    log: server.log,
    logger: silentLogger,
    token: TOKEN,
    history,
  });
  const served = listenAdmin(app, { host: "127.0.0.1", port: 0 });
  return {
    base: served.url,
    async close() {
      await served.stop();
      history.close();
    },
  };
}

describe("GET /openapi.json", () => {
  test("every documented response is what the endpoint really answers", async () => {
    const { server, base } = await servedWithToken();
    const doc = await fetchDocument(base);
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.security).toEqual([{ adminToken: [] }]);
    expect(doc.components.securitySchemes).toEqual({
      adminToken: expect.objectContaining({ type: "http", scheme: "bearer" }),
    });
    const broken = brokenApi(server);
    try {
      // One real request per documented path and status; `stop` runs them after the others.
      type Request = { base: string; path: string; headers?: Record<string, string> };
      const requests: Record<string, Request> = {
        "GET /history 200": { base, path: "/history?since=1&limit=3", headers: AUTH },
        "GET /history 400": { base, path: "/history?since=abc", headers: AUTH },
        "GET /history 401": { base, path: "/history" },
        "GET /history 500": { base: broken.base, path: "/history", headers: AUTH },
        "GET /participants 200": { base, path: "/participants?all=1", headers: AUTH },
        "GET /participants 400": { base, path: "/participants?all=yes", headers: AUTH },
        "GET /participants 401": {
          base,
          path: "/participants",
          headers: { authorization: "Bearer no" },
        },
        "GET /servers 200": { base, path: "/servers", headers: AUTH },
        "GET /servers 400": { base, path: "/servers?all=1", headers: AUTH },
        "GET /servers 401": { base, path: "/servers" },
        "GET /healthz 200": { base, path: "/healthz" },
        "GET /healthz 400": { base, path: "/healthz?verbose=1" },
        "GET /metrics 200": { base, path: "/metrics", headers: AUTH },
        "GET /metrics 400": { base, path: "/metrics?format=json", headers: AUTH },
        "GET /metrics 401": { base, path: "/metrics" },
      };
      // These need the server stopped and its log closed (which also stops its own admin API).
      const afterStop: Record<string, Request> = {
        "GET /participants 500": { base: broken.base, path: "/participants", headers: AUTH },
        "GET /healthz 503": { base: broken.base, path: "/healthz" },
      };
      const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).flatMap(([method, op]) =>
          Object.keys(op.responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
        ),
      );
      expect(documented.toSorted()).toEqual(
        [...Object.keys(requests), ...Object.keys(afterStop)].toSorted(),
      );

      const validate = validatorFor(doc);
      const check = async (key: string, { base: at, path, headers }: Request) => {
        const [method, docPath, status] = key.split(" ") as [string, string, string];
        const response = await fetch(at + path, { method, headers });
        const documentedResponse = defined(
          doc.paths[docPath]?.[method.toLowerCase()]?.responses[status],
        );
        const [mediaType] = Object.keys(defined(documentedResponse.content));
        const contentType = response.headers.get("content-type") ?? "";
        const body =
          mediaType === "application/json" ? await response.json() : await response.text();
        const pointer = `/paths/${pointerSegment(docPath)}/${method.toLowerCase()}/responses/${status}/content/${pointerSegment(defined(mediaType))}/schema`;
        return {
          key,
          status: response.status,
          mediaType: contentType.startsWith(defined(mediaType)),
          errors: validate(pointer, body),
        };
      };
      const expected = (key: string) => ({
        key,
        status: Number(key.split(" ")[2]),
        mediaType: true,
        errors: [],
      });
      for (const [key, request] of Object.entries(requests)) {
        expect(await check(key, request)).toEqual(expected(key));
      }
      await server.stop();
      for (const [key, request] of Object.entries(afterStop)) {
        expect(await check(key, request)).toEqual(expected(key));
      }

      // Any other path or method: the NotFound response of the components.
      const notFound = await fetch(`${broken.base}/nope`, { method: "POST", headers: AUTH });
      expect(notFound.status).toBe(404);
      expect(
        validate(
          "/components/responses/NotFound/content/application~1json/schema",
          await notFound.json(),
        ),
      ).toEqual([]);
    } finally {
      await broken.close();
    }
  });

  test("the schemas are strict enough to catch a wrong body", async () => {
    const { base } = await servedWithToken();
    const doc = await fetchDocument(base);
    const validate = validatorFor(doc);
    const page = (await (await fetch(`${base}/history`, { headers: AUTH })).json()) as {
      logId: string;
      events: Record<string, unknown>[];
    };
    const pointer = "/paths/~1history/get/responses/200/content/application~1json/schema";
    expect(validate(pointer, page)).toEqual([]);
    const event = page.events[0];
    for (const wrong of [
      { ...page, extra: 1 },
      { ...page, next: "3" },
      { ...page, events: [{ ...event, kind: "shout" }] },
      { ...page, events: [{ ...event, sentAt: "yesterday" }] },
      { ...page, events: [{ ...event, participantId: "bo" }] },
      { logId: page.logId, events: [] },
    ]) {
      expect(validate(pointer, wrong)).not.toEqual([]);
    }
  });

  test("is served without the token, and says no token is needed when there is none", async () => {
    const server = await h.start({ admin: {} });
    const doc = await fetchDocument(defined(server.adminUrl));
    expect(doc.security).toBeUndefined();
    expect(doc.components.securitySchemes).toBeUndefined();
    const statuses = Object.values(doc.paths).flatMap((methods) =>
      Object.values(methods).flatMap((op) => Object.keys(op.responses)),
    );
    expect(statuses).not.toContain("401");
    expect(Object.keys(doc.paths).toSorted()).toEqual([
      "/healthz",
      "/history",
      "/metrics",
      "/participants",
      "/servers",
    ]);
  });
});
