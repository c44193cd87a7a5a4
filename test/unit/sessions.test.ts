import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { hashToken, newSessionToken, tokenMatches } from "../../src/server/sessions.ts";

describe("session tokens", () => {
  test("are 256 random bits, URL-safe, never the same twice", () => {
    const tokens = Array.from({ length: 1000 }, newSessionToken);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, "base64url").length).toBe(32);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  test("only a SHA-256 of the token is kept, and it matches only that token", () => {
    const token = newSessionToken();
    const stored = hashToken(token);
    expect(stored).toBe(createHash("sha256").update(token).digest("hex"));
    expect(stored).not.toContain(token);
    expect(tokenMatches(stored, token)).toBe(true);
    expect(tokenMatches(stored, `${token}x`)).toBe(false);
    expect(tokenMatches(stored, newSessionToken())).toBe(false);
    expect(tokenMatches(stored, "")).toBe(false);
    // A damaged stored hash is a mismatch, not an exception.
    expect(tokenMatches("abc", token)).toBe(false);
  });

  test("are compared in constant time: equal-length digests through timingSafeEqual", () => {
    // Timing cannot be asserted reliably on a shared machine; the source can.
    const source = readFileSync(new URL("../../src/server/sessions.ts", import.meta.url), "utf8");
    const body = source.slice(source.indexOf("export function tokenMatches"));
    expect(body).toContain("timingSafeEqual(stored, presented)");
    expect(body.slice(0, body.indexOf("\n}"))).not.toMatch(/===\s*token|token\s*===/);
  });
});
