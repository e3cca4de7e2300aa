import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { LifecycleActivities } from '../activities';

/**
 * How long one attempt of an Advance call may take. After it, a lost attempt's request is dead:
 * the stray-CompleteSession quarantine waits exactly this long.
 */
export const ADVANCE_CALL_TIMEOUT_MS = 120_000;

/** Quick Advance calls: retried with backoff until they succeed or fail permanently. */
export const advance = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: ADVANCE_CALL_TIMEOUT_MS,
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * The short Advance calls as local activities (local-first.ts): a few quick attempts in the
 * worker, at most half a minute in all, then the regular activity above takes over. Each attempt
 * keeps the workflow task open (the worker heartbeats it), so the budget stays small.
 */
export const localAdvance = proxyLocalActivities<LifecycleActivities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s', maximumAttempts: 3 },
});

/** Downloads can be large: a longer attempt, still heartbeating. */
export const documentActivities = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '10s',
  // Several requests per attempt (list, each download): retry often rather than back off long.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});

/**
 * Collecting documents as a local activity (local-first.ts): usually a list and two downloads of
 * milliseconds; a large or slow transfer that outlasts the budget goes to the regular activity
 * above (which skips documents already stored with the same bytes).
 */
export const localDocuments = proxyLocalActivities<LifecycleActivities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '45s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '4s', maximumAttempts: 2 },
});

/** A reminder that cannot be delivered must not hold the lifecycle up. */
export const reminderActivities = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

/**
 * v2.0: the status read while waiting at the interview. A read that fails is given up after a few
 * attempts (the next one is due at the next interval, and the interview's own message must not
 * wait behind a retrying read).
 */
export const statusReadActivities = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
});
