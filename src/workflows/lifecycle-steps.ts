import type { LifecycleStage } from './definitions';
import type { NormalizedLifecycleInput } from './input';
import type { ACCEPTED_AS_COMPLETED } from './lifecycle-attention';
import type { LifecycleState } from './lifecycle-state';

/** How a wait ended. `continue-as-new`: the server asked for a new run and no handler is busy. */
export type WaitOutcome = 'done' | 'timed-out' | 'continue-as-new';

/** What the lifecycle's step modules share: its state, its input and how it reports and waits. */
export interface LifecycleSteps {
  readonly state: LifecycleState;
  readonly options: NormalizedLifecycleInput;
  readonly tenancy: string | undefined;
  setStage(stage: LifecycleStage, details: string): void;
  /** Waits until `done`, the timeout, or a new run (taken only between steps). */
  waitUnlessContinuing(done: () => boolean, timeoutMs?: number): Promise<WaitOutcome>;
  /** Runs an Advance step; operator-fixable faults make the lifecycle need attention. */
  attend<T>(
    call: string,
    step: () => Promise<T>,
    options?: { canAcceptCompleted?: boolean },
  ): Promise<T | typeof ACCEPTED_AS_COMPLETED>;
}
