import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../activities/lifecycle-activities';
import {
  beginFollowUpSessionUpdate,
  finishSignal,
  interviewCompletedSignal,
  requestFollowUpSessionSignal,
  statusQuery,
  type BegunSessionInfo,
  type LifecycleResult,
  type LifecycleStage,
} from './definitions';
import { formatDuration, parseDuration } from './duration';
import {
  checkFollowUpRequest,
  checkInterviewCompleted,
  checkLifecycleInput,
  type FollowUpRequest,
  type LifecycleInput,
  type NormalizedLifecycleInput,
} from './input';
import {
  initialState,
  isTerminal,
  MAX_REJECTED,
  MAX_REMINDER_RECORDS,
  MAX_REQUEST_IDS,
  recordBounded,
  toStatus,
  type ActiveSession,
  type CarriedState,
  type LifecycleState,
  type RequestedSession,
} from './lifecycle-state';
import { BUSINESS_KEY, STAGE, TENANCY, WAITING_SINCE, WORK_ITEM_ID } from './search-attributes';

/** How long one attempt of an Advance call may take; a lost attempt's request is dead after it. */
const COMPLETE_SESSION_TIMEOUT_MS = 120_000;
const PATCH_QUARANTINE_AFTER_RETRIED_COMPLETE = 'quarantine-after-retried-complete';

/** Quick Advance calls: retried with backoff until they succeed or fail permanently. */
const advance = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: COMPLETE_SESSION_TIMEOUT_MS,
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Downloads can be large: a longer attempt, still heartbeating. */
const documentActivities = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '10s',
  // Several requests per attempt (list, each download): retry often rather than back off long.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** A reminder that cannot be delivered must not hold the lifecycle up. */
const reminderActivities = proxyActivities<LifecycleActivities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

const SESSION_NOT_RECOVERABLE = 'AdvanceSessionNotRecoverableError';

/** Internal marker: the server suggested continue-as-new and no handler is running. */
class ContinueAsNewNow {}

/**
 * One HotDocs Advance work item from creation to its last session: acquire a token, create the
 * work item, begin a session, wait for the interview (unless batch), complete the session,
 * collect its documents; then follow-up sessions, strictly one after another.
 */
export async function assemblyLifecycle(
  input: LifecycleInput,
  carried?: CarriedState,
): Promise<LifecycleResult> {
  const checked = checkLifecycleInput(input);
  if (!checked.ok) {
    throw ApplicationFailure.create({
      type: 'InvalidLifecycleInput',
      message: `Invalid lifecycle input: ${checked.problems.join('; ')}`,
      nonRetryable: true,
      details: [{ problems: checked.problems }],
    });
  }
  const options = checked.value;
  const state: LifecycleState =
    carried?.state ??
    initialState(
      options,
      { workItemId: options.workItem.id ?? uuid4(), requestId: uuid4(), versionId: uuid4() },
      nowIso(),
    );
  const tenancy = options.tenancy;
  const updateResults = new Map<string, BegunSessionInfo | { error: string }>();

  // ---- messages -----------------------------------------------------------------------------

  const reject = (name: string, reason: string, versionId?: string) =>
    recordBounded(state.rejected, { name, reason, at: nowIso(), versionId }, MAX_REJECTED);

  setHandler(statusQuery, () => toStatus(state, options));

  setHandler(interviewCompletedSignal, (message) => {
    const parsed = checkInterviewCompleted(message);
    if (!parsed.ok) return reject('interviewCompleted', parsed.problems.join('; '));
    const { versionId } = parsed.value;
    const target =
      state.active?.versionId === versionId
        ? state.active
        : state.queue.find((r) => r.versionId === versionId);
    if (target !== undefined) {
      if (target.mode === 'batch')
        return reject('interviewCompleted', 'that session is a batch session', versionId);
      target.interviewCompleted = true;
      return;
    }
    const done = state.completed.some((c) => c.versionId === versionId);
    reject('interviewCompleted', done ? 'that session is already completed' : 'no such session', versionId);
  });

  const closedReason = (): string | undefined => {
    if (isTerminal(state.stage)) return `the lifecycle has ended (${state.stage})`;
    if (state.finishRequested) return 'the lifecycle is finishing';
    return undefined;
  };

  /** The session already requested under the caller's request id, if any. */
  const requestedBefore = (requestId: string | undefined): RequestedSession | undefined =>
    requestId === undefined
      ? undefined
      : [...(state.active === undefined ? [] : [state.active]), ...state.queue].find(
          (r) => r.requestId === requestId,
        );

  const enqueue = (request: FollowUpRequest | undefined, via: 'signal' | 'update'): RequestedSession => {
    const parsed = checkFollowUpRequest(request);
    const value = parsed.ok ? parsed.value : {};
    if (value.requestId !== undefined) {
      state.requestIds ??= [];
      recordBounded(state.requestIds, value.requestId, MAX_REQUEST_IDS);
    }
    const session: RequestedSession = {
      requestId: value.requestId ?? uuid4(),
      versionId: uuid4(),
      answerXml: value.answerXml,
      mode: value.mode ?? options.mode,
      runAssembly: value.runAssembly ?? options.runAssembly,
      via,
      requestedAt: nowIso(),
      interviewCompleted: false,
    };
    state.queue.push(session);
    return session;
  };

  const isRepeat = (request: FollowUpRequest | undefined): boolean => {
    const requestId = checkFollowUpRequest(request).ok ? request?.requestId : undefined;
    return requestId !== undefined && (state.requestIds ?? []).includes(requestId);
  };

  setHandler(requestFollowUpSessionSignal, (request) => {
    const closed = closedReason();
    if (closed !== undefined) return reject('requestFollowUpSession', closed);
    const parsed = checkFollowUpRequest(request);
    if (!parsed.ok) return reject('requestFollowUpSession', parsed.problems.join('; '));
    if (isRepeat(request))
      return reject('requestFollowUpSession', `request ${request?.requestId} was already accepted`);
    enqueue(request, 'signal');
  });

  setHandler(
    beginFollowUpSessionUpdate,
    async (request) => {
      // A repeat (after CAN the server no longer deduplicates the update id) waits for the same session.
      const session = requestedBefore(request?.requestId) ?? enqueue(request, 'update');
      await condition(() => updateResults.has(session.requestId));
      const result = updateResults.get(session.requestId);
      if (result === undefined || 'error' in result) {
        throw ApplicationFailure.create({
          type: 'FollowUpSessionNotBegun',
          message: result?.error ?? 'the follow-up session was not begun',
          nonRetryable: true,
        });
      }
      return result;
    },
    {
      // Validators must be synchronous: they reject before anything is written to history.
      validator: (request) => {
        const closed = closedReason();
        if (closed !== undefined) throw new Error(`beginFollowUpSession refused: ${closed}`);
        const parsed = checkFollowUpRequest(request);
        if (!parsed.ok) throw new Error(`beginFollowUpSession refused: ${parsed.problems.join('; ')}`);
        if (isRepeat(request) && requestedBefore(request.requestId) === undefined) {
          throw new Error(
            `beginFollowUpSession refused: request ${request.requestId} was already carried out`,
          );
        }
      },
    },
  );

  setHandler(finishSignal, () => {
    if (isTerminal(state.stage)) return reject('finish', `the lifecycle has ended (${state.stage})`);
    if (state.finishRequested) return reject('finish', 'finish was already requested');
    state.finishRequested = true;
  });

  // ---- visibility ---------------------------------------------------------------------------

  /**
   * The search attributes follow the lifecycle where it rests (waiting for an interview, idle,
   * ended) and where it resumes work from a rest; transient steps show in the current details and
   * `status` only. Each upsert is a history event and a visibility write, and steps that last
   * milliseconds are not what operators search for; a lifecycle stuck in a step stays findable
   * by the stage it resumed work at.
   */
  const startAttributes = workflowInfo().typedSearchAttributes;
  let indexedStage = startAttributes.get(STAGE) as LifecycleStage | undefined;
  let identityIndexed = startAttributes.get(WORK_ITEM_ID) === state.workItemId;
  const setStage = (stage: LifecycleStage, details: string) => {
    const wanted =
      !identityIndexed || (stage !== indexedStage && (isAtRest(stage) || isAtRest(indexedStage)));
    if (wanted) {
      const waitingSince =
        stage === 'waiting-for-interview' && state.active?.waitingSince !== undefined
          ? new Date(state.active.waitingSince)
          : null;
      upsertSearchAttributes([
        ...(identityIndexed
          ? []
          : [
              { key: WORK_ITEM_ID, value: state.workItemId },
              ...(options.businessKey === undefined
                ? []
                : [{ key: BUSINESS_KEY, value: options.businessKey }]),
              ...(tenancy === undefined ? [] : [{ key: TENANCY, value: tenancy }]),
            ]),
        { key: STAGE, value: stage },
        { key: WAITING_SINCE, value: waitingSince },
      ]);
      identityIndexed = true;
      indexedStage = stage;
    }
    state.stage = stage;
    setCurrentDetails(`**${stage}** — ${details}\n\nwork item \`${state.workItemId}\``);
  };

  const canNow = () => workflowInfo().continueAsNewSuggested && allHandlersFinished();
  const waitOrContinueAsNew = async (done: () => boolean, timeoutMs?: number): Promise<boolean> => {
    const finished =
      timeoutMs === undefined
        ? await condition(() => done() || canNow()).then(() => true)
        : await condition(() => done() || canNow(), Math.max(1, timeoutMs));
    if (!done() && canNow()) throw new ContinueAsNewNow();
    return finished;
  };

  // ---- steps --------------------------------------------------------------------------------

  const begin = async (session: ActiveSession) => {
    setStage('beginning-session', `beginning session ${session.versionId}`);
    let begun;
    try {
      begun = await advance.beginSession.executeWithOptions(
        { summary: `Begin session ${session.versionId}` },
        [
          {
            tenancy,
            workItemId: state.workItemId,
            versionId: session.versionId,
            answerXml: session.answerXml,
          },
        ],
      );
    } catch (error) {
      if (failureType(error) !== SESSION_NOT_RECOVERABLE) throw error;
      // An earlier attempt began it but Advance will not give its interview data back: save it
      // and resume it as a new session (Advance reloads the saved answers).
      await advance.saveSession.executeWithOptions({ summary: 'Save session to resume it' }, [
        { tenancy, workItemId: state.workItemId },
      ]);
      session.versionId = uuid4();
      begun = await advance.beginSession.executeWithOptions(
        { summary: `Resume as session ${session.versionId}` },
        [{ tenancy, workItemId: state.workItemId, versionId: session.versionId }],
      );
    }
    session.interview = {
      hdaSessionId: begun.hdaSessionId,
      coreSessionId: begun.coreSessionId,
      interviewJsUrl: begun.interviewJsUrl,
    };
    session.begunAt = nowIso();
    session.answerXml = undefined; // sent; no need to carry personal data further
    if (session.via === 'update') {
      updateResults.set(session.requestId, {
        workItemId: state.workItemId,
        versionId: session.versionId,
        mode: session.mode,
        ...session.interview,
      });
    }
  };

  const sendReminder = async (session: ActiveSession, number: number) => {
    const notice = {
      type: 'interview.reminder' as const,
      lifecycleId: workflowInfo().workflowId,
      businessKey: options.businessKey,
      tenancy,
      workItemId: state.workItemId,
      versionId: session.versionId,
      reminderNumber: number,
      waitingSince: session.waitingSince ?? nowIso(),
      deadlineAt: session.deadlineAt,
      sentAt: nowIso(),
    };
    let delivered = false;
    let detail: string;
    try {
      ({ delivered, detail } = await reminderActivities.sendInterviewReminder.executeWithOptions(
        { summary: `Reminder ${number} for session ${session.versionId}` },
        [notice],
      ));
    } catch (error) {
      if (isCancellation(error)) throw error;
      detail = `not delivered: ${messageOf(error)}`;
    }
    recordBounded(
      state.reminders,
      { versionId: session.versionId, sentAt: notice.sentAt, delivered, detail },
      MAX_REMINDER_RECORDS,
    );
  };

  /** Waits for `interviewCompleted`, sending reminders; false when the deadline passed first. */
  const waitForInterview = async (session: ActiveSession): Promise<boolean> => {
    const deadlineMs = parseOptionalDuration(options.interview?.deadline);
    if (session.waitingSince === undefined) {
      session.waitingSince = nowIso();
      if (deadlineMs !== undefined) session.deadlineAt = new Date(Date.now() + deadlineMs).toISOString();
    }
    const since = Date.parse(session.waitingSince);
    const until = session.deadlineAt === undefined ? '' : `; deadline ${session.deadlineAt}`;
    setStage(
      'waiting-for-interview',
      `waiting for the interview of session ${session.versionId} since ${session.waitingSince}${until}`,
    );
    const reminderOffsets = (options.interview?.reminders ?? [])
      .map((r) => parseDuration(r) ?? 0)
      .sort((a, b) => a - b);
    const done = () => session.interviewCompleted;
    while (session.remindersSent < reminderOffsets.length) {
      const offset = reminderOffsets[session.remindersSent] ?? 0;
      if (await waitOrContinueAsNew(done, since + offset - Date.now())) return true;
      session.remindersSent += 1;
      await sendReminder(session, session.remindersSent);
    }
    if (session.deadlineAt === undefined) return waitOrContinueAsNew(done);
    return waitOrContinueAsNew(done, Date.parse(session.deadlineAt) - Date.now());
  };

  const complete = async (session: ActiveSession) => {
    setStage('completing-session', `completing session ${session.versionId}`);
    const { outcome, attempt } = await advance.completeSession.executeWithOptions(
      { summary: `Complete session ${session.versionId}` },
      [
        {
          tenancy,
          workItemId: state.workItemId,
          versionId: session.versionId,
          runAssembly: session.runAssembly,
        },
      ],
    );
    session.completedInAdvance = true;
    if (outcome === 'completed-elsewhere') {
      session.warning =
        'Advance had already completed this session before this lifecycle asked (a stray CompleteSession ' +
        'of an earlier session?): its documents may not reflect the finished interview';
    }
    if (attempt !== undefined && attempt > 1 && patched(PATCH_QUARANTINE_AFTER_RETRIED_COMPLETE)) {
      state.beginNotBefore = new Date(Date.now() + COMPLETE_SESSION_TIMEOUT_MS).toISOString();
    }
  };

  /** Waits out a retried CompleteSession's possible stray request before the next session. */
  const waitOutStrayCompletion = async () => {
    const remaining = state.beginNotBefore === undefined ? 0 : Date.parse(state.beginNotBefore) - Date.now();
    if (remaining <= 0) return;
    setStage(
      'beginning-session',
      `waiting until ${state.beginNotBefore} before the next session: a CompleteSession needed a retry, ` +
        'and a request of the lost attempt could still reach Advance',
    );
    await sleep(remaining);
  };

  const collectDocuments = async (session: ActiveSession) => {
    let documents: Awaited<ReturnType<LifecycleActivities['listDocuments']>> = [];
    if (session.runAssembly) {
      setStage('collecting-documents', `collecting the documents of session ${session.versionId}`);
      const args = { tenancy, workItemId: state.workItemId, versionId: session.versionId };
      documents = options.storeDocuments
        ? await documentActivities.storeDocuments.executeWithOptions(
            { summary: 'Store assembled documents' },
            [args],
          )
        : await advance.listDocuments.executeWithOptions({ summary: 'List assembled documents' }, [args]);
    }
    state.completed.push({
      versionId: session.versionId,
      mode: session.mode,
      completedAt: nowIso(),
      assembled: session.runAssembly,
      documents,
      ...(session.warning === undefined ? {} : { warning: session.warning }),
    });
    state.active = undefined;
  };

  const saveActive = async (session: ActiveSession) => {
    setStage('saving-session', `saving session ${session.versionId}`);
    await advance.saveSession.executeWithOptions({ summary: `Save session ${session.versionId}` }, [
      { tenancy, workItemId: state.workItemId },
    ]);
  };

  /** Idle between sessions: true when there is more to do, false when the lifecycle can close. */
  const waitForMoreWork = async (): Promise<boolean> => {
    const hasWork = () => state.queue.length > 0;
    if (hasWork()) return true;
    const keepOpenMs = parseOptionalDuration(options.keepOpenFor) ?? 0;
    if (state.finishRequested || keepOpenMs === 0) return false;
    setStage('idle', `open for follow-up sessions for ${formatDuration(keepOpenMs)} (or until finish)`);
    await waitOrContinueAsNew(() => hasWork() || state.finishRequested, keepOpenMs);
    return hasWork();
  };

  // ---- the lifecycle ------------------------------------------------------------------------

  const run = async (): Promise<LifecycleResult> => {
    if (!state.tokenChecked) {
      setStage('starting', 'checking the Advance credentials');
      await advance.acquireToken.executeWithOptions({ summary: 'Acquire Advance access token' }, [
        { tenancy },
      ]);
      state.tokenChecked = true;
    }
    if (!state.workItemCreated) {
      setStage('creating-work-item', `creating work item "${options.workItem.name}"`);
      await advance.createWorkItem.executeWithOptions({ summary: 'Create work item' }, [
        { tenancy, workItem: { ...options.workItem, id: state.workItemId }, answerXml: options.answerXml },
      ]);
      state.workItemCreated = true;
    }
    for (;;) {
      if (state.active === undefined) {
        if (workflowInfo().continueAsNewSuggested && allHandlersFinished()) throw new ContinueAsNewNow();
        if (!(await waitForMoreWork())) break;
        const next = state.queue.shift();
        if (next === undefined) continue;
        state.active = { ...next, remindersSent: 0, completedInAdvance: false };
      }
      const session = state.active;
      if (session.interview === undefined) {
        await waitOutStrayCompletion();
        await begin(session);
      }
      if (session.mode === 'interview' && !session.interviewCompleted && !session.completedInAdvance) {
        if (!(await waitForInterview(session))) {
          await saveActive(session);
          setStage('expired', `the interview deadline passed; session ${session.versionId} was saved`);
          return {
            outcome: 'expired',
            workItemId: state.workItemId,
            sessions: state.completed,
            expiredVersionId: session.versionId,
          };
        }
      }
      if (!session.completedInAdvance) await complete(session);
      await collectDocuments(session);
    }
    setStage('completed', `${state.completed.length} session(s) completed`);
    return { outcome: 'completed', workItemId: state.workItemId, sessions: state.completed };
  };

  try {
    const result = await run();
    settleWaitingUpdates(updateResults, state, `the lifecycle has ended (${state.stage})`);
    await condition(allHandlersFinished);
    return result;
  } catch (error) {
    if (error instanceof ContinueAsNewNow) {
      state.continuedAsNew += 1;
      return continueAsNew<typeof assemblyLifecycle>(input, { state });
    }
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        const session = state.active;
        if (session !== undefined && state.workItemCreated && !session.completedInAdvance)
          await saveActive(session);
        setStage('cancelled', 'cancelled; an active session was saved');
      });
      settleWaitingUpdates(updateResults, state, 'the lifecycle was cancelled');
      throw error;
    }
    state.lastError = { message: messageOf(error), stage: state.stage, at: nowIso() };
    const failedStage = state.stage;
    setStage('failed', `failed while ${failedStage}: ${truncate(messageOf(error), 300)}`);
    settleWaitingUpdates(updateResults, state, `the lifecycle failed: ${messageOf(error)}`);
    throw ApplicationFailure.create({
      type: 'LifecycleFailed',
      message: `Lifecycle failed while ${failedStage}: ${messageOf(error)}`,
      nonRetryable: true,
      cause: error instanceof Error ? error : undefined,
    });
  }
}

function isAtRest(stage: LifecycleStage | undefined): boolean {
  return stage === 'waiting-for-interview' || stage === 'idle' || (stage !== undefined && isTerminal(stage));
}

/** Every update still waiting for a session gets an answer before the run ends. */
function settleWaitingUpdates(
  results: Map<string, BegunSessionInfo | { error: string }>,
  state: LifecycleState,
  reason: string,
): void {
  const waiting = [...state.queue, ...(state.active === undefined ? [] : [state.active])];
  for (const session of waiting) {
    if (session.via === 'update' && !results.has(session.requestId))
      results.set(session.requestId, { error: reason });
  }
}

function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

function parseOptionalDuration(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDuration(text);
}

/** The innermost message: an activity failure's cause says what Advance said. */
function messageOf(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause !== undefined) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

function failureType(error: unknown): string | undefined {
  return error instanceof ActivityFailure && error.cause instanceof ApplicationFailure
    ? (error.cause.type ?? undefined)
    : undefined;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export type { NormalizedLifecycleInput };
