import { type ServiceError, status } from "@grpc/grpc-js";
import { RETRY_AFTER_METADATA } from "../protocol/errors.ts";
import { CallFailure } from "./call-status.ts";

/** For a throttled call (RESOURCE_EXHAUSTED with a hint): how long the server asks us to wait. */
export function retryAfterMs(error: ServiceError): number | undefined {
  if (error.code !== status.RESOURCE_EXHAUSTED) return undefined;
  const value = error.metadata?.get(RETRY_AFTER_METADATA)[0];
  const ms = typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined;
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === "number";
}

/** A failed gRPC call as the session sees any transport's failures; other errors pass through. */
export function toCallFailure(error: unknown): unknown {
  if (!isServiceError(error)) return error;
  return new CallFailure(error.code, error.details || error.message, retryAfterMs(error));
}
