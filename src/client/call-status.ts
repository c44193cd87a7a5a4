// How a call failed, in gRPC's status codes whatever carried it (gRPC or the
// browser's WebSocket, whose error frames use the same codes), and what the
// session does about each. No gRPC import: the browser bundles this.
import { ChatError, type ChatErrorCode } from "../protocol/errors.ts";

/** gRPC status codes (the numbers every gRPC implementation uses). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const STATUS_NAMES = new Map<number, string>(Object.entries(Status).map(([k, v]) => [v, k]));

/** A call the server refused or the transport could not complete. */
export class CallFailure extends Error {
  readonly code: number;
  readonly details: string;
  /** For a throttled call (RESOURCE_EXHAUSTED with a hint): how long the server asks us to wait. */
  readonly retryAfterMs: number | undefined;

  constructor(code: number, details: string, retryAfterMs?: number) {
    super(details || STATUS_NAMES.get(code) || `status ${code}`);
    this.name = "CallFailure";
    this.code = code;
    this.details = details;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Statuses that have a domain code; the rest are not the caller's to act on. */
const CHAT_CODES: Partial<Record<number, ChatErrorCode>> = {
  [Status.INVALID_ARGUMENT]: "invalid_argument",
  [Status.UNAUTHENTICATED]: "unauthenticated",
  [Status.NOT_FOUND]: "not_found",
  [Status.FAILED_PRECONDITION]: "failed_precondition",
  [Status.OUT_OF_RANGE]: "out_of_range",
  [Status.RESOURCE_EXHAUSTED]: "resource_exhausted",
  [Status.UNAVAILABLE]: "unavailable",
  [Status.DEADLINE_EXCEEDED]: "unavailable",
};

/** Statuses after which a Subscribe is not retried: retrying cannot fix them. */
const FINAL_FOR_SUBSCRIBE = new Set<number>([
  Status.INVALID_ARGUMENT,
  Status.UNAUTHENTICATED,
  Status.PERMISSION_DENIED,
  Status.NOT_FOUND,
  Status.FAILED_PRECONDITION,
  Status.OUT_OF_RANGE,
  Status.UNIMPLEMENTED,
  // Another Subscribe with our token replaced this stream; fighting it back would loop.
  Status.ABORTED,
]);

export function isFinalForSubscribe(code: number): boolean {
  return FINAL_FOR_SUBSCRIBE.has(code);
}

/** Statuses after which a Publish is retried with the same message id. */
export function isRetryableForPublish(code: number): boolean {
  return code === Status.UNAVAILABLE || code === Status.DEADLINE_EXCEEDED;
}

/** A short reason for a failed call, without grpc-js's empty resolver notes. */
export function describeFailure(code: number, details: string): string {
  const text = details.replace(/\s*Resolution note:\s*$/, "").trim();
  return text || STATUS_NAMES.get(code) || `status ${code}`;
}

/** The server's sentence for a failed call, as a ChatError when the status has a domain code. */
export function toChatError(failure: CallFailure): Error {
  const code = CHAT_CODES[failure.code];
  if (code) return new ChatError(code, failure.message);
  return new Error(`${STATUS_NAMES.get(failure.code) ?? failure.code}: ${failure.message}`);
}
