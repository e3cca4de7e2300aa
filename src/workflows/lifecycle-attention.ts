import { ApplicationFailure, condition, patched } from '@temporalio/workflow';
import { nowIso } from './clock';
import { formatDuration, parseDuration } from './duration';
import { FailureType, failureTypeOf, messageOf } from './failure-types';
import { DEFAULTS } from './input-rules';
import type { AttentionReason, AttentionStatus } from './lifecycle-status';
import { ACCEPTED_AS_COMPLETED, type LifecycleView } from './lifecycle-view';
import type { RepairOutcome, RepairRequest } from './messages';
import { repairRequestProblems, truncate, type LifecycleStage, type RepairAction } from './message-rules';
import { PATCH_NEEDS_ATTENTION } from './patches';

/** An outcome Advance's state cannot settle, raised by the workflow itself (not by an activity). */
export class UnconfirmedOutcome extends Error {}

interface PendingRepair {
  request: RepairRequest;
  outcome?: RepairOutcome;
}

/**
 * Faults an operator can fix do not end the lifecycle: a refused login (a rotated password), a
 * `403` (the API client's scope changed), a completion Advance's state can neither confirm nor
 * deny. The lifecycle waits in `needs-attention` — searchable, with the reason and the failed call
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
    step: () => Promise<T>,
    { canAcceptCompleted = false } = {},
  ): Promise<T | typeof ACCEPTED_AS_COMPLETED> {
    for (;;) {
      try {
        return await step();
      } catch (error) {
        const reason = attentionReason(error, call);
        if (reason === undefined || !patched(PATCH_NEEDS_ATTENTION)) throw error;
        const action = await this.waitForRepair(reason, call, error, canAcceptCompleted);
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
    reason: AttentionReason,
    call: string,
    error: unknown,
    canAcceptCompleted: boolean,
  ): Promise<RepairAction> {
    const resumeStage = this.state.stage;
    const message = truncate(messageOf(error), 500);
    const since = nowIso();
    for (let retries = 0; ; retries += 1) {
      const nextRetryAt = new Date(Date.now() + this.retryEveryMs).toISOString();
      this.state.attention = { reason, call, message, since, retries, nextRetryAt };
      this.lifecycle.setStage(
        'needs-attention',
        `${reason} at ${call}: ${message}\n\nretrying every ${formatDuration(this.retryEveryMs)} (next ${nextRetryAt}); ` +
          `or repair it: retry${canAcceptCompleted ? ', accept-completed' : ''} or abandon`,
      );
      const repaired = await condition(() => this.pending !== undefined, this.retryEveryMs);
      if (!repaired) {
        this.resume(resumeStage, `retrying ${call} (automatic retry ${retries + 1})`);
        return 'retry';
      }
      const pending = this.pending as PendingRepair;
      const { action, note, by } = pending.request;
      this.pending = undefined;
      const next: LifecycleStage = action === 'abandon' ? 'failed' : resumeStage;
      pending.outcome = { action, stage: next, at: nowIso() };
      this.state.repairs = [
        ...(this.state.repairs ?? []),
        { action, ...(by === undefined ? {} : { by }), note, at: nowIso(), reason, call },
      ].slice(-20);
      if (action !== 'abandon')
        this.resume(resumeStage, `${action} by ${by ?? 'an operator'}${note ? `: ${note}` : ''}`);
      return action;
    }
  }

  private resume(stage: LifecycleStage, details: string): void {
    this.state.attention = undefined;
    this.lifecycle.setStage(stage, details);
  }
}

/** Which operator-fixable fault an error is, if any. */
export function attentionReason(error: unknown, call: string): AttentionReason | undefined {
  if (error instanceof UnconfirmedOutcome) return 'outcome-unconfirmed';
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
 * already under way, or `accept-completed` for a fault that is not an unconfirmed completion.
 */
export function repairRefusal(
  request: unknown,
  state: { stage: LifecycleStage; attention?: AttentionStatus },
  repairing: boolean,
): string | undefined {
  const problems = repairRequestProblems(request);
  if (problems.length > 0) return problems.join('; ');
  const { attention } = state;
  if (attention === undefined) return `the lifecycle does not need attention (it is ${state.stage})`;
  if (repairing) return 'another repair is being carried out';
  if ((request as RepairRequest).action === 'accept-completed' && attention.reason !== 'outcome-unconfirmed')
    return `accept-completed is for an unconfirmed completion, not for ${attention.reason}`;
  return undefined;
}
