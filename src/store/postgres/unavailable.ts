import { ChatError } from "../../protocol/errors.ts";

/** The sentence a caller gets while the database cannot be reached. */
export const UNAVAILABLE_SENTENCE =
  "The chat's database cannot be reached right now; try again (a retried publish with the same message_id is stored once).";

// postgres.js's own codes for a connection that failed or went away.
const DRIVER_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * Whether `error` says the database is out of reach (not a bug in the query):
 * a connection error, or a server shutting down, starting up or refusing connections
 * (SQLSTATE classes 08 and 57P, and 53300 too_many_connections).
 */
export function isUnreachable(error: unknown): boolean {
  // drizzle wraps the driver's error as the `cause` of its DrizzleQueryError.
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      return (
        DRIVER_CODES.has(code) ||
        code.startsWith("08") ||
        code.startsWith("57P") ||
        code === "53300"
      );
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Runs `work`, turning an unreachable database into ChatError("unavailable"). */
export async function orUnavailable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUnreachable(error)) throw new ChatError("unavailable", UNAVAILABLE_SENTENCE);
    throw error;
  }
}
