import { join } from "node:path";
import { createAdminApp } from "../../src/server/admin/app.ts";
import { type HistorySource, historyWorker } from "../../src/server/admin/history.ts";
import { type AdminServer, listenAdmin } from "../../src/server/admin/serve.ts";
import { type Logger, silentLogger } from "../../src/server/logger.ts";
import {
  type ChatServer,
  type ChatServerOptions,
  createChatServer,
  DEFAULT_MAX_MESSAGE_BYTES,
} from "../../src/server/server.ts";
import { createChatSockets } from "../../src/server/ws/chat-socket.ts";
import { buildChatPage } from "../../src/server/ws/page.ts";
import type { EventLog } from "../../src/store/event-log.ts";
import { openEventLog } from "../../src/store/open.ts";
import { type LogReader, openLogReader } from "../../src/store/reader.ts";
import { tempDir } from "./temp.ts";

export interface TestServer extends AsyncDisposable {
  address: string;
  server: ChatServer;
  log: EventLog;
  /** The same log read synchronously over a read-only connection, for wait conditions. */
  view: LogReader;
  dbPath: string;
  /** The admin API's base URL when `admin` was asked for. */
  adminUrl: string | undefined;
  /** Shuts the server down and closes the log (idempotent). */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Reuse this database file (for restarts); a fresh temp file otherwise. */
  dbPath?: string;
  leaveGraceMs?: number;
  logger?: Logger;
  port?: number;
  /** Also serve the admin HTTP API on a free loopback port (or `port`), with this token, if any. */
  admin?: { token?: string; port?: number };
  /** See ChatServerOptions (off, and the hub's defaults, unless given). */
  heartbeatMs?: number;
  keepaliveMs?: number;
  keepaliveTimeoutMs?: number;
  maxQueueEvents?: number;
  maxQueueBytes?: number;
  /** Limits; by default only the message size is limited (as ChatServerOptions defaults). */
  limits?: Pick<
    ChatServerOptions,
    "maxMessageBytes" | "publishRate" | "publishBurst" | "maxParticipants"
  >;
}

/** A real ChitChat server in this process: port 0 on loopback, a real SQLite file. */
export async function startTestServer({
  dbPath,
  leaveGraceMs = 10_000,
  logger = silentLogger,
  port = 0,
  admin,
  limits = {},
  ...tuning
}: TestServerOptions = {}): Promise<TestServer> {
  const dir = dbPath ? undefined : tempDir();
  const path = dbPath ?? join((dir as { path: string }).path, "chitchat.db");
  const log = openEventLog({ path });
  const view = openLogReader(path);
  const server = createChatServer({ log, logger, leaveGraceMs, ...tuning, ...limits });
  let adminServer: AdminServer | undefined;
  let history: HistorySource | undefined;
  if (admin) {
    history = historyWorker(path);
    const sockets = createChatSockets({
      hub: server.hub,
      logger,
      metrics: server.metrics,
      maxFrameBytes: limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    });
    const app = createAdminApp({
      server,
      log,
      logger,
      token: admin.token,
      history,
      sockets,
      page: await buildChatPage(),
    });
    adminServer = listenAdmin(app, {
      host: "127.0.0.1",
      port: admin.port ?? 0,
      websocket: sockets.websocket,
    });
  }
  const address = await server.listen("127.0.0.1", port);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= server.shutdown().then(async () => {
      await adminServer?.stop();
      history?.close();
      view.close();
      await log.close();
      dir?.[Symbol.dispose]();
    });
    return stopped;
  };
  return {
    address,
    server,
    log,
    view,
    dbPath: path,
    adminUrl: adminServer?.url,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
