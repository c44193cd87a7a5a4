import * as grpc from "@grpc/grpc-js";
import { loadChitChat } from "../protocol/proto.ts";
import type { EventLog } from "../store/event-log.ts";
import { passEncodedBroadcasts } from "./broadcast-bytes.ts";
import { createHealth } from "./health.ts";
import { type Advertised, createHub, type Hub } from "./hub.ts";
import type { Logger } from "./logger.ts";
import { type ChatMetrics, createMetrics } from "./metrics.ts";
import { addReflection } from "./reflection.ts";
import { createChatService } from "./service.ts";
import type { TlsFiles } from "./tls.ts";
import { guardService } from "./wire-guard.ts";

export interface ChatServerOptions {
  log: EventLog;
  logger: Logger;
  leaveGraceMs: number;
  /** Heartbeat interval for idle streams (0 = none). */
  heartbeatMs?: number;
  /** Per-subscriber live queue bounds (count, estimated bytes). */
  maxQueueEvents?: number;
  maxQueueBytes?: number;
  /** Largest request accepted, in bytes; grpc-js answers bigger ones RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
  /** Publishes per participant per second (0 = no limit), and the burst allowed. */
  publishRate?: number;
  publishBurst?: number;
  maxParticipants?: number;
  /**
   * Ping every client connection this often (0 = never): one that does not
   * answer within `keepaliveTimeoutMs` is dropped, so a vanished peer's
   * streams end and its participants' leave grace starts. Under Bun 1.4.5 each
   * answer also lets out DATA that Bun holds behind another stream of the
   * connection that is out of flow-control window (docs/RELIABILITY.md).
   */
  keepaliveMs?: number;
  keepaliveTimeoutMs?: number;
  /** Serve over TLS with this certificate and key (see tls.ts); plaintext without. */
  tls?: TlsFiles;
  /** How long shutdown waits for calls to finish before cutting them off. */
  shutdownTimeoutMs?: number;
  /** Where counters go; a fresh registry by default. */
  metrics?: ChatMetrics;
}

/** A ChitChat gRPC server over an open event log; `listen` binds it. */
export interface ChatServer {
  readonly hub: Hub;
  readonly metrics: ChatMetrics;
  /** starting until `listen` has bound, serving, then stopping once shutdown begins. */
  readonly state: "starting" | "serving" | "stopping";
  /**
   * What `grpc.health.v1.Health` says while serving: SERVING by default; false
   * (e.g. while a database backend is unreachable) makes it NOT_SERVING. From
   * the moment shutdown begins it is NOT_SERVING whatever this says.
   */
  setHealth(serving: boolean): void;
  /**
   * Binds and serves; resolves with the bound "host:port". On a log shared by
   * several servers, `advertised` is what this server's lease tells the others
   * (the bound address and no admin URL by default).
   */
  listen(host: string, port: number, advertised?: Partial<Advertised>): Promise<string>;
  /** Refuses new calls, flushes pending commits, ends streams UNAVAILABLE, stops. */
  shutdown(): Promise<void>;
}

const SERVICE_NAME = "chitchat.v1.ChitChat";

/** The default --max-message-bytes: far above a 128-character message, far below grpc-js's 4 MB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;

function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function createChatServer({
  log,
  logger,
  leaveGraceMs,
  heartbeatMs,
  maxQueueEvents,
  maxQueueBytes,
  maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  publishRate,
  publishBurst,
  maxParticipants,
  keepaliveMs = 0,
  keepaliveTimeoutMs = 10_000,
  tls,
  shutdownTimeoutMs = 4000,
  metrics = createMetrics(),
}: ChatServerOptions): ChatServer {
  const hub = createHub({
    log: metrics.instrumentLog(log),
    logger: logger.child("hub"),
    leaveGraceMs,
    heartbeatMs,
    maxQueue: maxQueueEvents,
    maxQueueBytes,
    publishRate,
    publishBurst,
    maxParticipants,
    // A shared log's database away: the health service says NOT_SERVING until it is back.
    onDatabase: (reachable) => {
      backendServing = reachable;
      updateHealth();
    },
  });
  metrics.setSources({
    subscribers: () => hub.subscriberCount(),
    participants: () => hub.participants().length,
    queueStats: () => hub.queueStats(),
  });
  const service = createChatService({ hub, log, logger: logger.child("grpc"), metrics });
  const grpcServer = new grpc.Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    // Nothing serves channelz here, and grpc-js's tracking for it costs every
    // connection and call (~5 KB of RSS per idle subscriber, see the commit).
    "grpc.enable_channelz": 0,
    ...(keepaliveMs > 0
      ? { "grpc.keepalive_time_ms": keepaliveMs, "grpc.keepalive_timeout_ms": keepaliveTimeoutMs }
      : {}),
  });
  grpcServer.addService(
    passEncodedBroadcasts(guardService(loadChitChat().ChitChat.service, SERVICE_NAME)),
    service.handlers as unknown as grpc.UntypedServiceImplementation,
  );
  // The standard health service and server reflection, beside ChitChat.
  const health = createHealth(["", SERVICE_NAME]);
  health.addToServer(grpcServer);
  addReflection(grpcServer);
  let stopped: Promise<void> | undefined;
  let state: ChatServer["state"] = "starting";
  let backendServing = true;
  const updateHealth = () =>
    health.set(state === "serving" && backendServing ? "SERVING" : "NOT_SERVING");

  return {
    hub,
    metrics,
    get state() {
      return state;
    },
    setHealth(serving) {
      backendServing = serving;
      updateHealth();
    },
    listen(host, port, advertised = {}) {
      return new Promise((resolve, reject) => {
        grpcServer.bindAsync(
          hostPort(host, port),
          tls
            ? grpc.ServerCredentials.createSsl(
                null,
                [{ cert_chain: tls.cert, private_key: tls.key }],
                false,
              )
            : grpc.ServerCredentials.createInsecure(),
          (error, boundPort) => {
            if (error) {
              reject(error);
              return;
            }
            const bound = hostPort(host, boundPort);
            hub
              .start({
                address: advertised.address ?? bound,
                adminUrl: advertised.adminUrl ?? null,
              })
              .then(() => {
                if (state === "starting") state = "serving";
                updateHealth();
                resolve(bound);
              }, reject);
          },
        );
      });
    },
    shutdown() {
      state = "stopping";
      updateHealth();
      // Watchers have seen NOT_SERVING; their streams would hold tryShutdown open.
      health.endWatches("server shutting down");
      stopped ??= hub.close().then(
        () =>
          new Promise<void>((resolve) => {
            // Every pending publish has its result now: publish streams can end.
            service.closeStreams();
            const force = setTimeout(() => grpcServer.forceShutdown(), shutdownTimeoutMs);
            grpcServer.tryShutdown(() => {
              clearTimeout(force);
              resolve();
            });
          }),
      );
      return stopped;
    },
  };
}
