import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { advance } from './activity-stubs';
import { nowIso } from './clock';
import { formatDuration, optionalDurationMs } from './duration';
import { EventAnnouncer } from './event-announcer';
import { FailureType, failureTypeOf } from './failure-types';
import type { NormalizedLifecycleInput } from './input';
import { InterviewWait } from './interview-wait';
import { LifecycleAttention } from './lifecycle-attention';
import { LifecycleInbox } from './lifecycle-inbox';
import { initialState, toStatus, type ActiveSession, type LifecycleState } from './lifecycle-state';
import type { LifecycleResult, LifecycleStatus } from './lifecycle-status';
import {
  ACCEPTED_AS_COMPLETED,
  type LifecycleView,
  type StepAttempt,
  type WaitOutcome,
} from './lifecycle-view';
import { LifecycleVisibility } from './lifecycle-visibility';
import { localFirst } from './local-first';
import { acceptedByOperator, SessionCompletion } from './session-completion';

/** What a run ends with: the lifecycle's result, or a new run (continue-as-new). */
export type RunOutcome = { kind: 'ended'; result: LifecycleResult } | { kind: 'continue-as-new' };

/**
 * One HotDocs Advance work item from creation to its last session: acquire a token, create the
 * work item, begin a session, wait for the interview (unless batch), complete the session,
 * collect its documents; then follow-up sessions, strictly one after another. State lives in
 * `state` (plain data, carried over continue-as-new). Its helpers each get the same view of it
 * (`LifecycleView`): `inbox` takes the messages, `visibility` sets what operators see,
 * `attention` handles operator-fixable faults, `events` announces to the completion webhook, and
 * the interview wait and the session's completion are steps of their own.
 */
export class AssemblyLifecycle implements LifecycleView {
  readonly state: LifecycleState;
  readonly inbox: LifecycleInbox;
  readonly attention: LifecycleAttention;
  readonly events: EventAnnouncer;
  private readonly visibility: LifecycleVisibility;
  private readonly interviewWait: InterviewWait;
  private readonly completion: SessionCompletion;

  constructor(
    readonly options: NormalizedLifecycleInput,
    carried: LifecycleState | undefined,
  ) {
    this.state =
      carried ??
      initialState(
        options,
        { workItemId: options.workItem.id ?? uuid4(), requestId: uuid4(), versionId: uuid4() },
        nowIso(),
      );
    this.inbox = new LifecycleInbox(this);
    this.visibility = new LifecycleVisibility(this);
    this.attention = new LifecycleAttention(this);
    this.events = new EventAnnouncer(this);
    this.interviewWait = new InterviewWait(this);
    this.completion = new SessionCompletion(this);
  }

  status(): LifecycleStatus {
    return toStatus(this.state, this.options);
  }

  setStage(stage: LifecycleState['stage'], details: string): void {
    this.visibility.setStage(stage, details);
  }

  attend<T>(
    call: string,
    step: (attempt: StepAttempt) => Promise<T>,
    options?: { canAcceptCompleted?: boolean },
  ): Promise<T | typeof ACCEPTED_AS_COMPLETED> {
    return this.attention.attend(call, step, options);
  }

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
      if (this.assemblesInOneCall(session)) {
        await this.completion.assemble(session);
      } else if (session.interview === undefined) {
        await this.completion.waitOutStrayCompletion();
        await this.begin(session);
      }
      if (session.mode === 'interview' && !session.interviewCompleted && !session.completedInAdvance) {
        const interview = await this.interviewWait.wait(session);
        if (interview === 'continue-as-new') return { kind: 'continue-as-new' };
        if (interview === 'timed-out') return { kind: 'ended', result: await this.expire(session) };
      }
      if (!session.completedInAdvance) await this.completion.complete(session);
      await this.completion.collectDocuments(session);
      const completed = state.completed[state.completed.length - 1];
      if (completed !== undefined) {
        const acceptedBy = acceptedByOperator(completed)
          ? [...(state.repairs ?? [])].reverse().find((repair) => repair.action === 'accept-completed')
          : undefined;
        await this.events.announce('session.completed', {
          versionId: completed.versionId,
          documents: completed.documents,
          assembled: completed.assembled,
          ...(acceptedBy === undefined ? {} : { acceptedBy }),
        });
      }
    }
    await this.events.announce('lifecycle.completed');
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

  /**
   * Waits until `done`, the timeout, or the server's suggestion to continue as new — which is
   * taken only between steps and when no update handler is running.
   */
  async waitUnlessContinuing(done: () => boolean, timeoutMs?: number): Promise<WaitOutcome> {
    const wake = () => done() || this.canContinueAsNew();
    const finished =
      timeoutMs === undefined
        ? await condition(wake).then(() => true)
        : await condition(wake, Math.max(1, timeoutMs));
    if (!done() && this.canContinueAsNew()) return 'continue-as-new';
    return finished ? 'done' : 'timed-out';
  }

  private async checkCredentials(): Promise<void> {
    const { state, options } = this;
    if (state.tokenChecked) return;
    this.setStage('starting', 'checking the Advance credentials');
    const token = await this.attend('acquireToken', (attempt) =>
      localFirst({ activity: 'acquireToken', summary: 'Acquire Advance access token' }, (stubs, options) =>
        stubs.acquireToken.executeWithOptions(options, [{ tenancy: this.options.tenancy, ...attempt }]),
      ),
    );
    // Histories written before v2.0 support carry no protocol: those lifecycles speak v1.1.
    if (token !== ACCEPTED_AS_COMPLETED) {
      if (token.protocol !== undefined) state.protocol = token.protocol;
      if (token.announcesEvents === true) state.announcesEvents = true;
    }
    if (state.protocol?.completeWithoutAssembly === false && !options.runAssembly) {
      throw ApplicationFailure.create({
        type: FailureType.InvalidLifecycleInput,
        message:
          `runAssembly: false is not possible on this tenancy: its Advance API (${state.protocol.apiVersion}) ` +
          'completes a version only with assembly; leave runAssembly out, or keep the tenancy on v1.1',
        nonRetryable: true,
      });
    }
    // Capabilities recorded before answer sets existed: the protocol that names its versions (v2.0)
    // is the one with them.
    const answerSets = state.protocol?.answerSets ?? state.protocol?.completeNamesVersion === true;
    if (options.storeAnswerSet === true && !answerSets) {
      throw ApplicationFailure.create({
        type: FailureType.InvalidLifecycleInput,
        message:
          `storeAnswerSet: true is not possible on this tenancy: its Advance API (${state.protocol?.apiVersion ?? 'v1.1'}) ` +
          'has no answer-set call (v2.0 has); leave storeAnswerSet out, or move the tenancy to v2.0',
        nonRetryable: true,
      });
    }
    state.tokenChecked = true;
  }

  private async createWorkItem(): Promise<void> {
    const { state, options } = this;
    if (state.workItemCreated) return;
    this.setStage('creating-work-item', `creating work item "${options.workItem.name}"`);
    const args = {
      tenancy: this.options.tenancy,
      workItem: { ...options.workItem, id: state.workItemId },
      answerXml: options.answerXml,
    };
    await this.attend('createWorkItem', (attempt) =>
      localFirst({ activity: 'createWorkItem', summary: 'Create work item' }, (stubs, options) =>
        stubs.createWorkItem.executeWithOptions(options, [{ ...args, ...attempt }]),
      ),
    );
    state.workItemCreated = true;
  }

  /** v2.0 with CreateAndAssemble: a batch session is created and assembled in one call. */
  private assemblesInOneCall(session: ActiveSession): boolean {
    const protocol = this.state.protocol;
    return (
      session.mode === 'batch' &&
      session.via !== 'update' &&
      session.interview === undefined &&
      !session.completedInAdvance &&
      protocol !== undefined &&
      protocol.createAndAssemble !== 'off'
    );
  }

  private async begin(session: ActiveSession): Promise<void> {
    const { state } = this;
    const { tenancy } = this.options;
    this.setStage('beginning-session', `beginning session ${session.versionId}`);
    const args = {
      tenancy,
      workItemId: state.workItemId,
      versionId: session.versionId,
      answerXml: session.answerXml,
    };
    let begun;
    try {
      begun = await this.attend('beginSession', (attempt) =>
        localFirst(
          { activity: 'beginSession', summary: `Begin session ${session.versionId}` },
          (stubs, options) => stubs.beginSession.executeWithOptions(options, [{ ...args, ...attempt }]),
        ),
      );
    } catch (error) {
      if (failureTypeOf(error) !== FailureType.SessionNotRecoverable) throw error;
      // An earlier attempt began it but Advance will not give its interview data back: save it
      // and resume it as a new session (Advance reloads the saved answers).
      await this.attend('saveSession', (attempt) =>
        advance.saveSession.executeWithOptions({ summary: 'Save session to resume it' }, [
          { tenancy, workItemId: state.workItemId, ...attempt },
        ]),
      );
      session.versionId = uuid4();
      const resumed = { tenancy, workItemId: state.workItemId, versionId: session.versionId };
      begun = await this.attend('beginSession', (attempt) =>
        localFirst(
          { activity: 'beginSession', summary: `Resume as session ${session.versionId}` },
          (stubs, options) => stubs.beginSession.executeWithOptions(options, [{ ...resumed, ...attempt }]),
        ),
      );
    }
    // Not offered for a begin (canAcceptCompleted is false); narrows the type.
    if (begun === ACCEPTED_AS_COMPLETED)
      throw ApplicationFailure.nonRetryable('a begin cannot be accepted as completed');
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

  /** The interview deadline passed: the session is saved for a later resume, the lifecycle ends. */
  private async expire(session: ActiveSession): Promise<LifecycleResult> {
    await this.saveActive(session);
    await this.events.announce('lifecycle.expired', {
      versionId: session.versionId,
      reason: `the interview deadline (${session.deadlineAt ?? 'unknown'}) passed; the session was saved`,
    });
    this.setStage('expired', `the interview deadline passed; session ${session.versionId} was saved`);
    return {
      outcome: 'expired',
      workItemId: this.state.workItemId,
      sessions: this.state.completed,
      expiredVersionId: session.versionId,
    };
  }

  private async saveActive(session: ActiveSession): Promise<void> {
    this.setStage('saving-session', `saving session ${session.versionId}`);
    const args = {
      tenancy: this.options.tenancy,
      workItemId: this.state.workItemId,
      versionId: session.versionId,
    };
    await this.attend('saveSession', (attempt) =>
      advance.saveSession.executeWithOptions({ summary: `Save session ${session.versionId}` }, [
        { ...args, ...attempt },
      ]),
    );
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

  private canContinueAsNew(): boolean {
    return workflowInfo().continueAsNewSuggested && allHandlersFinished();
  }
}
