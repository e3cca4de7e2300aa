import type { DocumentFacts, LifecycleEventType } from '../notifications/lifecycle-events';
import type { SessionMode } from './input';
import type { LifecycleStage, RepairAction } from './message-rules';

/**
 * What a lifecycle tells about itself: the `status` query's answer and the workflow's result, as
 * plain interfaces (the workflow holds no zod; src/client/lifecycle-schemas.ts describes them
 * field for field, checked at compile time).
 */

/** What a host page needs to show the interview. Never the access token. */
export interface InterviewData {
  hdaSessionId: string;
  coreSessionId: string;
  interviewJsUrl: string;
}

export interface LifecycleDocument extends DocumentFacts {
  /** Where the document store keeps it, when documents are stored. */
  reference?: string;
}

export interface ActiveSessionStatus {
  versionId: string;
  mode: SessionMode;
  runAssembly: boolean;
  /** Absent until Advance has begun the session. */
  interview?: InterviewData;
  begunAt?: string;
  waitingSince?: string;
  deadlineAt?: string;
  /** The interview was reported finished; CompleteSession comes next. */
  interviewCompleted: boolean;
  /** v2.0: when Advance's callback for this version came (its callback URL is then spent). */
  callbackReceivedAt?: string;
}

export interface CompletedSessionStatus {
  versionId: string;
  mode: SessionMode;
  completedAt: string;
  assembled: boolean;
  documents: LifecycleDocument[];
  /** Something an operator should look at, e.g. a session completed by a stray earlier request. */
  warning?: string;
}

export interface QueuedFollowUpStatus {
  requestId: string;
  /** The version id the session will have; `interviewCompleted` for it is kept until it runs. */
  versionId: string;
  mode: SessionMode;
  runAssembly: boolean;
  requestedAt: string;
  via: 'signal' | 'update';
}

export interface RejectedMessage {
  name: string;
  reason: string;
  at: string;
  versionId?: string;
}

export interface ReminderStatus {
  versionId: string;
  sentAt: string;
  delivered: boolean;
  detail?: string;
}

/**
 * How the delivery of one lifecycle event ended: `delivered` (a 2xx), `not-configured` (the worker
 * has no `COMPLETION_WEBHOOK_URL`), `refused` (a 3xx or 4xx, not retried) or `gave-up` (still
 * failing when the delivery's time ran out).
 */
export type LifecycleEventDeliveryOutcome = 'delivered' | 'not-configured' | 'refused' | 'gave-up';

export interface LifecycleEventDelivery {
  eventId: string;
  eventType: LifecycleEventType;
  delivered: boolean;
  outcome: LifecycleEventDeliveryOutcome;
  /** POST attempts made (the successful one included); 0 when none was made. */
  attempts: number;
  /** The last attempt's error, or why nothing was sent. */
  lastError?: string;
  /** When the delivery ended (workflow time, ISO 8601). */
  at: string;
}

/** An event the lifecycle announced to the completion webhook, and how its delivery ended. */
export interface LifecycleEventRecord {
  id: string;
  type: LifecycleEventType;
  occurredAt: string;
  /** The delivery workflow: its status tells how far the delivery is while it runs. */
  deliveryWorkflowId: string;
  /** Set once the delivery has ended (delivered, refused, given up, or not configured). */
  delivery?: LifecycleEventDelivery;
}

/** Why a lifecycle waits for an operator instead of failing. */
export type AttentionReason =
  /** ServicePrincipalLogIn refused the credentials (401/403): a rotated password, say. */
  | 'credentials-refused'
  /** A call was refused with 403: the API client's scope changed. */
  | 'forbidden'
  /** A completion that Advance's state cannot confirm or deny. */
  | 'outcome-unconfirmed'
  /**
   * v2.0: Advance accepted the completion, but the version reads `PostProcessingFailed`: its
   * post-assembly processing must be run again in Advance; `retry` reads the status again.
   */
  | 'post-processing-failed';

export interface AttentionStatus {
  reason: AttentionReason;
  /** The activity that failed, e.g. `completeSession`. */
  call: string;
  /** What Advance (or the check) said. */
  message: string;
  since: string;
  /** Automatic retries made on the slow schedule so far. */
  retries: number;
  nextRetryAt?: string;
}

export interface RepairRecord {
  action: RepairAction;
  /** Who made it (`RepairRequest.by`). */
  by?: string;
  note?: string;
  at: string;
  reason: AttentionReason;
  call: string;
}

export interface LifecycleStatus {
  stage: LifecycleStage;
  businessKey?: string;
  tenancy?: string;
  workItemId: string;
  workItemCreated: boolean;
  activeSession?: ActiveSessionStatus;
  /** The latest 50 completed sessions, oldest first. */
  completedSessions: CompletedSessionStatus[];
  /**
   * Every session this lifecycle completed, including those no longer listed (absent when a
   * worker older than the bound answered).
   */
  completedSessionCount?: number;
  queuedFollowUps: QueuedFollowUpStatus[];
  rejectedSignals: RejectedMessage[];
  reminders: ReminderStatus[];
  finishRequested: boolean;
  lastError?: { message: string; stage: LifecycleStage; at: string };
  /** Set while the lifecycle waits in `needs-attention` for an operator (or its slow retry). */
  attention?: AttentionStatus;
  /** Operators' repairs, the latest 20. */
  repairs?: RepairRecord[];
  /** Events announced to the completion webhook, the latest 50, with their deliveries. */
  events?: LifecycleEventRecord[];
  /** How many times this lifecycle continued as new (history kept short). */
  continuedAsNew: number;
}

export interface LifecycleResult {
  outcome: 'completed' | 'expired';
  workItemId: string;
  /** The latest 50 completed sessions, oldest first (`status.completedSessionCount` counts all). */
  sessions: CompletedSessionStatus[];
  /** The session saved when the interview deadline passed. */
  expiredVersionId?: string;
}
