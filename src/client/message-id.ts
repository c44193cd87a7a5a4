/**
 * A new message id: a UUIDv7 (RFC 9562), 48 bits of Unix milliseconds then 74
 * random bits. Time-ordered ids land at the right edge of the log's unique
 * index on message ids, so a commit of many messages touches one index page
 * instead of one per message (a random UUIDv4 costs the SQLite store about 3×
 * the CPU per stored message; docs/PERFORMANCE.md). Uniqueness is the random
 * part's, as with v4. Uses crypto.getRandomValues, which browsers offer on
 * plain http too (crypto.randomUUID needs a secure context).
 */
export function newMessageId(nowMs: number = Date.now()): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | ((b[6] as number) & 0x0f);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  let hex = "";
  for (const x of b) hex += x.toString(16).padStart(2, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
