export interface LoadResult {
  requests: number;
  concurrency: number;
  elapsedMs: number;
  /** Duration of each request, in ms, in the order the requests were started. */
  durationsMs: Float64Array;
  errors: number;
  firstError?: unknown;
}

/**
 * Runs `call` `requests` times with at most `concurrency` in flight: a closed loop, so each
 * worker starts its next request as soon as the previous one settles. Failures are counted, not
 * thrown, so one bad answer does not throw away a whole run's figures.
 */
export async function runLoad(
  requests: number,
  concurrency: number,
  call: (index: number) => Promise<unknown>,
  /** Stop starting new calls once this many failed: a broken setup should fail fast, not slowly. */
  maxErrors = Number.POSITIVE_INFINITY,
): Promise<LoadResult> {
  const durationsMs = new Float64Array(requests);
  let next = 0;
  let errors = 0;
  let firstError: unknown;

  const worker = async (): Promise<void> => {
    while (next < requests && errors < maxErrors) {
      const index = next++;
      const started = performance.now();
      try {
        await call(index);
      } catch (error) {
        errors += 1;
        firstError ??= error;
      }
      durationsMs[index] = performance.now() - started;
    }
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  const elapsedMs = performance.now() - started;
  if (next < requests) {
    // Stopped early: report only the calls that ran.
    return {
      requests: next,
      concurrency,
      elapsedMs,
      durationsMs: durationsMs.slice(0, next),
      errors,
      firstError,
    };
  }
  return { requests, concurrency, elapsedMs, durationsMs, errors, firstError };
}

/** Nearest-rank percentile (`p` in 0..100) of unsorted samples. */
export function percentile(samples: Float64Array, p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}
