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

/** A failure the caller can act on, with a sentence a person understands. */
export class ChatError extends Error {
  readonly code: ChatErrorCode;

  constructor(code: ChatErrorCode, message: string) {
    super(message);
    this.name = "ChatError";
    this.code = code;
  }
}
