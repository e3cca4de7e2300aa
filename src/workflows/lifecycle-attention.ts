import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { nowIso } from './clock';
import { formatDuration, parseDuration } from './duration';
import { FailureType, failureTypeOf, messageOf } from './failure-types';
import { attentionRetryDelayMs, DEFAULTS } from './input-rules';
import type { AttentionReason, AttentionStatus } from './lifecycle-status';
import { documentActivities } from './activity-stubs';
import { ACCEPTED_AS_COMPLETED, type LifecycleView, type StepAttempt } from './lifecycle-view';
import type { RepairOutcome, RepairRequest } from './messages';
import {
  repairRequestProblems,
  truncate,
  type AnswersReference,
  type LifecycleStage,
  type RepairAction,
} from './message-rules';
import { PATCH_BOUNDED_ATTENTION, PATCH_CORRECT_ANSWERS, PATCH_NEEDS_ATTENTION } from './patches';

/** An outcome Advance's state cannot settle, raised by the workflow itself (not by an activity). */
export class UnconfirmedOutcome extends Error {}

/**
 * Advance accepted the completion but its post-assembly processing failed: the version reads
 * `PostProcessingFailed` until someone deals with it in Advance. Raised by the workflow itself.
 */
export class PostProcessingFailed extends Error {}

/**
 * Thrown out of a step's attention wait to continue as new (workflows.ts catches it); the
 * attention stays in the carried state, and the next run waits out the rest of the interval.
 */
export class AttentionContinueAsNew extends Error {}

/**
 * Steps the run re-enters from its carried state with the same ids and nothing else under way
 * (assembly-lifecycle.ts): a wait at one of them may continue as new. A wait at a later step
 * (completing, collecting, saving) stays in its run; backoff bounds its history instead.
 */
const RESUMABLE_CALLS: readonly string[] = ['acquireToken', 'createWorkItem', 'beginSession'];

/**
 * A run waiting in needs-attention continues as new past this many history events (or when the
 * server suggests it), far below Temporal's limits, so that a lifecycle left in attention for
 * months stays small run by run.
 */
export const ATTENTION_RUN_EVENTS = 1000;

/** An attention wait: what is wrong, since when, and where its retries stand. */
interface AttentionWait {
  reason: AttentionReason;
  message: string;
  since: string;
  retries: number;
  /** Carried from the run before: when its next retry was due. */
  nextRetryAt?: string;
}

interface PendingRepair {
  request: RepairRequest;
  outcome?: RepairOutcome;
}

/**
 * Faults an operator can fix do not end the lifecycle: a refused login (a rotated password), a
 * `403` (the API client's scope changed), a completion Advance's state can neither confirm nor
 * deny, a post-assembly processing that failed in Advance. The lifecycle waits in `needs-attention` — searchable, with the reason and the failed call
 * in its status and current details — retries on a slow schedule, and takes an operator's
 * `repair`: retry now, accept the session as completed, or abandon. Input errors still fail at
 * once.
 */
export class LifecycleAttention {
  private pending: PendingRepair | undefined;
  private readonly retryEveryMs: number;

  constructor(private readonly lifecycle: LifecycleView) {
    const every = lifecycle.options.attentionRetryEvery ?? DEFAULTS.attentionRetryEvery;
    // The input was checked (input.ts): a given duration parses.
    this.retryEveryMs = parseDuration(every) ?? (parseDuration(DEFAULTS.attentionRetryEvery) as number);
  }

  private get state() {
    return this.lifecycle.state;
  }

  /**
   * Runs one step (an Advance activity); while it fails with an operator-fixable fault the
   * lifecycle needs attention. `canAcceptCompleted`: the step is a completion, which an operator
   * may declare done.
   */
  async attend<T>(
    call: string,
    step: (attempt: StepAttempt) => Promise<T>,
    { canAcceptCompleted = false } = {},
  ): Promise<T | typeof ACCEPTED_AS_COMPLETED> {
    // A run continued from an attention wait at this step goes on waiting before it calls again.
    let waiting = this.carriedAttention(call);
    // The fault as first met, and the automatic retries since: they set the backoff, and an
    // operator's retry starts both afresh.
    let first = waiting;
    let attempt: StepAttempt = {};
    for (;;) {
      if (waiting === undefined) {
        try {
          return await step(attempt);
        } catch (error) {
          const reason = attentionReason(error, call);
          if (reason === undefined || !patched(PATCH_NEEDS_ATTENTION)) throw error;
          const message = truncate(messageOf(error), 500);
          waiting =
            first === undefined
              ? { reason, message, since: nowIso(), retries: 0 }
              : { reason, message, since: first.since, retries: first.retries + 1 };
        }
      }
      const { action, automatic, answersRef } = await this.waitForRepair(call, waiting, canAcceptCompleted);
      const reason = waiting.reason;
      if (answersRef !== undefined && patched(PATCH_CORRECT_ANSWERS)) {
        const refused = await this.correctAnswers(answersRef);
        if (refused !== undefined) {
          // Nothing retried: the operator fixes the answers (or Advance's state) and repairs again.
          waiting = { reason, message: truncate(refused, 500), since: waiting.since, retries: 0 };
          first = undefined;
          continue;
        }
      }
      first = automatic ? waiting : undefined;
      waiting = undefined;
      // An operator's retry must reach Advance at once, past the worker's login breaker; automatic
      // retries honour it. Only runs that recorded the bounded-attention marker (asked in the wait
      // just ended, so no new marker) send the flag: older histories replay their inputs as sent.
      attempt =
        !automatic && action === 'retry' && patched(PATCH_BOUNDED_ATTENTION) ? { operatorRetry: true } : {};
      if (action === 'accept-completed') return ACCEPTED_AS_COMPLETED;
      if (action === 'abandon') {
        throw ApplicationFailure.create({
          type: FailureType.LifecycleAbandoned,
          message: `abandoned by an operator while it needed attention (${reason} at ${call})`,
          nonRetryable: true,
        });
      }
    }
  }

  /**
   * v2.0: an operator's corrected answers become the version's answer set before the retry (the
   * activity reads them from the document store: only their reference is in history). Returns why
   * they could not be put, or undefined once they are.
   */
  private async correctAnswers(answersRef: AnswersReference): Promise<string | undefined> {
    const { state, options } = this.lifecycle;
    const versionId = state.active?.versionId;
    if (versionId === undefined)
      return 'the corrected answers were not put: the lifecycle has no version in Advance';
    try {
      await documentActivities.correctAnswerSet.executeWithOptions(
        { summary: `Put corrected answers on session ${versionId}` },
        [{ tenancy: options.tenancy, workItemId: state.workItemId, versionId, ...answersRef }],
      );
      return undefined;
    } catch (error) {
      return `the corrected answers were not put, nothing was retried: ${messageOf(error)}`;
    }
  }

  /**
   * The attention a run carried over from the run before it, if it was waiting at this step; one
   * carried for another step (the run took another path) is dropped.
   */
  private carriedAttention(call: string): AttentionWait | undefined {
    const carried = this.state.attention;
    if (carried === undefined) return undefined;
    this.state.attention = undefined;
    if (carried.call !== call) return undefined;
    const { reason, message, since, retries, nextRetryAt } = carried;
    return { reason, message, since, retries, ...(nextRetryAt === undefined ? {} : { nextRetryAt }) };
  }

  /** The update's validator: only a lifecycle that needs attention takes a repair. */
  validateRepair(request: RepairRequest): void {
    const refusal = repairRefusal(request, this.state, this.pending !== undefined);
    if (refusal !== undefined) throw new Error(`repair refused: ${refusal}`);
  }

  /** The update: hands the repair to the waiting step and returns once it has been taken up. */
  async repair(request: RepairRequest): Promise<RepairOutcome> {
    const pending: PendingRepair = { request };
    this.pending = pending;
    await condition(() => pending.outcome !== undefined);
    return pending.outcome as RepairOutcome;
  }

  private async waitForRepair(
    call: string,
    waiting: AttentionWait,
    canAcceptCompleted: boolean,
  ): Promise<{ action: RepairAction; automatic: boolean; answersRef?: AnswersReference }> {
    const resumeStage = this.state.stage;
    const { reason, message, since, retries } = waiting;
    const bounded = patched(PATCH_BOUNDED_ATTENTION);
    const mayContinueAsNew = bounded && RESUMABLE_CALLS.includes(call);
    const intervalMs = bounded ? attentionRetryDelayMs(this.retryEveryMs, retries) : this.retryEveryMs;
    // A continued wait keeps the time it had announced.
    const dueMs =
      waiting.nextRetryAt === undefined ? Date.now() + intervalMs : Date.parse(waiting.nextRetryAt);
    const nextRetryAt = new Date(dueMs).toISOString();
    this.state.attention = { reason, call, message, since, retries, nextRetryAt };
    this.lifecycle.setStage(
      'needs-attention',
      `${reason} at ${call}: ${message}\n\nretrying ${bounded ? 'in' : 'every'} ${formatDuration(intervalMs)} (next ${nextRetryAt}); ` +
        `or repair it: retry${canAcceptCompleted ? ', accept-completed' : ''} or abandon`,
    );
    const woken = await condition(
      () => this.pending !== undefined || (mayContinueAsNew && this.runIsLong()),
      Math.max(1, dueMs - Date.now()),
    );
    if (!woken) {
      this.resume(resumeStage, `retrying ${call} (automatic retry ${retries + 1})`);
      return { action: 'retry', automatic: true };
    }
    if (this.pending === undefined) throw new AttentionContinueAsNew();
    const pending = this.pending;
    const { action, note, by, answersRef } = pending.request;
    this.pending = undefined;
    const next: LifecycleStage = action === 'abandon' ? 'failed' : resumeStage;
    pending.outcome = { action, stage: next, at: nowIso() };
    this.state.repairs = [
      ...(this.state.repairs ?? []),
      { action, ...(by === undefined ? {} : { by }), note, at: nowIso(), reason, call },
    ].slice(-20);
    if (action !== 'abandon')
      this.resume(
        resumeStage,
        `${action}${answersRef === undefined ? '' : ' with corrected answers'} by ${by ?? 'an operator'}${note ? `: ${note}` : ''}`,
      );
    return { action, automatic: false, ...(answersRef === undefined ? {} : { answersRef }) };
  }

  /** Time to continue as new: the run's history is long and no message is being handled. */
  private runIsLong(): boolean {
    const info = workflowInfo();
    return (
      (info.historyLength >= ATTENTION_RUN_EVENTS || info.continueAsNewSuggested) && allHandlersFinished()
    );
  }

  private resume(stage: LifecycleStage, details: string): void {
    this.state.attention = undefined;
    this.lifecycle.setStage(stage, details);
  }
}

/** Which operator-fixable fault an error is, if any. */
export function attentionReason(error: unknown, call: string): AttentionReason | undefined {
  if (error instanceof UnconfirmedOutcome) return 'outcome-unconfirmed';
  if (error instanceof PostProcessingFailed) return 'post-processing-failed';
  switch (failureTypeOf(error)) {
    case FailureType.AdvanceAuth:
      return 'credentials-refused';
    case FailureType.AdvanceForbidden:
      return 'forbidden';
    case FailureType.AdvanceConflict:
      // A completion that a retry found "no session in progress", and Advance's state could not
      // confirm (no version list, no documents to check).
      return call === 'completeSession' ? 'outcome-unconfirmed' : undefined;
    default:
      return undefined;
  }
}

/**
 * Why a repair cannot be taken now, if it cannot: a request of the wrong shape (the rule the
 * client checks too, message-rules.ts), a lifecycle that does not need attention, a repair
 * already under way, `accept-completed` for a fault that is not an unconfirmed completion, or
 * corrected answers where there are no answer sets (v1.1) or no session to put them on.
 */
export function repairRefusal(
  request: unknown,
  state: {
    stage: LifecycleStage;
    attention?: AttentionStatus;
    protocol?: { answerSets: boolean };
    active?: { versionId: string };
  },
  repairing: boolean,
): string | undefined {
  const problems = repairRequestProblems(request);
  if (problems.length > 0) return problems.join('; ');
  const { attention } = state;
  if (attention === undefined) return `the lifecycle does not need attention (it is ${state.stage})`;
  if (repairing) return 'another repair is being carried out';
  if ((request as RepairRequest).action === 'accept-completed' && attention.reason !== 'outcome-unconfirmed')
    return `accept-completed is for an unconfirmed completion, not for ${attention.reason}`;
  if ((request as RepairRequest).answersRef !== undefined) {
    // A lifecycle from before v2.0 support carries no protocol facts: v1.1.
    if (state.protocol?.answerSets !== true)
      return "corrected answers need Advance's answer sets (API v2.0); this tenancy's API has none";
    if (state.active === undefined)
      return 'corrected answers need a session in Advance; the lifecycle has none';
  }
  return undefined;
}
