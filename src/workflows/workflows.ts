import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
} from '@temporalio/workflow';
import { HandlerUnfinishedPolicy } from '@temporalio/common';
import { AttentionContinueAsNew } from './lifecycle-attention';
import { PATCH_BOUNDED_ATTENTION } from './patches';
import { AssemblyLifecycle, type RunOutcome } from './assembly-lifecycle';
import { nowIso } from './clock';
import { FailureType, messageOf } from './failure-types';
import { InterviewReadinessWait } from './interview-readiness';
import { checkLifecycleInput, type LifecycleInput, type NormalizedLifecycleInput } from './input';
import type { CarriedState } from './lifecycle-state';
import type { LifecycleResult } from './lifecycle-status';
import {
  advanceCallbackSignal,
  advanceWebhookSignal,
  beginFollowUpSessionUpdate,
  completeInterviewUpdate,
  finishSignal,
  interviewCompletedSignal,
  interviewReadyUpdate,
  lifecycleEventDeliveredSignal,
  repairUpdate,
  requestFollowUpSessionSignal,
  statusQuery,
} from './messages';
import { truncate } from './message-rules';

/**
 * The `assemblyLifecycle` workflow: one HotDocs Advance work item from creation to its last
 * session (assembly-lifecycle.ts holds the steps). This function wires the messages to the
 * lifecycle and decides how a run ends: with a result, a new run (continue-as-new), cancelled or
 * failed.
 */
export async function assemblyLifecycle(
  input: LifecycleInput,
  carried?: CarriedState,
): Promise<LifecycleResult> {
  const lifecycle = new AssemblyLifecycle(validInput(input, carried === undefined), carried?.state);
  const { inbox } = lifecycle;
  setHandler(statusQuery, () => lifecycle.status());
  setHandler(completeInterviewUpdate, (request) => inbox.completeInterview(request), {
    validator: (request) => inbox.validateCompleteInterview(request),
  });
  setHandler(interviewCompletedSignal, (message) => inbox.interviewCompleted(message));
  setHandler(requestFollowUpSessionSignal, (request) => inbox.requestFollowUp(request));
  setHandler(beginFollowUpSessionUpdate, (request) => inbox.beginFollowUp(request), {
    validator: (request) => inbox.validateBeginFollowUp(request),
  });
  setHandler(finishSignal, () => inbox.finish());
  setHandler(advanceCallbackSignal, (message) => inbox.advanceCallback(message));
  setHandler(advanceWebhookSignal, (message) => inbox.advanceWebhook(message));
  setHandler(lifecycleEventDeliveredSignal, (report) => lifecycle.events.delivered(report));
  const readiness = new InterviewReadinessWait(lifecycle);
  setHandler(interviewReadyUpdate, () => readiness.wait(), {
    validator: () => readiness.validate(),
    // A run that fails or is cancelled while a wait is pending ends the update with the run; the
    // caller then reads the status (the interview route does).
    unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON,
  });
  setHandler(repairUpdate, (request) => lifecycle.attention.repair(request), {
    validator: (request) => lifecycle.attention.validateRepair(request),
  });

  const outcome = await runToEnd(lifecycle);
  if (outcome.kind === 'ended') return outcome.result;
  lifecycle.state.continuedAsNew += 1;
  // The first session's answer XML was sent long ago; the next run starts from the carried state.
  const { answerXml: _sent, ...carriedInput } = input;
  return continueAsNew<typeof assemblyLifecycle>(carriedInput, { state: lifecycle.state });
}

function validInput(input: LifecycleInput, firstRun: boolean): NormalizedLifecycleInput {
  // The least attentionRetryEvery is a rule of starts: a later run carries what its lifecycle was
  // started with, and lifecycles started before the rule keep running (and replaying) as they
  // were. The marker is written only for an input that needs the decision.
  let checked = checkLifecycleInput(input, { attentionRetry: false });
  if (checked.ok && firstRun && !checkLifecycleInput(input).ok && patched(PATCH_BOUNDED_ATTENTION))
    checked = checkLifecycleInput(input);
  if (checked.ok) return checked.value;
  throw ApplicationFailure.create({
    type: FailureType.InvalidLifecycleInput,
    message: `Invalid lifecycle input: ${checked.problems.join('; ')}`,
    nonRetryable: true,
    details: [{ problems: checked.problems }],
  });
}

/** Runs the steps; a cancellation saves the active session, a permanent error fails the lifecycle. */
async function runToEnd(lifecycle: AssemblyLifecycle): Promise<RunOutcome> {
  const { state, inbox } = lifecycle;
  try {
    const outcome = await lifecycle.run();
    if (outcome.kind === 'ended') {
      inbox.settleWaitingUpdates(`the lifecycle has ended (${state.stage})`);
      await condition(allHandlersFinished);
    }
    return outcome;
  } catch (error) {
    if (error instanceof AttentionContinueAsNew) return { kind: 'continue-as-new' };
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        await lifecycle.saveActiveIfOpen();
        await lifecycle.events.announce('lifecycle.cancelled');
        lifecycle.setStage('cancelled', 'cancelled; an active session was saved');
      });
      inbox.settleWaitingUpdates('the lifecycle was cancelled');
      throw error;
    }
    state.lastError = { message: truncate(messageOf(error), 1000), stage: state.stage, at: nowIso() };
    const failedStage = state.stage;
    await lifecycle.events.announce('lifecycle.failed', {
      reason: `failed while ${failedStage}: ${messageOf(error)}`,
    });
    lifecycle.setStage('failed', `failed while ${failedStage}: ${truncate(messageOf(error), 300)}`);
    inbox.settleWaitingUpdates(`the lifecycle failed: ${messageOf(error)}`);
    throw ApplicationFailure.create({
      type: FailureType.LifecycleFailed,
      message: `Lifecycle failed while ${failedStage}: ${messageOf(error)}`,
      nonRetryable: true,
      cause: error instanceof Error ? error : undefined,
    });
  }
}
