import * as grpc from "@grpc/grpc-js";
import { loadChitChat } from "../protocol/proto.ts";
import type { EventLog } from "../store/event-log.ts";
import { passEncodedBroadcasts } from "./broadcast-bytes.ts";
import { createHub, type Hub } from "./hub.ts";
import type { Logger } from "./logger.ts";
import { type ChatMetrics, createMetrics } from "./metrics.ts";
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
  /** Binds and serves; resolves with the bound "host:port". */
  listen(host: string, port: number): Promise<string>;
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
  });
  metrics.setSources({
    subscribers: () => hub.subscriberCount(),
    participants: () => hub.participants().length,
    queueStats: () => hub.queueStats(),
  });
  const service = createChatService({ hub, logger: logger.child("grpc"), metrics });
  const grpcServer = new grpc.Server({ "grpc.max_receive_message_length": maxMessageBytes });
  grpcServer.addService(
    passEncodedBroadcasts(guardService(loadChitChat().ChitChat.service, SERVICE_NAME)),
    service.handlers as unknown as grpc.UntypedServiceImplementation,
  );
  let stopped: Promise<void> | undefined;
  let state: ChatServer["state"] = "starting";

  return {
    hub,
    metrics,
    get state() {
      return state;
    },
    listen(host, port) {
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
            hub.start();
            if (state === "starting") state = "serving";
            resolve(hostPort(host, boundPort));
          },
        );
      });
    },
    shutdown() {
      state = "stopping";
      stopped ??= new Promise<void>((resolve) => {
        hub.close();
        service.closeStreams();
        const force = setTimeout(() => grpcServer.forceShutdown(), shutdownTimeoutMs);
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return stopped;
    },
  };
}
