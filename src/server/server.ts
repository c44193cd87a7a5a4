import * as grpc from "@grpc/grpc-js";
import { loadChitChat } from "../protocol/proto.ts";
import type { EventLog } from "../store/event-log.ts";
import { passEncodedBroadcasts } from "./broadcast-bytes.ts";
import { createHub, type Hub } from "./hub.ts";
import type { Logger } from "./logger.ts";
import { createChatService } from "./service.ts";
import { guardService } from "./wire-guard.ts";

export interface ChatServerOptions {
  log: EventLog;
  logger: Logger;
  leaveGraceMs: number;
  /** How long shutdown waits for calls to finish before cutting them off. */
  shutdownTimeoutMs?: number;
}

/** A ChitChat gRPC server over an open event log; `listen` binds it. */
export interface ChatServer {
  readonly hub: Hub;
  /** Binds and serves; resolves with the bound "host:port". */
  listen(host: string, port: number): Promise<string>;
  /** Refuses new calls, flushes pending commits, ends streams UNAVAILABLE, stops. */
  shutdown(): Promise<void>;
}

const SERVICE_NAME = "chitchat.v1.ChitChat";

function hostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function createChatServer({
  log,
  logger,
  leaveGraceMs,
  shutdownTimeoutMs = 4000,
}: ChatServerOptions): ChatServer {
  const hub = createHub({ log, logger: logger.child("hub"), leaveGraceMs });
  const service = createChatService({ hub, logger: logger.child("grpc") });
  const grpcServer = new grpc.Server();
  grpcServer.addService(
    passEncodedBroadcasts(guardService(loadChitChat().ChitChat.service, SERVICE_NAME)),
    service as unknown as grpc.UntypedServiceImplementation,
  );
  let stopped: Promise<void> | undefined;

  return {
    hub,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        grpcServer.bindAsync(
          hostPort(host, port),
          grpc.ServerCredentials.createInsecure(),
          (error, boundPort) => {
            if (error) {
              reject(error);
              return;
            }
            hub.start();
            resolve(hostPort(host, boundPort));
          },
        );
      });
    },
    shutdown() {
      stopped ??= new Promise<void>((resolve) => {
        hub.close();
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
