import { condition, patched, sleep } from '@temporalio/workflow';
import type { CompleteSessionArgs, CompleteSessionResult, LifecycleActivities } from '../activities';
import { ADVANCE_CALL_TIMEOUT_MS, advance, documentActivities } from './activity-stubs';
import { nowIso } from './clock';
import { PostProcessingFailed, UnconfirmedOutcome } from './lifecycle-attention';
import { recordCompleted, type ActiveSession } from './lifecycle-state';
import type { CompletedSessionStatus, LifecycleDocument } from './lifecycle-status';
import { ACCEPTED_AS_COMPLETED, type LifecycleView } from './lifecycle-view';
import { DOCUMENT_STEPS, localFirst } from './local-first';
import {
  PATCH_FINISH_CORE_INTERVIEW,
  PATCH_LOCAL_ASSEMBLE,
  PATCH_LOCAL_NAMED_COMPLETE,
  PATCH_QUARANTINE_AFTER_RETRIED_COMPLETE,
  PATCH_REGULAR_COMPLETE,
  PATCH_STORE_ANSWER_SET,
} from './patches';
/** v2.0: how long the first status read waits for a completing version; doubled up to the maximum. */
const FIRST_STATUS_READ_MS = 1_000;
const MAX_STATUS_READ_INTERVAL_MS = 60_000;

const ACCEPTED_WARNING =
  'an operator accepted this session as completed in Advance, which could not confirm it; ' +
  'its documents were collected as Advance lists them';

/** True for a session an operator's `accept-completed` repair completed (its warning says so). */
export function acceptedByOperator(session: CompletedSessionStatus): boolean {
  return session.warning === ACCEPTED_WARNING;
}

/**
 * A session from its completion to its documents: CompleteSession (or, for a v2.0 batch session,
 * one CreateAndAssemble), the wait while Advance is still completing (v2.0), the quarantine after
 * a retried v1.1 completion, and collecting the documents.
 */
export class SessionCompletion {
  constructor(private readonly lifecycle: LifecycleView) {}

  async complete(session: ActiveSession): Promise<void> {
    const { state } = this.lifecycle;
    const { tenancy } = this.lifecycle.options;
    this.lifecycle.setStage('completing-session', `completing session ${session.versionId}`);
    if (!session.completionAccepted) {
      await this.finishInterview(session);
      const args = {
        tenancy,
        workItemId: state.workItemId,
        versionId: session.versionId,
        runAssembly: session.runAssembly,
      };
      const result = await this.lifecycle.attend(
        'completeSession',
        (attempt) => this.completeCall(session, { ...args, ...attempt }),
        {
          canAcceptCompleted: true,
        },
      );
      if (!this.stillCompleting(session, result)) return;
    }
    await this.waitUntilCompleted(session);
  }

  /**
   * v2.0: the Core interview of a version begun with create-version is finished before Complete, as
   * HotDocs' interview use case requires. Retry-safe in the activity (a repeat is
   * `already-finished`); recorded in the state, so a new run does not repeat it.
   */
  private async finishInterview(session: ActiveSession): Promise<void> {
    const { interview } = session;
    const protocol = this.lifecycle.state.protocol;
    // Capabilities recorded before this one existed: the protocol that names its versions (v2.0)
    // is the one with the Core finish step.
    const finishes = protocol?.finishesInterview ?? protocol?.completeNamesVersion === true;
    if (interview === undefined || session.interviewFinished === true || !finishes) return;
    if (!patched(PATCH_FINISH_CORE_INTERVIEW)) return;
    this.lifecycle.setStage('completing-session', `finishing the interview of session ${session.versionId}`);
    const args = {
      tenancy: this.lifecycle.options.tenancy,
      workItemId: this.lifecycle.state.workItemId,
      versionId: session.versionId,
      coreSessionId: interview.coreSessionId,
      interviewJsUrl: interview.interviewJsUrl,
    };
    await this.lifecycle.attend('finishInterview', (attempt) =>
      advance.finishInterview.executeWithOptions({ summary: `Finish interview ${session.versionId}` }, [
        { ...args, ...attempt },
      ]),
    );
    session.interviewFinished = true;
  }

  /**
   * The CompleteSession step: the regular activity, whose result the history keeps before any
   * workflow task closes anything. A v2.0 completion after the interview once ran as a local
   * activity, in the workflow task that also collected the documents and closed the lifecycle; a
   * message arriving during that task (a second report of the interview, a follow-up request)
   * made the server refuse it, and the worker repeated the whole task, the completion included.
   * Histories that took that path replay it (patches.ts: `PATCH_LOCAL_NAMED_COMPLETE`,
   * `PATCH_REGULAR_COMPLETE`).
   */
  private completeCall(session: ActiveSession, args: CompleteSessionArgs): Promise<CompleteSessionResult> {
    const summary = `Complete session ${session.versionId}`;
    const regular = () => advance.completeSession.executeWithOptions({ summary }, [args]);
    const wasLocal =
      this.lifecycle.state.protocol?.completeNamesVersion === true && session.waitingSince !== undefined;
    if (!wasLocal || patched(PATCH_REGULAR_COMPLETE)) return regular();
    return localFirst(
      { activity: 'completeSession', summary, patch: PATCH_LOCAL_NAMED_COMPLETE },
      (stubs, options, handedOver) =>
        stubs.completeSession.executeWithOptions(options, [
          handedOver === true ? { ...args, afterLocalAttempts: true } : args,
        ]),
    );
  }

  /**
   * v2.0 batch: creates the version and assembles it in one call (CreateAndAssemble where Advance
   * has it, else create + Complete inside the activity).
   */
  async assemble(session: ActiveSession): Promise<void> {
    const { state } = this.lifecycle;
    const { tenancy } = this.lifecycle.options;
    this.lifecycle.setStage('completing-session', `assembling batch session ${session.versionId}`);
    if (!session.completionAccepted) {
      const args = {
        tenancy,
        workItemId: state.workItemId,
        versionId: session.versionId,
        answerXml: session.answerXml,
      };
      // A local activity like the short steps (local-first.ts): the call names its version, so a
      // repeat after a crashed worker (at attempt 1 again) finds that version, completing or
      // completed, instead of acting on another one; its attempt number decides nothing here
      // (no quarantine when the version is named). Its own patch: histories of the local short
      // steps ran it as a regular activity.
      const result = await this.lifecycle.attend(
        'assembleVersion',
        (attempt) =>
          localFirst(
            {
              activity: 'assembleVersion',
              summary: `Assemble session ${session.versionId}`,
              patch: PATCH_LOCAL_ASSEMBLE,
            },
            (stubs, summary) => stubs.assembleVersion.executeWithOptions(summary, [{ ...args, ...attempt }]),
          ),
        { canAcceptCompleted: true },
      );
      session.begunAt = nowIso();
      session.answerXml = undefined; // sent; no need to carry personal data further
      if (!this.stillCompleting(session, result)) return;
    }
    await this.waitUntilCompleted(session);
  }

  /**
   * CompleteSession names no version on v1.1, so a request of a lost attempt could still complete
   * the next session: after a retried completion, no session begins until that request is dead.
   */
  async waitOutStrayCompletion(): Promise<void> {
    const { beginNotBefore } = this.lifecycle.state;
    const remaining = beginNotBefore === undefined ? 0 : Date.parse(beginNotBefore) - Date.now();
    if (remaining <= 0) return;
    this.lifecycle.setStage(
      'beginning-session',
      `waiting until ${beginNotBefore} before the next session: a CompleteSession needed a retry, ` +
        'and a request of the lost attempt could still reach Advance',
    );
    await sleep(remaining);
  }

  async collectDocuments(session: ActiveSession): Promise<void> {
    const { state, options } = this.lifecycle;
    const { tenancy } = options;
    let documents: Awaited<ReturnType<LifecycleActivities['listDocuments']>> = [];
    if (session.runAssembly) {
      this.lifecycle.setStage(
        'collecting-documents',
        `collecting the documents of session ${session.versionId}`,
      );
      const args = { tenancy, workItemId: state.workItemId, versionId: session.versionId };
      const collected = await this.lifecycle.attend(
        options.storeDocuments ? 'storeDocuments' : 'listDocuments',
        (attempt) =>
          options.storeDocuments
            ? localFirst(
                { activity: 'storeDocuments', summary: 'Store assembled documents' },
                (stubs, summary) =>
                  stubs.storeDocuments.executeWithOptions(summary, [{ ...args, ...attempt }]),
                DOCUMENT_STEPS,
              )
            : localFirst(
                { activity: 'listDocuments', summary: 'List assembled documents' },
                (stubs, summary) =>
                  stubs.listDocuments.executeWithOptions(summary, [{ ...args, ...attempt }]),
              ),
      );
      if (collected !== ACCEPTED_AS_COMPLETED) documents = collected;
      documents = [...documents, ...(await this.storeAnswerSet(session))];
    }
    recordCompleted(state, {
      versionId: session.versionId,
      mode: session.mode,
      completedAt: nowIso(),
      assembled: session.runAssembly,
      documents,
      ...(session.warning === undefined ? {} : { warning: session.warning }),
    });
    state.active = undefined;
  }

  /**
   * v2.0 `storeAnswerSet`: the completed version's answer set goes from Advance into the document
   * store inside the activity; the lifecycle keeps only its reference, size and checksum.
   */
  private async storeAnswerSet(session: ActiveSession): Promise<LifecycleDocument[]> {
    const { state, options } = this.lifecycle;
    if (options.storeAnswerSet !== true || !options.storeDocuments) return [];
    if (!patched(PATCH_STORE_ANSWER_SET)) return [];
    this.lifecycle.setStage('collecting-documents', `storing the answer set of session ${session.versionId}`);
    const args = { tenancy: options.tenancy, workItemId: state.workItemId, versionId: session.versionId };
    const stored = await this.lifecycle.attend('storeAnswerSet', (attempt) =>
      documentActivities.storeAnswerSet.executeWithOptions({ summary: 'Store the answer set' }, [
        { ...args, ...attempt },
      ]),
    );
    return stored === ACCEPTED_AS_COMPLETED ? [] : [stored];
  }

  /**
   * Records what a completion call did; true when Advance accepted it but is still completing it.
   * The order of the steps here is the order recorded histories replay.
   */
  private stillCompleting(
    session: ActiveSession,
    result: CompleteSessionResult | typeof ACCEPTED_AS_COMPLETED,
  ): boolean {
    if (result === ACCEPTED_AS_COMPLETED) {
      session.completedInAdvance = true;
      session.warning = ACCEPTED_WARNING;
      return false;
    }
    const { outcome, attempt, namesVersion } = result;
    if (outcome === 'completing') {
      session.completionAccepted = true;
      return true;
    }
    session.completedInAdvance = true;
    if (outcome === 'completed-elsewhere') {
      session.warning =
        'Advance had already completed this session before this lifecycle asked (a stray CompleteSession ' +
        'of an earlier session?): its documents may not reflect the finished interview';
    }
    // v2.0 names the version: a late request of a lost attempt can only act on this one.
    if (
      namesVersion !== true &&
      attempt !== undefined &&
      attempt > 1 &&
      patched(PATCH_QUARANTINE_AFTER_RETRIED_COMPLETE)
    ) {
      this.lifecycle.state.beginNotBefore = new Date(Date.now() + ADVANCE_CALL_TIMEOUT_MS).toISOString();
    }
    return false;
  }

  /**
   * v2.0: Advance accepted the completion and is completing (or post-processing) the version.
   * Its status is read with a growing pause — or at once when Advance's callback arrives — until
   * it reads Completed; only then are documents collected.
   */
  private async waitUntilCompleted(session: ActiveSession): Promise<void> {
    const { state } = this.lifecycle;
    const { tenancy } = this.lifecycle.options;
    const args = { tenancy, workItemId: state.workItemId, versionId: session.versionId };
    for (let pauseMs = FIRST_STATUS_READ_MS; ; pauseMs = Math.min(pauseMs * 2, MAX_STATUS_READ_INTERVAL_MS)) {
      this.lifecycle.setStage(
        'completing-session',
        `Advance is completing session ${session.versionId}; reading its status in ${Math.round(pauseMs / 1000)} s ` +
          '(or when Advance calls back)',
      );
      await condition(() => session.callbackReceived === true || session.readRequested === true, pauseMs);
      session.callbackReceived = false;
      session.readRequested = false;
      const read = await this.lifecycle.attend(
        'readVersionStatus',
        async (attempt) => {
          const status = await advance.readVersionStatus.executeWithOptions(
            { summary: `Read the status of session ${session.versionId}` },
            [{ ...args, ...attempt }],
          );
          if (status.phase === 'post-processing-failed') {
            throw new PostProcessingFailed(
              `Advance completed session ${session.versionId}, but its post-assembly processing failed ` +
                `(the version reads ${status.status}): run the processing again in Advance, then retry`,
            );
          }
          if (status.phase !== 'completed' && status.phase !== 'completing') {
            throw new UnconfirmedOutcome(
              `Advance accepted the completion, but the version is now ${status.status}`,
            );
          }
          return status;
        },
        { canAcceptCompleted: true },
      );
      if (read === ACCEPTED_AS_COMPLETED) {
        session.warning = ACCEPTED_WARNING;
        break;
      }
      if (read.phase === 'completed') break;
    }
    session.completionAccepted = false;
    session.completedInAdvance = true;
  }
}
