import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  TemporalFailure,
  TimeoutFailure,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
// The workflow package does not re-export it; the common package is the same code.
import { RetryState, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { EventDeliveryActivities } from '../activities/event-delivery-activities';
import type { LifecycleEvent } from '../notifications/lifecycle-events';
import { nowIso } from './clock';
import { formatDuration } from './duration';
import { FailureType } from './failure-types';
import type { LifecycleEventDelivery } from './lifecycle-status';
import { lifecycleEventDeliveredSignal } from './messages';
import { truncate } from './message-rules';

/**
 * Delivery of lifecycle events to the completion webhook, apart from the lifecycle: each event
 * gets a small workflow of its own (`lifecycleEventDelivery`), started by the lifecycle as an
 * abandoned child (`announceLifecycleEvent`). The lifecycle never waits for a receiver; the
 * delivery retries for hours, then tells the lifecycle how it went (if it still runs).
 */

/** How long and how often a delivery tries. Milliseconds, so any client can write them. */
export interface EventDeliveryPolicy {
  /** Give up this long after the first attempt was scheduled. @default 86_400_000 (24h) */
  giveUpAfterMs?: number;
  /** Wait before the second attempt; the wait doubles after each failed attempt. @default 5_000 */
  firstRetryAfterMs?: number;
  /** Longest wait between two attempts. @default 600_000 (10m) */
  maxRetryIntervalMs?: number;
}

export const DEFAULT_EVENT_DELIVERY_POLICY: Required<EventDeliveryPolicy> = {
  giveUpAfterMs: 86_400_000,
  firstRetryAfterMs: 5_000,
  maxRetryIntervalMs: 600_000,
};

/** What `lifecycleEventDelivery` returns: the report it sent, and whether the lifecycle got it. */
export interface EventDeliveryOutcome extends LifecycleEventDelivery {
  /** false when the lifecycle had closed (or never existed): the report went nowhere. */
  lifecycleNotified: boolean;
}

/** One attempt waits at most COMPLETION_WEBHOOK_TIMEOUT (≤ 1m); this bounds a lost worker. */
const ATTEMPT_TIMEOUT = '2m';

/** The delivery of one event, started by `announceLifecycleEvent` (or directly, by any client). */
export async function lifecycleEventDelivery(
  event: LifecycleEvent,
  policy: EventDeliveryPolicy = {},
): Promise<EventDeliveryOutcome> {
  const plan = checkedPolicy(policy);
  const { deliverLifecycleEvent } = proxyActivities<EventDeliveryActivities>({
    startToCloseTimeout: ATTEMPT_TIMEOUT,
    scheduleToCloseTimeout: plan.giveUpAfterMs,
    retry: {
      initialInterval: plan.firstRetryAfterMs,
      backoffCoefficient: 2,
      maximumInterval: plan.maxRetryIntervalMs,
      nonRetryableErrorTypes: [FailureType.LifecycleEventRefused],
    },
  });
  let report: LifecycleEventDelivery;
  try {
    const result = await deliverLifecycleEvent.executeWithOptions(
      { summary: `POST ${event.type} ${event.id}` },
      [event],
    );
    report = {
      eventId: event.id,
      eventType: event.type,
      delivered: result.outcome === 'delivered',
      outcome: result.outcome,
      attempts: result.attempts,
      ...(result.outcome === 'delivered' ? {} : { lastError: result.detail }),
      at: nowIso(),
    };
  } catch (error) {
    if (isCancellation(error)) throw error;
    report = failedDelivery(event, error, plan.giveUpAfterMs);
  }
  return { ...report, lifecycleNotified: await tellLifecycle(event.lifecycleId, report) };
}

/** The delivery's workflow id: one delivery per event, whoever asks again. */
export function eventDeliveryWorkflowId(event: Pick<LifecycleEvent, 'lifecycleId' | 'id'>): string {
  return `${event.lifecycleId}/event/${event.id}`;
}

/**
 * Starts the event's delivery as a child workflow on the lifecycle's task queue and returns once
 * it has started, never waiting for the receiver. The child outlives the lifecycle (abandoned on
 * close, never cancelled with it), and starting it works in a cancelled lifecycle too (to announce
 * `lifecycle.cancelled`). A second call for the same event starts nothing: `started: false`. A bad
 * `policy` fails the delivery, never the caller.
 */
export async function announceLifecycleEvent(
  event: LifecycleEvent,
  policy?: EventDeliveryPolicy,
): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = eventDeliveryWorkflowId(event);
  try {
    await CancellationScope.nonCancellable(() =>
      startChild(lifecycleEventDelivery, {
        workflowId,
        args: policy === undefined ? [event] : [event, policy],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        // A delivery that has ended is not repeated (the receiver has or has refused the event).
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `${event.type} to the completion webhook`,
      }),
    );
    return { workflowId, started: true };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw error;
  }
}

/** Refused (a 3xx/4xx), or still failing when the time ran out. */
function failedDelivery(
  event: LifecycleEvent,
  error: unknown,
  giveUpAfterMs: number,
): LifecycleEventDelivery {
  const failures = causeChain(error);
  const last = failures.find((f): f is ApplicationFailure => f instanceof ApplicationFailure);
  const attempt = (last?.details?.[0] as { attempt?: unknown } | undefined)?.attempt;
  const refused = last?.type === FailureType.LifecycleEventRefused;
  // Out of time: the server either let the last attempt's failure stand (no retry fits before
  // schedule-to-close) or timed out an attempt in flight.
  const timedOut =
    (error instanceof ActivityFailure && error.retryState === RetryState.TIMEOUT) ||
    failures.some((f) => f instanceof TimeoutFailure);
  const why = last?.message ?? failures.at(-1)?.message ?? String(error);
  return {
    eventId: event.id,
    eventType: event.type,
    delivered: false,
    outcome: refused ? 'refused' : 'gave-up',
    attempts: typeof attempt === 'number' ? attempt : 0,
    lastError: truncate(
      refused || !timedOut ? why : `gave up after ${formatDuration(giveUpAfterMs)}: ${why}`,
      500,
    ),
    at: nowIso(),
  };
}

function causeChain(error: unknown): TemporalFailure[] {
  const chain: TemporalFailure[] = [];
  for (let at: unknown = error; at instanceof TemporalFailure; at = at.cause) chain.push(at);
  return chain;
}

/** Signals the lifecycle by workflow id (its current run, after continue-as-new too). */
async function tellLifecycle(lifecycleId: string, report: LifecycleEventDelivery): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(lifecycleId).signal(lifecycleEventDeliveredSignal, report);
    return true;
  } catch (error) {
    if (isCancellation(error)) throw error;
    return false; // closed or gone: nobody is waiting for the report
  }
}

function checkedPolicy(policy: EventDeliveryPolicy): Required<EventDeliveryPolicy> {
  const plan = { ...DEFAULT_EVENT_DELIVERY_POLICY, ...definedOnly(policy) };
  for (const [name, value] of Object.entries(plan)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
      throw ApplicationFailure.nonRetryable(
        `Invalid event delivery policy: ${name} must be a positive number of milliseconds`,
        FailureType.InvalidEventDeliveryPolicy,
      );
    }
  }
  return plan;
}

function definedOnly(policy: EventDeliveryPolicy): EventDeliveryPolicy {
  return Object.fromEntries(Object.entries(policy ?? {}).filter(([, value]) => value !== undefined));
}
