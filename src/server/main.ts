// `bun run server`: the only place that reads argv/env, binds, and exits.

import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { configOrExit } from "../cli/flags.ts";
import { openEventLog } from "../store/open.ts";
import { createAdminApp } from "./admin/app.ts";
import { historyWorker } from "./admin/history.ts";
import { type AdminServer, listenAdmin } from "./admin/serve.ts";
import { parseServerConfig, serverTuning } from "./config.ts";
import { createLogger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import { createChatServer } from "./server.ts";
import { loadTlsFiles, type TlsFiles } from "./tls.ts";

const config = configOrExit(
  parseServerConfig(process.argv.slice(2), process.env),
  "chitchat server",
);

let logFile: ReturnType<typeof createWriteStream> | undefined;
if (config.logFile) {
  mkdirSync(dirname(config.logFile), { recursive: true });
  logFile = createWriteStream(config.logFile, { flags: "a" });
}
// Lines are written once per turn of the event loop, not one system call each:
// a busy commit logs a line per event, and the loop does nothing else meanwhile.
let pendingLines = "";
let flushScheduled = false;
const flushLines = () => {
  flushScheduled = false;
  if (pendingLines === "") return;
  const text = pendingLines;
  pendingLines = "";
  process.stdout.write(text);
  logFile?.write(text);
};
process.on("exit", flushLines);
const logger = createLogger({
  write: (line) => {
    pendingLines += `${line}\n`;
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushLines);
    }
  },
});

let tls: TlsFiles | undefined;
try {
  if (config.tlsCert && config.tlsKey) tls = loadTlsFiles(config.tlsCert, config.tlsKey);
} catch (error) {
  logger.error("startup_failed", { error: (error as Error).message });
  process.exit(1);
}

let log: ReturnType<typeof openEventLog>;
try {
  log = openEventLog({ path: config.db, synchronous: config.synchronous });
} catch (error) {
  logger.error("startup_failed", { db: config.db, error: (error as Error).message });
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
// History pages are read on their own thread, beside the gRPC event loop.
const history = historyWorker(config.db);
try {
  // The admin API comes up first, so /healthz can answer 503 while gRPC binds.
  const app = createAdminApp({
    server,
    log,
    logger: logger.child("admin"),
    token: config.adminToken,
    history,
  });
  admin = listenAdmin(app, {
    host: config.adminHost,
    port: config.adminPort,
    // The same certificate as gRPC: the admin API is HTTPS whenever gRPC is TLS.
    tls: tls && { cert: tls.cert.toString(), key: tls.key.toString() },
  });
  address = await server.listen(config.host, config.port);
} catch (error) {
  await admin?.stop();
  history.close();
  logger.error("startup_failed", {
    address: `${config.host}:${config.port}`,
    admin: `${config.adminHost}:${config.adminPort}`,
    error: (error as Error).message,
  });
  log.close();
  process.exit(1);
}
const top = log.top();
logger.info("listening", {
  address,
  admin: admin.url,
  db: config.db,
  logId: log.logId,
  seq: top.seq,
  lt: top.logicalTime,
  synchronous: config.synchronous,
  ...tuning,
  tls: tls !== undefined,
});

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
  log.close();
  clearTimeout(deadline);
  logger.info("stopped", { seq: log.top().seq });
  flushLines();
  // process.exit does not wait for a file stream: end it first so the last lines land.
  await new Promise<void>((resolve) => (logFile ? logFile.end(resolve) : resolve()));
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
