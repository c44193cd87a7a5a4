import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { historyQuery, noQuery, participantsQuery, query } from "./query.ts";
import { errorBody, healthBody, historyPage, participantsBody, serversBody } from "./schemas.ts";

/** Where the API's own description is served; open without the token (it holds no data). */
export const OPENAPI_PATH = "/openapi.json";

const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const badRequest = json(
  errorBody,
  "A bad query: an unknown or repeated parameter, or a value out of range.",
);
const unauthorized = json(
  errorBody,
  "The admin token is missing or wrong (only when the server runs with --admin-token).",
);
const internal = json(
  errorBody,
  "The log could not be read; the details go to the server log, not the answer.",
);

/**
 * The admin routes, with the schemas that both validate the requests (through
 * `query`, which keeps the API's own error sentences) and describe them in
 * /openapi.json. `auth`: the server has an admin token, so 401s are possible.
 */
export function adminRoutes(auth: boolean) {
  // Typed as always there, so handlers keep one type; documented only with a token.
  const withAuth = (auth ? { 401: unauthorized } : {}) as { 401: typeof unauthorized };
  return {
    history: createRoute({
      method: "get",
      path: "/history",
      operationId: "getHistory",
      summary: "Events from the log, a page at a time",
      description:
        "`since=L`: the events with logical time > L, oldest first (the default, from 0). " +
        "`before=L`: the `limit` newest events with logical time < L, oldest first. " +
        "`since` ahead of the log's newest logical time is a 400.",
      middleware: [query(historyQuery)] as const,
      request: { query: historyQuery },
      responses: {
        200: json(historyPage, "A page of events."),
        400: badRequest,
        ...withAuth,
        500: internal,
      },
    }),
    participants: createRoute({
      method: "get",
      path: "/participants",
      operationId: "listParticipants",
      summary: "Who is in the chat (with all=1, also who left)",
      middleware: [query(participantsQuery)] as const,
      request: { query: participantsQuery },
      responses: {
        200: json(participantsBody, "The participants, in joining order."),
        400: badRequest,
        ...withAuth,
        500: internal,
      },
    }),
    servers: createRoute({
      method: "get",
      path: "/servers",
      operationId: "listServers",
      summary: "The live servers sharing the log (this one alone on SQLite)",
      description:
        "Each server renews a lease every second; a server whose lease has expired is not listed.",
      middleware: [query(noQuery)] as const,
      request: { query: noQuery },
      responses: {
        200: json(serversBody, "The live servers, oldest first."),
        400: badRequest,
        ...withAuth,
      },
    }),
    healthz: createRoute({
      method: "get",
      path: "/healthz",
      operationId: "getHealth",
      summary: "Whether the server serves, and the log's position",
      description: "Never needs the admin token.",
      security: [],
      middleware: [query(noQuery)] as const,
      request: { query: noQuery },
      responses: {
        200: json(healthBody, "Serving."),
        400: badRequest,
        503: json(
          healthBody,
          "Starting or stopping (`status` says which), or the database unreachable (`database`).",
        ),
      },
    }),
    metrics: createRoute({
      method: "get",
      path: "/metrics",
      operationId: "getMetrics",
      summary: "Prometheus metrics",
      middleware: [query(noQuery)] as const,
      request: { query: noQuery },
      responses: {
        200: {
          description: "The Prometheus text exposition format (prom-client).",
          content: { "text/plain": { schema: z.string() } },
        },
        400: badRequest,
        ...withAuth,
      },
    }),
  };
}

/** Registers what the routes cannot say themselves, and serves the document at OPENAPI_PATH. */
export function serveOpenApi(app: OpenAPIHono, auth: boolean): void {
  if (auth) {
    app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
      type: "http",
      scheme: "bearer",
      description: "The server's --admin-token (CHITCHAT_ADMIN_TOKEN).",
    });
  }
  app.openAPIRegistry.registerComponent("responses", "NotFound", {
    description: "Any other path or method: `no such endpoint: GET /path`.",
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  app.doc31(OPENAPI_PATH, (c) => ({
    openapi: "3.1.0",
    // Where this document was fetched from is where the API is.
    servers: [{ url: new URL(c.req.url).origin }],
    info: {
      title: "ChitChat admin API",
      version: "1",
      description:
        "The operators' HTTP API of a ChitChat server: the history, who is here, health and " +
        'metrics. Every error is JSON `{ "error": sentence }`; any other path or method ' +
        "answers 404 (components.responses.NotFound). This document is generated from the " +
        "zod schemas that validate the requests and type the responses, and is served " +
        "without the admin token.",
    },
    ...(auth ? { security: [{ adminToken: [] }] } : {}),
  }));
}
