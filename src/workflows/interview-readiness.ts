import { ApplicationFailure, condition } from '@temporalio/workflow';
import { FailureType } from './failure-types';
import type { LifecycleView } from './lifecycle-view';
import type { InterviewReadiness } from './messages';
import { interviewStillToCome, isTerminal, isWaitingForInterview } from './message-rules';

/**
 * The `interviewReady` update: answers once the active session's interview has begun, or at once
 * when nothing is to come. It only reads state and waits, so it adds no command to the history
 * (beyond the update's own events): lifecycles without it replay unchanged, no patch needed.
 *
 * It never holds up continue-as-new for long: a run continues as new only at its waits (the
 * interview, idle, needs-attention), and at each of them nothing is still to come, so a pending
 * handler has finished by then.
 */
export class InterviewReadinessWait {
  constructor(private readonly lifecycle: LifecycleView) {}

  /** Synchronous, so a refusal is never written to history. */
  validate(): void {
    const { stage } = this.lifecycle.state;
    if (isTerminal(stage)) {
      throw ApplicationFailure.create({
        type: FailureType.InterviewWaitRefused,
        message: `interviewReady refused: the lifecycle has ended (${stage})`,
        nonRetryable: true,
      });
    }
  }

  async wait(): Promise<InterviewReadiness> {
    await condition(() => !interviewStillToCome(this.lifecycle.state.stage, this.lifecycle.state.active));
    return this.readiness();
  }

  private readiness(): InterviewReadiness {
    const { stage, active, workItemId } = this.lifecycle.state;
    const ready = isWaitingForInterview(stage, active);
    return {
      ready,
      stage,
      workItemId,
      ...(active !== undefined && { versionId: active.versionId }),
      ...(ready && active?.interview !== undefined && { interview: { ...active.interview } }),
      ...(active?.deadlineAt !== undefined && { deadlineAt: active.deadlineAt }),
    };
  }
}
