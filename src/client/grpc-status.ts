import { type ServiceError, status } from "@grpc/grpc-js";
import { ChatError, type ChatErrorCode, RETRY_AFTER_METADATA } from "../protocol/errors.ts";

/** gRPC statuses that have a domain code; the rest are not the caller's to act on. */
const CHAT_CODES: Partial<Record<status, ChatErrorCode>> = {
  [status.INVALID_ARGUMENT]: "invalid_argument",
  [status.UNAUTHENTICATED]: "unauthenticated",
  [status.NOT_FOUND]: "not_found",
  [status.FAILED_PRECONDITION]: "failed_precondition",
  [status.OUT_OF_RANGE]: "out_of_range",
  [status.RESOURCE_EXHAUSTED]: "resource_exhausted",
  [status.UNAVAILABLE]: "unavailable",
  [status.DEADLINE_EXCEEDED]: "unavailable",
};

/** Statuses after which a Subscribe is not retried: retrying cannot fix them. */
const FINAL_FOR_SUBSCRIBE = new Set<status>([
  status.INVALID_ARGUMENT,
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.NOT_FOUND,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.UNIMPLEMENTED,
  // Another Subscribe with our token replaced this stream; fighting it back would loop.
  status.ABORTED,
]);

export function isFinalForSubscribe(code: status): boolean {
  return FINAL_FOR_SUBSCRIBE.has(code);
}

/** Statuses after which a Publish is retried with the same message id. */
export function isRetryableForPublish(code: status): boolean {
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED;
}

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

/** A short reason for a failed call, without grpc-js's empty resolver notes. */
export function describeFailure(code: status, details: string): string {
  const text = details.replace(/\s*Resolution note:\s*$/, "").trim();
  return text || status[code] || `status ${code}`;
}

/** The server's sentence for a failed call, as a ChatError when the status has a domain code. */
export function toChatError(error: ServiceError): Error {
  const message = error.details || error.message;
  const code = CHAT_CODES[error.code as status];
  if (code) return new ChatError(code, message);
  return new Error(`${status[error.code] ?? error.code}: ${message}`);
}
