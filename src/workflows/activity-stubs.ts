import { proxyActivities } from '@temporalio/workflow';
import type { LifecycleActivities } from '../activities/lifecycle-activities';

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

/** Downloads can be large: a longer attempt, still heartbeating. */
export const documentActivities = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '10s',
  // Several requests per attempt (list, each download): retry often rather than back off long.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** A reminder that cannot be delivered must not hold the lifecycle up. */
export const reminderActivities = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});
