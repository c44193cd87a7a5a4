export interface WaitOptions {
  /** Fails after this long (default 10 s). */
  timeoutMs?: number;
  /** Names the condition in the timeout message. */
  what?: string;
}

/**
 * Polls `check` until it returns a truthy value and returns that value; tests
 * wait for a condition like this, never for a fixed time.
 */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 10_000, what = "condition" }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
