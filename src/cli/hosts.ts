import { isIP } from "node:net";

/**
 * True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1
 * (and ::ffff:127.x). Used to refuse serving without a token, or speaking
 * plaintext, beyond loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost" || bare.endsWith(".localhost")) return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) return bare === "::1" || /^::ffff:127\./.test(bare);
  return false;
}

/** True for a bind to every interface (0.0.0.0, ::): an address nobody can dial. */
export function isWildcardHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return bare === "0.0.0.0" || (isIP(bare) === 6 && /^[0:]+$/.test(bare));
}
