import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh session token: 256 random bits, URL-safe. */
export function newSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What the log stores instead of the token. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Compares a presented token with a stored hash in constant time. */
export function tokenMatches(storedHash: string, token: string): boolean {
  const presented = createHash("sha256").update(token).digest();
  const stored = Buffer.from(storedHash, "hex");
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

/** The token from `authorization: Bearer <token>` metadata, if present. */
export function bearerToken(authorization: unknown): string | undefined {
  if (typeof authorization !== "string") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
