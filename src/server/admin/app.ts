import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Server } from "bun";
import type { Context, TypedResponse } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ChatError, type ChatErrorCode } from "../../protocol/errors.ts";
import { WS_PATH } from "../../protocol/ws-frames.ts";
import type { EventLog, Holder, ParticipantRow } from "../../store/event-log.ts";
import type { Participant } from "../hub.ts";
import type { Logger } from "../logger.ts";
import type { ChatServer } from "../server.ts";
import { bearerToken, hashToken, tokenMatches } from "../sessions.ts";
import type { ChatSockets } from "../ws/chat-socket.ts";
import { type ChatPage, PAGE_CSP } from "../ws/page.ts";
import type { SocketData } from "../ws/socket-sink.ts";
import { checkSince, type HistorySource, historyFromLog } from "./history.ts";
import { adminRoutes, OPENAPI_PATH, serveOpenApi } from "./routes.ts";
import type { historyPage } from "./schemas.ts";

/** Every domain error code has exactly one HTTP status. */
export const HTTP_STATUS: Record<ChatErrorCode, ContentfulStatusCode> = {
  invalid_argument: 400,
  unauthenticated: 401,
  not_found: 404,
  failed_precondition: 409,
  out_of_range: 400,
  resource_exhausted: 429,
  aborted: 409,
  unavailable: 503,
};

export interface AdminAppOptions {
  server: ChatServer;
  log: EventLog;
  logger: Logger;
  /** When set, every endpoint but /healthz and /openapi.json needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Where /history pages come from; by default read on this thread from `log`. */
  history?: HistorySource;
  /** The chat for browsers: /ws, open without the admin token. */
  sockets?: ChatSockets;
  /** The chat page at / (and its script at /app.js), open without the admin token. */
  page?: ChatPage;
}

/** Paths the admin token never guards: health, and the browser's chat (it has session tokens). */
const PUBLIC_PATHS = new Set(["/healthz", OPENAPI_PATH, WS_PATH, "/", "/app.js", "/favicon.ico"]);

type Presence = "connected" | "grace" | "leaving" | "left";

type Holding = { holder: Holder; address: string | null };

function presence(row: ParticipantRow, live: Participant | undefined, held?: Holding): Presence {
  if (row.leftSeq !== null) return "left";
  if (live?.state === "leaving") return "leaving";
  if (live?.cursor || held?.holder.streaming) return "connected";
  return "grace";
}

function participantJson(row: ParticipantRow, live: Participant | undefined, held?: Holding) {
  return {
    id: row.id,
    name: row.name,
    status: presence(row, live, held),
    joinedSeq: row.joinedSeq,
    joinedLogicalTime: row.joinedAt,
    leftSeq: row.leftSeq,
    leftLogicalTime: row.leftAt,
    server:
      row.leftSeq === null && held?.holder.serverId
        ? { id: held.holder.serverId, address: held.address }
        : null,
  };
}

/**
 * A JSON body serialized elsewhere (/history's events come serialized from the
 * reader thread), answered as the route's JSON type; the OpenAPI test checks the
 * real bodies against the schema.
 */
function preserialized<T>(c: Context, text: string): TypedResponse<T, 200, "json"> {
  c.header("Content-Type", "application/json");
  return c.body(text, 200) as unknown as TypedResponse<T, 200, "json">;
}

/**
 * The operators' HTTP API over a running server: who is here, the history,
 * health and metrics. Built, not bound: `createAdminServer` or main serves it.
 */
export function createAdminApp({
  server,
  log,
  logger,
  token,
  history = historyFromLog(log),
  sockets,
  page,
}: AdminAppOptions): OpenAPIHono {
  const app = new OpenAPIHono();
  const tokenHash = token === undefined ? undefined : hashToken(token);
  const routes = adminRoutes(tokenHash !== undefined);

  app.use("*", async (c, next) => {
    if (tokenHash === undefined || PUBLIC_PATHS.has(c.req.path)) return next();
    const header = c.req.header("authorization");
    const presented = bearerToken(header);
    if (presented === undefined || !tokenMatches(tokenHash, presented)) {
      c.header("WWW-Authenticate", 'Bearer realm="chitchat-admin"');
      throw new ChatError(
        "unauthenticated",
        header === undefined
          ? "this endpoint needs Authorization: Bearer <admin token>"
          : "the admin token is not valid",
      );
    }
    return next();
  });

  app.openapi(routes.healthz, async (c) => {
    const status = server.state;
    // A read of the log is the honest test of its database.
    const top = await log.top().catch((error: unknown) => {
      if (error instanceof ChatError && error.code === "unavailable") return undefined;
      throw error;
    });
    const database = top && server.hub.databaseReachable ? "reachable" : "unreachable";
    return c.json(
      {
        status,
        logId: log.logId,
        seq: top?.seq ?? 0,
        logicalTime: top?.logicalTime ?? 0,
        participants: server.hub.participants().length,
        subscribers: server.hub.subscriberCount(),
        serverId: server.hub.serverId,
        database,
      },
      status === "serving" && database === "reachable" ? 200 : 503,
    );
  });

  app.openapi(routes.servers, async (c) => {
    const servers = await server.hub.servers();
    return c.json(
      {
        logId: log.logId,
        servers: servers.map((s) => ({
          id: s.id,
          address: s.address,
          adminUrl: s.adminUrl,
          startedAt: new Date(s.startedAtMs).toISOString(),
          renewedAt: new Date(s.renewedAtMs).toISOString(),
          self: s.id === server.hub.serverId,
        })),
      },
      200,
    );
  });

  app.openapi(routes.participants, async (c) => {
    const { all } = c.req.valid("query");
    const live = new Map(server.hub.participants().map((p) => [p.id, p]));
    const [rows, holders, servers] = await Promise.all([
      all ? log.allParticipants() : log.presentParticipants(),
      server.hub.holders(),
      server.hub.servers(),
    ]);
    const addresses = new Map(servers.map((s) => [s.id, s.address]));
    const held = new Map(
      holders.map((h) => [
        h.participantId,
        { holder: h, address: (h.serverId && addresses.get(h.serverId)) || null },
      ]),
    );
    return c.json(
      {
        logId: log.logId,
        participants: rows
          // Present in the log and known to a server (not still on its way in).
          .filter((row) => all || live.has(row.id) || held.has(row.id))
          .map((row) => participantJson(row, live.get(row.id), held.get(row.id))),
      },
      200,
    );
  });

  app.openapi(routes.history, async (c) => {
    const { since, before, limit } = c.req.valid("query");
    if (before === undefined) checkSince(since ?? 0, (await log.top()).logicalTime);
    const page = await history.page(
      before === undefined ? { since: since ?? 0, limit } : { before, limit },
    );
    // Read after the page: the log may have grown while the page was read.
    const top = await log.top();
    // `next`: the `since` for the newer page, null once this page reaches the newest event.
    // `previous`: the `before` for the older page, null once it starts at the first event.
    const next = page.last && page.last.seq < top.seq ? page.last.logicalTime : null;
    const previous = page.first && page.first.seq > 1 ? page.first.logicalTime : null;
    return preserialized<z.infer<typeof historyPage>>(
      c,
      `{"logId":${JSON.stringify(log.logId)},"events":${page.eventsJson},"next":${next},"previous":${previous}}`,
    );
  });

  app.openapi(routes.metrics, async (c) => {
    return c.text(await server.metrics.text(), 200, {
      "Content-Type": server.metrics.contentType,
    });
  });

  serveOpenApi(app, tokenHash !== undefined);

  if (sockets) {
    app.get(
      WS_PATH,
      (c) => sockets.upgrade(c.req.raw, c.env as Server<SocketData>) ?? new Response(null),
    );
  }

  if (page) {
    app.get("/", (c) => {
      c.header("Content-Security-Policy", PAGE_CSP);
      c.header("Cache-Control", "no-cache");
      return c.html(page.html);
    });
    app.get("/app.js", (c) => {
      c.header("Content-Type", "text/javascript; charset=utf-8");
      c.header("Cache-Control", "no-cache");
      return c.body(page.js);
    });
    // Browsers ask for it; there is none, and a 404 would be an error in their console.
    app.get("/favicon.ico", (c) => c.body(null, 204));
  }

  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    if (error instanceof ChatError)
      return c.json({ error: error.message }, HTTP_STATUS[error.code]);
    logger.error("admin_internal_error", {
      path: c.req.path,
      error: error.stack ?? error.message,
    });
    return c.json({ error: "internal server error" }, 500);
  });

  return app;
}
