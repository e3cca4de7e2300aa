import type { AdvanceProtocolFacts } from '../activities';
import type { NormalizedLifecycleInput, SessionMode } from './input';
import type {
  ActiveSessionStatus,
  AttentionStatus,
  CompletedSessionStatus,
  InterviewData,
  LifecycleEventRecord,
  LifecycleStatus,
  RejectedMessage,
  ReminderStatus,
  RepairRecord,
} from './lifecycle-status';
import type { LifecycleStage } from './message-rules';

/**
 * Everything a lifecycle knows, as plain data: it is what continue-as-new carries to the next run,
 * and `status` is a projection of it. Only pure functions here.
 */

/** A session that is asked for but not begun yet. Its version id is fixed when it is queued. */
export interface RequestedSession {
  requestId: string;
  versionId: string;
  answerXml?: string;
  mode: SessionMode;
  runAssembly: boolean;
  via: 'initial' | 'signal' | 'update';
  requestedAt: string;
  /** `interviewCompleted` arrived before the session began: kept for when it has. */
  interviewCompleted: boolean;
}

export interface ActiveSession extends RequestedSession {
  interview?: InterviewData;
  begunAt?: string;
  /**
   * Set when the lifecycle begins to wait for this interview, which it does only while the
   * interview is not yet done: the workflow task that began the session then ends first, so the
   * begin is in the history before anything completes it (session-completion.ts).
   */
  waitingSince?: string;
  deadlineAt?: string;
  remindersSent: number;
  /** v2.0: the Core interview was finished (`finishcurrentinterview`); Complete comes next. */
  interviewFinished?: boolean;
  /** CompleteSession succeeded; documents come next. */
  completedInAdvance: boolean;
  /** v2.0: Advance accepted the completion and is still completing (its status is read until done). */
  completionAccepted?: boolean;
  /** v2.0: Advance's callback said this version is done: read its status now. */
  callbackReceived?: boolean;
  /** v2.0: when this version's callback came; its URL is single-use, a repeat changes nothing. */
  callbackAt?: string;
  /**
   * v2.0: Advance's own webhook reported a change on this work item: read the version's status now
   * (at the interview, or while Advance is completing it). Any number of times; only a hint.
   */
  readRequested?: boolean;
  /** v2.0: when the wait at the interview reads the version's status next (`interview.statusReadEvery`). */
  statusReadDueAt?: string;
  warning?: string;
}

export interface LifecycleState {
  workItemId: string;
  stage: LifecycleStage;
  tokenChecked: boolean;
  workItemCreated: boolean;
  active?: ActiveSession;
  queue: RequestedSession[];
  /** The latest completed sessions (MAX_COMPLETED_RECORDS); `completedCount` counts them all. */
  completed: CompletedSessionStatus[];
  /** Sessions completed in this lifecycle (absent in histories from before the bound: completed.length). */
  completedCount?: number;
  rejected: RejectedMessage[];
  reminders: ReminderStatus[];
  finishRequested: boolean;
  lastError?: { message: string; stage: LifecycleStage; at: string };
  continuedAsNew: number;
  /**
   * No session may begin before this time: a CompleteSession that needed a retry may have left a
   * request in flight at Advance, which would complete whichever session is active when it lands.
   */
  beginNotBefore?: string;
  /** Callers' follow-up request ids already accepted (bounded), for idempotent repeats. */
  requestIds?: string[];
  /**
   * What the tenancy's protocol allows, as the first token check reported it (absent in histories
   * written before v2.0 support: those are v1.1).
   */
  protocol?: AdvanceProtocolFacts;
  /** Set while the lifecycle needs attention (see lifecycle-attention.ts). */
  attention?: AttentionStatus;
  /** Operators' repairs, the latest 20. */
  repairs?: RepairRecord[];
  /** This lifecycle announces its events (a completion webhook was configured at its start). */
  announcesEvents?: boolean;
  /** The events announced, the latest 50, with their delivery once it has ended. */
  events?: LifecycleEventRecord[];
}

/** What the workflow function receives after continue-as-new, beside the original input. */
export interface CarriedState {
  state: LifecycleState;
}

/** Lists kept in state are bounded so a flood of bad signals cannot grow history without end. */
export const MAX_REJECTED = 50;
export const MAX_REMINDER_RECORDS = 50;
export const MAX_REQUEST_IDS = 500;
export const MAX_EVENT_RECORDS = 50;
/**
 * Completed sessions kept in state, status and the result: the latest 50. Older ones were
 * announced (`session.completed`) and their documents stay in the store; without a bound a
 * lifecycle of many follow-ups would outgrow what continue-as-new can carry.
 */
export const MAX_COMPLETED_RECORDS = 50;

/**
 * How large `status` (as JSON) can get, whatever was sent to the lifecycle: every list above is
 * bounded and every free text in it truncated. Documents are Advance's (their count is the
 * template's), so they add a share each; 640 bytes holds a document with names of ~60 characters.
 */
export const STATUS_SIZE_LIMIT = { fixedBytes: 320 * 1024, bytesPerDocument: 640 } as const;

export function initialState(
  input: NormalizedLifecycleInput,
  ids: { workItemId: string; requestId: string; versionId: string },
  now: string,
): LifecycleState {
  return {
    workItemId: ids.workItemId,
    stage: 'starting',
    tokenChecked: false,
    workItemCreated: false,
    // The first session is active from the start, before Advance has begun it, so that its
    // version id is in `status` and an early `interviewCompleted` for it can be kept.
    active: {
      requestId: ids.requestId,
      versionId: ids.versionId,
      answerXml: input.answerXml,
      mode: input.mode,
      runAssembly: input.runAssembly,
      via: 'initial',
      requestedAt: now,
      interviewCompleted: false,
      remindersSent: 0,
      completedInAdvance: false,
    },
    queue: [],
    completed: [],
    rejected: [],
    reminders: [],
    finishRequested: false,
    continuedAsNew: 0,
  };
}

export function recordBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

export function recordCompleted(state: LifecycleState, session: CompletedSessionStatus): void {
  state.completedCount = (state.completedCount ?? state.completed.length) + 1;
  recordBounded(state.completed, session, MAX_COMPLETED_RECORDS);
}

export function toStatus(
  state: LifecycleState,
  input: Pick<NormalizedLifecycleInput, 'businessKey' | 'tenancy'>,
): LifecycleStatus {
  const active = state.active;
  const activeStatus: ActiveSessionStatus | undefined =
    active === undefined
      ? undefined
      : {
          versionId: active.versionId,
          mode: active.mode,
          runAssembly: active.runAssembly,
          interview: active.interview,
          begunAt: active.begunAt,
          waitingSince: active.waitingSince,
          deadlineAt: active.deadlineAt,
          interviewCompleted: active.interviewCompleted,
          ...(active.callbackAt === undefined ? {} : { callbackReceivedAt: active.callbackAt }),
        };
  return {
    stage: state.stage,
    businessKey: input.businessKey,
    tenancy: input.tenancy,
    workItemId: state.workItemId,
    workItemCreated: state.workItemCreated,
    activeSession: activeStatus,
    completedSessions: state.completed,
    completedSessionCount: state.completedCount ?? state.completed.length,
    // Answer XML stays out of status: it is personal data and may be large.
    queuedFollowUps: state.queue.map((r) => ({
      requestId: r.requestId,
      versionId: r.versionId,
      mode: r.mode,
      runAssembly: r.runAssembly,
      requestedAt: r.requestedAt,
      via: r.via === 'update' ? 'update' : 'signal',
    })),
    rejectedSignals: state.rejected,
    reminders: state.reminders,
    finishRequested: state.finishRequested,
    lastError: state.lastError,
    ...(state.attention === undefined ? {} : { attention: state.attention }),
    ...(state.repairs === undefined ? {} : { repairs: state.repairs }),
    ...(state.events === undefined ? {} : { events: state.events }),
    continuedAsNew: state.continuedAsNew,
  };
}
