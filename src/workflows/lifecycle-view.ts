import type { NormalizedLifecycleInput } from './input';
import type { LifecycleState } from './lifecycle-state';
import type { LifecycleStage } from './message-rules';

/** What `attend` returns when an operator accepted an unconfirmed completion as done. */
export const ACCEPTED_AS_COMPLETED = Symbol('accepted-as-completed');

/**
 * What `attend` tells a step about this attempt, to spread into its activity's arguments:
 * `operatorRetry` when an operator's `repair retry` asked for it (the worker then logs in past its
 * login breaker); empty for the first attempt and automatic retries.
 */
export type StepAttempt = { operatorRetry?: true };

/** How a wait ended. `continue-as-new`: the server asked for a new run and no handler is busy. */
export type WaitOutcome = 'done' | 'timed-out' | 'continue-as-new';

/**
 * The one view of the lifecycle its helpers get (inbox, attention, visibility, events, interview
 * wait, session completion): its state and input, and how it reports, waits and runs a step. Each
 * helper is built with it and uses what it needs, so none holds the whole `AssemblyLifecycle`.
 */
export interface LifecycleView {
  readonly state: LifecycleState;
  readonly options: NormalizedLifecycleInput;
  /** Moves the lifecycle to `stage`; `details` says what it does there (Temporal UI). */
  setStage(stage: LifecycleStage, details: string): void;
  /** Waits until `done`, the timeout, or a new run (taken only between steps). */
  waitUnlessContinuing(done: () => boolean, timeoutMs?: number): Promise<WaitOutcome>;
  /** Runs an Advance step; operator-fixable faults make the lifecycle need attention. */
  attend<T>(
    call: string,
    step: (attempt: StepAttempt) => Promise<T>,
    options?: { canAcceptCompleted?: boolean },
  ): Promise<T | typeof ACCEPTED_AS_COMPLETED>;
}
