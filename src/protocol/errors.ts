/**
 * Every expected failure has one of these codes. Each edge (gRPC, HTTP) maps
 * the union with a total table, so a new code does not compile until mapped.
 */
export type ChatErrorCode =
  | "invalid_argument"
  | "unauthenticated"
  | "not_found"
  | "failed_precondition"
  | "out_of_range"
  | "resource_exhausted"
  | "aborted"
  | "unavailable";

/** Trailing metadata of a throttled call: milliseconds until trying again may succeed. */
export const RETRY_AFTER_METADATA = "retry-after-ms";

/** A failure the caller can act on, with a sentence a person understands. */
export class ChatError extends Error {
  readonly code: ChatErrorCode;
  /** For RESOURCE_EXHAUSTED: when trying again may succeed. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ChatErrorCode, message: string, options: { retryAfterMs?: number } = {}) {
    super(message);
    this.name = "ChatError";
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
  }
}
