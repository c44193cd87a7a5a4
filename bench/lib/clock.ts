/**
 * Wall-clock milliseconds with sub-millisecond resolution. Every process on the
 * machine reads the same clock, so a send time carried in a message can be
 * subtracted from a receive time in another process.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
