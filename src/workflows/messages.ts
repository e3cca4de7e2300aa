import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { FollowUpRequest, InterviewCompletedSignal, SessionMode } from './input';
import type { InterviewData, LifecycleEventDelivery, LifecycleStatus } from './lifecycle-status';
import type { AnswersReference, LifecycleStage, RepairAction } from './message-rules';

/**
 * The lifecycle's messages. The names are a public contract: any Temporal client, including the
 * `temporal` CLI with JSON input, drives a lifecycle with them.
 */
export const LIFECYCLE_WORKFLOW_TYPE = 'assemblyLifecycle';
/** The task queue workers poll and clients start lifecycles on, unless `TEMPORAL_TASK_QUEUE` says otherwise. */
export const DEFAULT_TASK_QUEUE = 'hotdocs-assembly';

/**
 * The person finished the interview of session `versionId` (absent: the session the lifecycle
 * waits for, which only an operator's command line leaves to the lifecycle). Its validator is the
 * rule of message-rules.ts (`completionVerdict`): a request naming no session of this lifecycle
 * still to finish is refused, unwritten; the answer says whether this request finished the
 * interview (`accepted`) or it had been reported before (`already-finished`). Needs a running
 * worker; the signal below needs only the server.
 */
export const completeInterviewUpdate = defineUpdate<CompleteInterviewResult, [CompleteInterviewRequest]>(
  'completeInterview',
);
/**
 * The same report as a signal: taken by the same rule when a worker runs the lifecycle next, but
 * the sender learns nothing of the outcome (a refusal shows in `status.rejectedSignals`).
 */
export const interviewCompletedSignal = defineSignal<[InterviewCompletedSignal]>('interviewCompleted');
/** Queue a follow-up session; it begins only after the active session has been completed. */
export const requestFollowUpSessionSignal = defineSignal<[FollowUpRequest?]>('requestFollowUpSession');
/** Like the signal, but waits until the follow-up session has begun and returns it. */
export const beginFollowUpSessionUpdate = defineUpdate<BegunSessionInfo, [FollowUpRequest]>(
  'beginFollowUpSession',
);
/**
 * Waits until the lifecycle's interview has begun, or until nothing more is to come (it needs
 * attention, or it is at an interview or batch already), and answers where it stands: the push
 * behind the gateway's interview wait, instead of reading `status` over and over. Refused by its
 * validator once the lifecycle has ended (`InterviewWaitRefused`). Needs a running worker.
 */
export const interviewReadyUpdate = defineUpdate<InterviewReadiness, []>('interviewReady');
/** Close the lifecycle once no session is active (queued follow-ups still run). */
export const finishSignal = defineSignal('finish');
export const statusQuery = defineQuery<LifecycleStatus>('status');
/**
 * Advance v2.0 called back for version `versionId` (through the gateway): a hint to read the
 * version's status now instead of at the next poll. The status read stays the truth.
 */
export const advanceCallbackSignal = defineSignal<[{ versionId: string }]>('advanceCallback');
/**
 * Advance's own webhook (its account-level configuration, not a call's callback) reported an
 * event on the lifecycle's work item (through the gateway): a hint to read the active version's
 * status now, at the interview or while Advance completes it. Unlike the callback it may come any
 * number of times (the gateway limits its rate); the event's name is kept for the log only.
 */
export const advanceWebhookSignal = defineSignal<[{ event: string }]>('advanceWebhook');
/**
 * An operator's answer to a lifecycle in `needs-attention`: `retry` the failed call now (after
 * fixing its cause), `accept-completed` (Advance did complete the session, though it could not
 * confirm it: collect its documents and go on), or `abandon` (end the lifecycle as failed).
 */
export const repairUpdate = defineUpdate<RepairOutcome, [RepairRequest]>('repair');
/**
 * Sent to the lifecycle by its event delivery (`lifecycleEventDelivery`, a child workflow) once
 * an event was delivered to the completion webhook or given up on; ignored once the lifecycle
 * has closed.
 */
export const lifecycleEventDeliveredSignal =
  defineSignal<[LifecycleEventDelivery]>('lifecycleEventDelivered');

export interface BegunSessionInfo extends InterviewData {
  workItemId: string;
  versionId: string;
  mode: SessionMode;
}

export interface RepairRequest {
  action: RepairAction;
  /** Why, for the record (status and history); at most 500 characters. */
  note?: string;
  /**
   * Who repairs, for the record: the gateway's API key name, or the operator's OS user (the CLI);
   * at most 100 characters. Absent from repairs sent by older clients.
   */
  by?: string;
  /**
   * With `retry`, v2.0 only: corrected answers for the version, stored in the document store
   * under the lifecycle's work item and version beforehand (the CLI's `repair --answers`). The
   * lifecycle puts them as the version's answer set, then retries. Never the answers themselves.
   */
  answersRef?: AnswersReference;
}

export interface RepairOutcome {
  action: RepairAction;
  /** The stage the lifecycle moved on to. */
  stage: LifecycleStage;
  at: string;
}

export interface CompleteInterviewRequest {
  /** The session whose interview was finished; absent: the session the lifecycle waits for. */
  versionId?: string;
}

export interface CompleteInterviewResult {
  /** `accepted`: this request finished the interview; `already-finished`: it was reported before. */
  outcome: 'accepted' | 'already-finished';
  /** The session it concerns. */
  versionId: string;
}

/** What `interviewReady` answers. */
export interface InterviewReadiness {
  /** True when the active session's interview has begun and the lifecycle waits for it. */
  ready: boolean;
  stage: LifecycleStage;
  workItemId: string;
  /** The active session's, when there is one. */
  versionId?: string;
  /** The interview data, when `ready`. */
  interview?: InterviewData;
  deadlineAt?: string;
}
