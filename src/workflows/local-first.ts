import type { Duration } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, isCancellation, patched, sleep } from '@temporalio/workflow';
import { advance, documentActivities, localAdvance, localDocuments } from './activity-stubs';
import { PATCH_LOCAL_STEPS } from './patches';

/** The activity stubs a step runs on: a regular and a local proxy of the same activities. */
export interface StepStubs {
  regular: typeof advance;
  local: typeof advance;
}

/** The short Advance calls: a few quick local attempts, then the regular activity (2 min attempts). */
export const ADVANCE_STEPS: StepStubs = { regular: advance, local: localAdvance };
/** Collecting documents: a local attempt first, then the regular activity (15 min attempts). */
export const DOCUMENT_STEPS: StepStubs = { regular: documentActivities, local: localDocuments };

/**
 * Runs a step as a local activity: the worker runs it inside the workflow task that asks for it,
 * and the history records it as one marker with its result (still visible in Temporal UI, with its
 * summary) instead of an activity's three events and a workflow task's three more, and the server
 * dispatches nothing. Steps in a row (token, work item, session) complete in one workflow task.
 *
 * Durability is that of the regular activity: every step is idempotent (the work item and version
 * GUIDs are chosen by the workflow before the call; a stored document with the same bytes is left
 * alone), so a step repeated after a crashed worker — the next worker replays the workflow task
 * and runs it again — creates nothing twice. A step that keeps failing in its few local attempts,
 * or takes longer than its local budget, is handed to the regular activity, whose backoff,
 * heartbeats and unlimited retries cost no history (a local activity's do: it keeps the workflow
 * task open) — after a durable pause when Advance's last answer asked for one (`Retry-After`).
 * Permanent failures and cancellation are not handed over; a permanent failure is
 * thrown as the regular activity would throw it (an `ActivityFailure` whose cause is the
 * activity's `ApplicationFailure`), so callers tell failures apart the same way on both paths.
 *
 * `call` makes the call on the stubs it is given, e.g.
 * `(stubs, options) => stubs.createWorkItem.executeWithOptions(options, [args])`; its third
 * argument is true when the regular activity takes over after failed local attempts.
 */
export async function localFirst<T>(
  step: {
    activity: string;
    summary: string;
    /** The patch that guards this step's local path. @default PATCH_LOCAL_STEPS */
    patch?: string;
  },
  call: (stubs: typeof advance, options: { summary: string }, handedOver?: boolean) => Promise<T>,
  stubs: StepStubs = ADVANCE_STEPS,
): Promise<T> {
  const { activity, summary, patch = PATCH_LOCAL_STEPS } = step;
  if (!patched(patch)) return call(stubs.regular, { summary });
  try {
    return await call(stubs.local, { summary });
  } catch (error) {
    if (isCancellation(error)) throw error;
    // A local activity's own failure reaches the workflow unwrapped; its timeout comes wrapped.
    if (error instanceof ApplicationFailure && error.nonRetryable) {
      throw new ActivityFailure(
        'Local activity failed',
        activity,
        undefined,
        'NON_RETRYABLE_FAILURE',
        undefined,
        error,
      );
    }
    if (!(error instanceof ApplicationFailure || error instanceof ActivityFailure)) throw error;
    // Advance asked for a pause (429/503 with Retry-After): the regular activity starts after it.
    const pause = error instanceof ApplicationFailure ? retryAfterOf(error) : undefined;
    if (pause !== undefined) await sleep(pause);
    return call(stubs.regular, { summary: `${summary} (retried as a regular activity)` }, true);
  }
}

/**
 * The pause Advance asked for with its last answer: a local activity's failure reaches the
 * workflow without `nextRetryDelay`, so the activities also put it in the details
 * (src/activities/failures.ts).
 */
function retryAfterOf(failure: ApplicationFailure): Duration | undefined {
  if (failure.nextRetryDelay != null) return failure.nextRetryDelay;
  const detail = failure.details?.[0] as { retryAfterMs?: unknown } | undefined;
  const ms = detail?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
