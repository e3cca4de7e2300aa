import { ApplicationFailure } from '@temporalio/common';

/**
 * The `type` of every `ApplicationFailure` the lifecycle raises or tells apart, named once, and
 * how to read it off an error. The activities raise them, the workflow matches them, clients and
 * the gateway read them; a typo in one place would silently change what a lifecycle retries. Only
 * `@temporalio/common` is imported: the workflow bundle, the activities and the client all
 * import this module.
 */
export const FailureType = {
  /** The lifecycle input broke a rule (workflow start from any client); never retried. */
  InvalidLifecycleInput: 'InvalidLifecycleInput',
  /** The lifecycle ended on a permanent error; its cause says which call and what Advance answered. */
  LifecycleFailed: 'LifecycleFailed',
  /** `beginFollowUpSession` could not begin its session (the lifecycle ended first, or failed). */
  FollowUpSessionNotBegun: 'FollowUpSessionNotBegun',
  /** An operator abandoned a lifecycle that needed attention (the cause of its LifecycleFailed). */
  LifecycleAbandoned: 'LifecycleAbandoned',
  /**
   * `completeInterview` was refused: the lifecycle has ended, or the request names no session of
   * it that has an interview to finish (message-rules.ts, `completionVerdict`).
   */
  InterviewCompletionRefused: 'InterviewCompletionRefused',

  /** `interviewReady` was refused: the lifecycle has ended, so no interview will begin. */
  InterviewWaitRefused: 'InterviewWaitRefused',

  /** Advance refused the credentials (login), or a fresh token: the lifecycle needs attention. */
  AdvanceAuth: 'AdvanceAuthError',
  /** Advance refused a call with 403 (the API client's scope): the lifecycle needs attention. */
  AdvanceForbidden: 'AdvanceForbiddenError',
  /** A documented conflict Advance's state could not settle (e.g. a completion it cannot confirm). */
  AdvanceConflict: 'AdvanceConflictError',

  /**
   * A retried begin found our own session in progress, but Advance does not return its interview
   * data: the workflow saves it and resumes it as a new session.
   */
  SessionNotRecoverable: 'AdvanceSessionNotRecoverableError',
  /** The lifecycle names a tenancy this worker has no credentials for. */
  UnknownTenancy: 'UnknownTenancy',
  /** A stored document's sha256 differs from Advance's listing (retried: a new download may help). */
  DocumentChecksumMismatch: 'DocumentChecksumMismatch',
  /** Advance still lists the previous session's documents (retried until ours appear). */
  DocumentsNotYetListed: 'DocumentsNotYetListed',
  /** A reminder webhook refused or could not be reached. */
  ReminderDeliveryFailed: 'ReminderDeliveryError',
  /** The completion webhook could not be reached or answered "later" (retried for hours). */
  LifecycleEventNotDelivered: 'LifecycleEventNotDelivered',
  /** The completion webhook refused a lifecycle event (a 3xx or 4xx): not retried. */
  LifecycleEventRefused: 'LifecycleEventRefused',
  /**
   * An operator's corrected answers (`repair` with `answersRef`) could not be used: the reference
   * is not this version's, the bytes do not match the checksum, or the XML fails its check.
   */
  CorrectedAnswersRefused: 'CorrectedAnswersRefused',
  /** `lifecycleEventDelivery` was started with a policy that is not positive milliseconds. */
  InvalidEventDeliveryPolicy: 'InvalidEventDeliveryPolicy',
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/**
 * The `type` of the `ApplicationFailure` an error wraps: an activity's failure (`ActivityFailure`
 * in the workflow), a lifecycle's (`WorkflowFailedError` at the client). Undefined for anything else.
 */
export function failureTypeOf(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The innermost message: what Advance (or the workflow) said, not the wrapper's "Activity task failed". */
export function messageOf(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
