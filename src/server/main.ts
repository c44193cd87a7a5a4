// `bun run server`: the only place that reads argv/env, binds, and exits.

import { configOrExit } from "../cli/flags.ts";
import { isWildcardHost } from "../cli/hosts.ts";
import type { EventLog } from "../store/event-log.ts";
import { openEventLog } from "../store/open.ts";
import { isPostgresUrl, redactUrl } from "../store/postgres/url.ts";
import { createAdminApp } from "./admin/app.ts";
import { historyFromLog, historyWorker } from "./admin/history.ts";
import { type AdminServer, listenAdmin } from "./admin/serve.ts";
import { parseServerConfig, serverTuning } from "./config.ts";
import { createServerLogger } from "./log-output.ts";
import type { Logger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import { createChatServer } from "./server.ts";
import { loadTlsFiles, type TlsFiles } from "./tls.ts";
import { createChatSockets } from "./ws/chat-socket.ts";
import { buildChatPage } from "./ws/page.ts";

const config = configOrExit(
  parseServerConfig(process.argv.slice(2), process.env),
  "chitchat server",
);

// Every line goes to stdout and --log-file synchronously: nothing to flush at exit.
let logger: Logger;
try {
  logger = createServerLogger({
    format: config.logFormat,
    level: config.logLevel,
    logFile: config.logFile,
  });
} catch (error) {
  console.error(`chitchat server: cannot open --log-file: ${(error as Error).message}`);
  process.exit(1);
}

let tls: TlsFiles | undefined;
try {
  if (config.tlsCert && config.tlsKey) tls = loadTlsFiles(config.tlsCert, config.tlsKey);
} catch (error) {
  logger.error("startup_failed", { error: (error as Error).message });
  process.exit(1);
}

// A postgres:// URL is a log several servers share; anything else is a SQLite file.
const postgresDb = isPostgresUrl(config.db);
const dbForLogs = postgresDb ? redactUrl(config.db) : config.db;
let log: EventLog;
try {
  // The PostgreSQL driver is loaded only when a server uses it.
  log = postgresDb
    ? await (await import("../store/postgres/open.ts")).openPostgresLog({
        url: config.db,
        leaseTtlMs: config.leaseTtlMs,
        maxParticipants: config.maxParticipants,
        onTailError: (error) => logger.warn("log_tail_failed", { error: String(error) }),
      })
    : openEventLog({ path: config.db, synchronous: config.synchronous });
} catch (error) {
  logger.error("startup_failed", { db: dbForLogs, error: (error as Error).message });
  process.exit(1);
}

// The settings the server runs with, passed on as they are and logged once it listens.
const tuning = serverTuning(config);
const server = createChatServer({
  log,
  logger,
  metrics: createMetrics({ processMetrics: true }),
  tls,
  ...tuning,
});
let address: string;
let admin: AdminServer | undefined;
// SQLite history pages are read on their own thread, beside the gRPC event loop;
// PostgreSQL does its reading in its own processes.
const history = postgresDb ? historyFromLog(log) : historyWorker(config.db);
try {
  // The browser's chat: /ws on the same listener, through the same hub as gRPC.
  const sockets = createChatSockets({
    hub: server.hub,
    logger: logger.child("ws"),
    metrics: server.metrics,
    maxFrameBytes: config.maxMessageBytes,
  });
  // The admin API comes up first, so /healthz can answer 503 while gRPC binds.
  const app = createAdminApp({
    server,
    log,
    logger: logger.child("admin"),
    token: config.adminToken,
    history,
    sockets,
    page: await buildChatPage(),
  });
  admin = listenAdmin(app, {
    websocket: sockets.websocket,
    host: config.adminHost,
    port: config.adminPort,
    // The same certificate as gRPC: the admin API is HTTPS whenever gRPC is TLS.
    tls: tls && { cert: tls.cert.toString(), key: tls.key.toString() },
  });
  address = await server.listen(config.host, config.port, {
    adminUrl: config.advertiseAdminUrl ?? admin.url,
    ...(config.advertiseAddress ? { address: config.advertiseAddress } : {}),
  });
} catch (error) {
  await admin?.stop();
  history.close();
  logger.error("startup_failed", {
    address: `${config.host}:${config.port}`,
    admin: `${config.adminHost}:${config.adminPort}`,
    error: (error as Error).message,
  });
  await log.close();
  process.exit(1);
}
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info("shutdown", { signal });
  const deadline = setTimeout(() => {
    logger.error("shutdown_timeout", {});
    process.exit(1);
  }, 5000);
  await server.shutdown();
  await admin?.stop();
  history.close();
  const { seq } = await log.top();
  await log.close();
  clearTimeout(deadline);
  logger.info("stopped", { seq });
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));

// Logged once the signal handlers are in place: a supervisor (or a test) that
// stops the server as soon as it reads this line gets a clean shutdown.
const top = await log.top();
logger.info("listening", {
  address,
  admin: admin.url,
  db: dbForLogs,
  logId: log.logId,
  seq: top.seq,
  lt: top.logicalTime,
  synchronous: config.synchronous,
  ...(postgresDb
    ? {
        leaseTtlMs: config.leaseTtlMs,
        advertise: config.advertiseAddress ?? address,
        advertiseAdmin: config.advertiseAdminUrl ?? admin.url,
      }
    : {}),
  ...tuning,
  tls: tls !== undefined,
});
// A wildcard bind is fine for clients, but other machines cannot dial 0.0.0.0.
if (postgresDb && !config.advertiseAddress && isWildcardHost(config.host)) {
  logger.warn("advertised_wildcard", {
    address,
    hint: "the other servers and /servers show an address nobody can dial: set --advertise-address",
  });
}
