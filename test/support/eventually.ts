/** Waiting on an event by reading state: no Temporal, no servers, so unit tests use it too. */

/** Thrown by a probe when what it waits for can no longer happen: `eventually` fails at once. */
export class StopWaiting extends Error {}

/**
 * Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. A probe's
 * error is kept for the timeout's message and the polling goes on, except `StopWaiting`. `what`
 * may be a function, read when the wait times out (for a message naming the last state seen).
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  {
    timeoutMs = 20_000,
    intervalMs = 100,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string | (() => string) } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const described = typeof what === 'function' ? what() : what;
      throw new Error(`timed out waiting for ${described}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
