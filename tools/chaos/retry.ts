import type { Connection } from '@temporalio/client';
import { LifecycleClientError } from '../../src/client';

/**
 * The driver's own resilience: while the dev server restarts, every client call fails for a
 * while (the SDK's gRPC retries give up after ~10 attempts). The driver retries each call until
 * the run's deadline; only answers that are final — the lifecycle is closed, the request was
 * refused — end the retrying. Each attempt has its own gRPC deadline, so that a query with no
 * worker alive to answer it cannot hang a lifecycle's driver.
 */

export class RunDeadlineExceeded extends Error {
  override name = 'RunDeadlineExceeded';
}

export interface RetryBudget {
  /** Epoch ms when the whole run is given up. */
  deadline: number;
  /** Counts retried attempts per call name, for the report. */
  retries: Map<string, number>;
}

export interface RetryOptions {
  /** gRPC deadline of one attempt. */
  attemptTimeoutMs?: number;
  /** Called before a retry; returns false when the retry is no longer needed (e.g. the effect is visible). */
  beforeRetry?: (error: unknown, attempt: number) => Promise<boolean>;
}

/** A typed lifecycle error is an answer, not an outage: it is never retried. */
export function isFinalAnswer(error: unknown): boolean {
  return error instanceof LifecycleClientError;
}

/** Runs `call` until it succeeds, answers finally, or the run's deadline passes. */
export async function retrying<T>(
  name: string,
  connection: Connection,
  budget: RetryBudget,
  call: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T | undefined> {
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    const remaining = budget.deadline - Date.now();
    if (remaining <= 0) throw new RunDeadlineExceeded(`${name}: the run's deadline passed`);
    try {
      return await connection.withDeadline(Date.now() + Math.min(attemptTimeoutMs, remaining), call);
    } catch (error) {
      if (isFinalAnswer(error)) throw error;
      budget.retries.set(name, (budget.retries.get(name) ?? 0) + 1);
      await sleep(Math.min(250 * 2 ** Math.min(attempt - 1, 4), 4_000) * (0.75 + Math.random() / 2));
      if (options.beforeRetry !== undefined && !(await options.beforeRetry(error, attempt))) return undefined;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
