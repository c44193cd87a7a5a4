import * as grpc from "@grpc/grpc-js";
import { ChatError, type ChatErrorCode, RETRY_AFTER_METADATA } from "../protocol/errors.ts";
import type { Logger } from "./logger.ts";

/** Every domain error code has exactly one gRPC status. */
export const GRPC_STATUS: Record<ChatErrorCode, grpc.status> = {
  invalid_argument: grpc.status.INVALID_ARGUMENT,
  unauthenticated: grpc.status.UNAUTHENTICATED,
  not_found: grpc.status.NOT_FOUND,
  failed_precondition: grpc.status.FAILED_PRECONDITION,
  out_of_range: grpc.status.OUT_OF_RANGE,
  resource_exhausted: grpc.status.RESOURCE_EXHAUSTED,
  aborted: grpc.status.ABORTED,
  unavailable: grpc.status.UNAVAILABLE,
};

/**
 * Turns any failure into a gRPC status. Expected failures keep their sentence
 * (and are logged at debug); anything else is a bug: logged once, answered
 * INTERNAL without internals.
 */
export function toServiceError(error: unknown, logger: Logger): Partial<grpc.StatusObject> {
  if (error instanceof ChatError) {
    logger.debug("refused", {
      code: error.code,
      reason: error.message,
      retryAfterMs: error.retryAfterMs,
    });
    const status: Partial<grpc.StatusObject> = {
      code: GRPC_STATUS[error.code],
      details: error.message,
    };
    if (error.retryAfterMs !== undefined) {
      status.metadata = new grpc.Metadata();
      status.metadata.set(RETRY_AFTER_METADATA, String(error.retryAfterMs));
    }
    return status;
  }
  logger.error("internal_error", {
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return { code: grpc.status.INTERNAL, details: "internal server error" };
}
