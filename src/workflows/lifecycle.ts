import {
  allHandlersFinished,
  condition,
  isCancellation,
  patched,
  sleep,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../activities/lifecycle-activities';
import { ADVANCE_CALL_TIMEOUT_MS, advance, documentActivities, reminderActivities } from './activity-stubs';
import { nowIso, optionalDurationMs } from './clock';
import type { LifecycleResult, LifecycleStatus } from './definitions';
import { formatDuration, parseDuration } from './duration';
import { FailureType } from './failure-types';
import type { NormalizedLifecycleInput } from './input';
import { LifecycleInbox } from './lifecycle-inbox';
import {
  initialState,
  MAX_REMINDER_RECORDS,
  recordBounded,
  toStatus,
  type ActiveSession,
  type LifecycleState,
} from './lifecycle-state';
import { LifecycleVisibility } from './lifecycle-visibility';
import { failureTypeOf, messageOf } from './workflow-errors';

const PATCH_QUARANTINE_AFTER_RETRIED_COMPLETE = 'quarantine-after-retried-complete';

/** What a run ends with: the lifecycle's result, or the state to carry into a new run. */
export type RunOutcome = { kind: 'ended'; result: LifecycleResult } | { kind: 'continue-as-new' };

/** How a wait ended. `continue-as-new`: the server asked for a new run and no handler is busy. */
type WaitOutcome = 'done' | 'timed-out' | 'continue-as-new';

/**
 * One HotDocs Advance work item from creation to its last session: acquire a token, create the
 * work item, begin a session, wait for the interview (unless batch), complete the session,
 * collect its documents; then follow-up sessions, strictly one after another. State lives in
 * `state` (plain data, carried over continue-as-new); messages arrive through `inbox`; what
 * operators see is set through `visibility`.
 */
export class AssemblyLifecycle {
  readonly state: LifecycleState;
  readonly inbox: LifecycleInbox;
  private readonly visibility: LifecycleVisibility;
  private readonly tenancy: string | undefined;

  constructor(
    private readonly options: NormalizedLifecycleInput,
    carried: LifecycleState | undefined,
  ) {
    this.state =
      carried ??
      initialState(
        options,
        { workItemId: options.workItem.id ?? uuid4(), requestId: uuid4(), versionId: uuid4() },
        nowIso(),
      );
    this.tenancy = options.tenancy;
    this.inbox = new LifecycleInbox(this.state, options);
    this.visibility = new LifecycleVisibility(this.state, options);
  }

  status(): LifecycleStatus {
    return toStatus(this.state, this.options);
  }

  setStage: LifecycleVisibility['setStage'] = (stage, details) => this.visibility.setStage(stage, details);

  /** The steps, from wherever the state says the lifecycle is, to its end or to a new run. */
  async run(): Promise<RunOutcome> {
    const { state } = this;
    await this.checkCredentials();
    await this.createWorkItem();
    for (;;) {
      if (state.active === undefined) {
        if (this.canContinueAsNew()) return { kind: 'continue-as-new' };
        const more = await this.waitForMoreWork();
        if (more === 'continue-as-new') return { kind: 'continue-as-new' };
        if (more === 'close') break;
        const next = state.queue.shift();
        if (next === undefined) continue;
        state.active = { ...next, remindersSent: 0, completedInAdvance: false };
      }
      const session = state.active;
      if (session.interview === undefined) {
        await this.waitOutStrayCompletion();
        await this.begin(session);
      }
      if (session.mode === 'interview' && !session.interviewCompleted && !session.completedInAdvance) {
        const interview = await this.waitForInterview(session);
        if (interview === 'continue-as-new') return { kind: 'continue-as-new' };
        if (interview === 'timed-out') return { kind: 'ended', result: await this.expire(session) };
      }
      if (!session.completedInAdvance) await this.complete(session);
      await this.collectDocuments(session);
    }
    this.setStage('completed', `${state.completed.length} session(s) completed`);
    return {
      kind: 'ended',
      result: { outcome: 'completed', workItemId: state.workItemId, sessions: state.completed },
    };
  }

  /** Saves the active session (unless Advance already completed it); used on cancellation. */
  async saveActiveIfOpen(): Promise<void> {
    const session = this.state.active;
    if (session !== undefined && this.state.workItemCreated && !session.completedInAdvance)
      await this.saveActive(session);
  }

  private async checkCredentials(): Promise<void> {
    if (this.state.tokenChecked) return;
    this.setStage('starting', 'checking the Advance credentials');
    await advance.acquireToken.executeWithOptions({ summary: 'Acquire Advance access token' }, [
      { tenancy: this.tenancy },
    ]);
    this.state.tokenChecked = true;
  }

  private async createWorkItem(): Promise<void> {
    const { state, options } = this;
    if (state.workItemCreated) return;
    this.setStage('creating-work-item', `creating work item "${options.workItem.name}"`);
    await advance.createWorkItem.executeWithOptions({ summary: 'Create work item' }, [
      {
        tenancy: this.tenancy,
        workItem: { ...options.workItem, id: state.workItemId },
        answerXml: options.answerXml,
      },
    ]);
    state.workItemCreated = true;
  }

  private async begin(session: ActiveSession): Promise<void> {
    const { state, tenancy } = this;
    this.setStage('beginning-session', `beginning session ${session.versionId}`);
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
      if (failureTypeOf(error) !== FailureType.SessionNotRecoverable) throw error;
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
    this.inbox.sessionBegun(session, {
      workItemId: state.workItemId,
      versionId: session.versionId,
      mode: session.mode,
      ...session.interview,
    });
  }

  /** Waits for `interviewCompleted`, sending reminders; `timed-out` when the deadline passed first. */
  private async waitForInterview(session: ActiveSession): Promise<WaitOutcome> {
    const deadlineMs = optionalDurationMs(this.options.interview?.deadline);
    if (session.waitingSince === undefined) {
      session.waitingSince = nowIso();
      if (deadlineMs !== undefined) session.deadlineAt = new Date(Date.now() + deadlineMs).toISOString();
    }
    const since = Date.parse(session.waitingSince);
    const until = session.deadlineAt === undefined ? '' : `; deadline ${session.deadlineAt}`;
    this.setStage(
      'waiting-for-interview',
      `waiting for the interview of session ${session.versionId} since ${session.waitingSince}${until}`,
    );
    const reminderOffsets = (this.options.interview?.reminders ?? [])
      .map((r) => parseDuration(r) ?? 0)
      .sort((a, b) => a - b);
    const done = () => session.interviewCompleted;
    while (session.remindersSent < reminderOffsets.length) {
      const offset = reminderOffsets[session.remindersSent] ?? 0;
      const waited = await this.waitUnlessContinuing(done, since + offset - Date.now());
      if (waited !== 'timed-out') return waited;
      session.remindersSent += 1;
      await this.sendReminder(session, session.remindersSent);
    }
    if (session.deadlineAt === undefined) return this.waitUnlessContinuing(done);
    return this.waitUnlessContinuing(done, Date.parse(session.deadlineAt) - Date.now());
  }

  private async sendReminder(session: ActiveSession, number: number): Promise<void> {
    const notice = {
      type: 'interview.reminder' as const,
      lifecycleId: workflowInfo().workflowId,
      businessKey: this.options.businessKey,
      tenancy: this.tenancy,
      workItemId: this.state.workItemId,
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
      this.state.reminders,
      { versionId: session.versionId, sentAt: notice.sentAt, delivered, detail },
      MAX_REMINDER_RECORDS,
    );
  }

  /** The interview deadline passed: the session is saved for a later resume, the lifecycle ends. */
  private async expire(session: ActiveSession): Promise<LifecycleResult> {
    await this.saveActive(session);
    this.setStage('expired', `the interview deadline passed; session ${session.versionId} was saved`);
    return {
      outcome: 'expired',
      workItemId: this.state.workItemId,
      sessions: this.state.completed,
      expiredVersionId: session.versionId,
    };
  }

  private async complete(session: ActiveSession): Promise<void> {
    this.setStage('completing-session', `completing session ${session.versionId}`);
    const { outcome, attempt } = await advance.completeSession.executeWithOptions(
      { summary: `Complete session ${session.versionId}` },
      [
        {
          tenancy: this.tenancy,
          workItemId: this.state.workItemId,
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
      this.state.beginNotBefore = new Date(Date.now() + ADVANCE_CALL_TIMEOUT_MS).toISOString();
    }
  }

  /**
   * CompleteSession names no version, so a request of a lost attempt could still complete the
   * next session: after a retried completion, no session begins until that request is dead.
   */
  private async waitOutStrayCompletion(): Promise<void> {
    const { beginNotBefore } = this.state;
    const remaining = beginNotBefore === undefined ? 0 : Date.parse(beginNotBefore) - Date.now();
    if (remaining <= 0) return;
    this.setStage(
      'beginning-session',
      `waiting until ${beginNotBefore} before the next session: a CompleteSession needed a retry, ` +
        'and a request of the lost attempt could still reach Advance',
    );
    await sleep(remaining);
  }

  private async collectDocuments(session: ActiveSession): Promise<void> {
    let documents: Awaited<ReturnType<LifecycleActivities['listDocuments']>> = [];
    if (session.runAssembly) {
      this.setStage('collecting-documents', `collecting the documents of session ${session.versionId}`);
      const args = { tenancy: this.tenancy, workItemId: this.state.workItemId, versionId: session.versionId };
      documents = this.options.storeDocuments
        ? await documentActivities.storeDocuments.executeWithOptions(
            { summary: 'Store assembled documents' },
            [args],
          )
        : await advance.listDocuments.executeWithOptions({ summary: 'List assembled documents' }, [args]);
    }
    this.state.completed.push({
      versionId: session.versionId,
      mode: session.mode,
      completedAt: nowIso(),
      assembled: session.runAssembly,
      documents,
      ...(session.warning === undefined ? {} : { warning: session.warning }),
    });
    this.state.active = undefined;
  }

  private async saveActive(session: ActiveSession): Promise<void> {
    this.setStage('saving-session', `saving session ${session.versionId}`);
    await advance.saveSession.executeWithOptions({ summary: `Save session ${session.versionId}` }, [
      { tenancy: this.tenancy, workItemId: this.state.workItemId },
    ]);
  }

  /** Idle between sessions: `more` when a session is queued, `close` when the lifecycle can end. */
  private async waitForMoreWork(): Promise<'more' | 'close' | 'continue-as-new'> {
    const { state } = this;
    const hasWork = () => state.queue.length > 0;
    if (hasWork()) return 'more';
    const keepOpenMs = optionalDurationMs(this.options.keepOpenFor) ?? 0;
    if (state.finishRequested || keepOpenMs === 0) return 'close';
    this.setStage('idle', `open for follow-up sessions for ${formatDuration(keepOpenMs)} (or until finish)`);
    const waited = await this.waitUnlessContinuing(() => hasWork() || state.finishRequested, keepOpenMs);
    if (waited === 'continue-as-new') return 'continue-as-new';
    return hasWork() ? 'more' : 'close';
  }

  /**
   * Waits until `done`, the timeout, or the server's suggestion to continue as new — which is
   * taken only between steps and when no update handler is running.
   */
  private async waitUnlessContinuing(done: () => boolean, timeoutMs?: number): Promise<WaitOutcome> {
    const wake = () => done() || this.canContinueAsNew();
    const finished =
      timeoutMs === undefined
        ? await condition(wake).then(() => true)
        : await condition(wake, Math.max(1, timeoutMs));
    if (!done() && this.canContinueAsNew()) return 'continue-as-new';
    return finished ? 'done' : 'timed-out';
  }

  private canContinueAsNew(): boolean {
    return workflowInfo().continueAsNewSuggested && allHandlersFinished();
  }
}
