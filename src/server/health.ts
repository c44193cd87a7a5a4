import * as grpc from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";

/** What the standard health service answers for a service name. */
export type HealthStatus = Extract<ServingStatus, "SERVING" | "NOT_SERVING">;

/**
 * `grpc.health.v1.Health` (grpc-health-check) for the names in `services`;
 * any other name is NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch).
 */
export interface ChatHealth {
  /** Sets every name's status; open Watch streams get it at once. */
  set(status: HealthStatus): void;
  /** Ends every open Watch stream UNAVAILABLE, after the status it was last sent. */
  endWatches(details: string): void;
  addToServer(server: grpc.Server): void;
}

export function createHealth(services: readonly string[]): ChatHealth {
  const health = new HealthImplementation(
    Object.fromEntries(services.map((name) => [name, "NOT_SERVING"])),
  );
  const watches = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  let current: HealthStatus = "NOT_SERVING";
  return {
    set(status) {
      // Watchers hear of changes only, as the health protocol says.
      if (status === current) return;
      current = status;
      for (const name of services) health.setStatus(name, status);
    },
    endWatches(details) {
      for (const call of watches) {
        call.emit("error", { code: grpc.status.UNAVAILABLE, details });
      }
      watches.clear();
    },
    addToServer(server) {
      // Watch streams are tracked so shutdown can end them: grpc-js's tryShutdown
      // would otherwise wait for them (they never end on their own) until forced.
      health.addToServer({
        addService(definition, implementation) {
          const watch = implementation.watch as grpc.handleServerStreamingCall<unknown, unknown>;
          server.addService(
            definition as grpc.ServiceDefinition,
            {
              ...implementation,
              watch(call: grpc.ServerWritableStream<unknown, unknown>) {
                watches.add(call);
                call.on("cancelled", () => watches.delete(call));
                watch(call);
              },
            } as grpc.UntypedServiceImplementation,
          );
        },
      });
    },
  };
}
