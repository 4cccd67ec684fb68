/** Resolves after `ms` milliseconds (at once for `ms <= 0`). */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Polls `check` every `pollMs` until it returns true and resolves with the time that took,
 * in ms; throws naming `what` once `timeoutMs` have passed.
 *
 * @example
 * const ms = await waitUntil('the viewer to get peers', async () => (await v.stats()).peers > 0);
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  pollMs = 200,
): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(pollMs);
  }
  return Date.now() - start;
}

/** {@link waitUntil} for an unnamed synchronous condition, polled every 10 ms. */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  await waitUntil('a condition', check, timeoutMs, 10);
}
