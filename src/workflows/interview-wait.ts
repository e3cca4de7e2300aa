import { isCancellation, log, patched, workflowInfo } from '@temporalio/workflow';
import { reminderActivities, statusReadActivities } from './activity-stubs';
import { nowIso } from './clock';
import { optionalDurationMs, parseDuration } from './duration';
import { messageOf } from './failure-types';
import { DEFAULTS } from './input-rules';
import { MAX_REMINDER_RECORDS, recordBounded, type ActiveSession } from './lifecycle-state';
import type { LifecycleView, WaitOutcome } from './lifecycle-view';
import { truncate } from './message-rules';
import { PATCH_STATUS_READS_AT_INTERVIEW } from './patches';

/**
 * The wait for a person to finish the interview: until `interviewCompleted`, the deadline
 * (`timed-out`) or a new run; reminders go out at their offsets on the way. On v2.0 the wait also
 * reads the version's status now and then, and when Advance's webhook asks: a version completed
 * in Advance's own web app ends the wait as `done` with the session marked completed (or being
 * completed) in Advance, so no Core finish and no Complete of ours follow.
 */
export class InterviewWait {
  constructor(private readonly lifecycle: LifecycleView) {}

  async wait(session: ActiveSession): Promise<WaitOutcome> {
    const { options } = this.lifecycle;
    const deadlineMs = optionalDurationMs(options.interview?.deadline);
    if (session.waitingSince === undefined) {
      session.waitingSince = nowIso();
      if (deadlineMs !== undefined) session.deadlineAt = new Date(Date.now() + deadlineMs).toISOString();
    }
    const since = Date.parse(session.waitingSince);
    const until = session.deadlineAt === undefined ? '' : `; deadline ${session.deadlineAt}`;
    this.lifecycle.setStage(
      'waiting-for-interview',
      `waiting for the interview of session ${session.versionId} since ${session.waitingSince}${until}`,
    );
    const reminderOffsets = (options.interview?.reminders ?? [])
      .map((r) => parseDuration(r) ?? 0)
      .sort((a, b) => a - b);
    if (this.readsStatus()) return this.waitReadingStatus(session, reminderOffsets, since);
    const done = () => session.interviewCompleted;
    while (session.remindersSent < reminderOffsets.length) {
      const offset = reminderOffsets[session.remindersSent] ?? 0;
      const waited = await this.lifecycle.waitUnlessContinuing(done, since + offset - Date.now());
      if (waited !== 'timed-out') return waited;
      session.remindersSent += 1;
      await this.sendReminder(session, session.remindersSent);
    }
    if (session.deadlineAt === undefined) return this.lifecycle.waitUnlessContinuing(done);
    return this.lifecycle.waitUnlessContinuing(done, Date.parse(session.deadlineAt) - Date.now());
  }

  /**
   * v2.0 only: v1.1 documents no status read of a version, and a v1.1 assembly session can only
   * be completed through the API (`CompleteSession`), so nothing completes it behind our back.
   */
  private readsStatus(): boolean {
    return this.lifecycle.state.protocol?.versionStatus === true && patched(PATCH_STATUS_READS_AT_INTERVIEW);
  }

  /**
   * The wait with status reads: one timer at a time, for whichever comes first of the next read,
   * the next reminder and the deadline. Each read is a handful of history events, and the wait
   * continues as new when the server suggests it, carrying when the next read is due.
   */
  private async waitReadingStatus(
    session: ActiveSession,
    reminderOffsets: number[],
    since: number,
  ): Promise<WaitOutcome> {
    const everyMs =
      optionalDurationMs(this.lifecycle.options.interview?.statusReadEvery) ??
      parseDuration(DEFAULTS.statusReadEvery) ??
      900_000;
    const deadline = session.deadlineAt === undefined ? Infinity : Date.parse(session.deadlineAt);
    session.statusReadDueAt ??= new Date(Date.now() + everyMs).toISOString();
    const settled = () => session.interviewCompleted || session.readRequested === true;
    for (;;) {
      const offset = reminderOffsets[session.remindersSent];
      const reminderAt = offset === undefined ? Infinity : since + offset;
      const readAt = Date.parse(session.statusReadDueAt);
      const waited = await this.lifecycle.waitUnlessContinuing(
        settled,
        Math.min(readAt, reminderAt, deadline) - Date.now(),
      );
      if (waited === 'continue-as-new') return waited;
      if (session.interviewCompleted) return 'done';
      if (session.readRequested === true || Date.now() >= readAt) {
        session.readRequested = false;
        session.statusReadDueAt = new Date(Date.now() + everyMs).toISOString();
        if (await this.foundCompletedInAdvance(session)) return 'done';
      } else if (Date.now() >= reminderAt) {
        session.remindersSent += 1;
        await this.sendReminder(session, session.remindersSent);
      } else if (Date.now() >= deadline) {
        return 'timed-out';
      }
    }
  }

  /**
   * Reads the version's status: true when Advance completed it (or is completing it) without us.
   * A read that fails changes nothing: the interview is still awaited, and the next read is due.
   */
  private async foundCompletedInAdvance(session: ActiveSession): Promise<boolean> {
    const { state, options } = this.lifecycle;
    let phase: string;
    try {
      ({ phase } = await statusReadActivities.readVersionStatus.executeWithOptions(
        { summary: `Read the status of session ${session.versionId} at its interview` },
        [{ tenancy: options.tenancy, workItemId: state.workItemId, versionId: session.versionId }],
      ));
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn('the status read at the interview failed; the next one is due later', {
        versionId: session.versionId,
        error: messageOf(error),
      });
      return false;
    }
    if (phase === 'completed') {
      session.completedInAdvance = true;
    } else if (phase === 'completing' || phase === 'post-processing-failed') {
      // Advance took the completion: the wait for Completed (and its failures) takes over.
      session.completionAccepted = true;
    } else {
      return false;
    }
    session.warning =
      'the version was completed in Advance (its own web app or a client interview), not through this lifecycle';
    return true;
  }

  private async sendReminder(session: ActiveSession, number: number): Promise<void> {
    const { state, options } = this.lifecycle;
    const notice = {
      type: 'interview.reminder' as const,
      lifecycleId: workflowInfo().workflowId,
      businessKey: options.businessKey,
      tenancy: options.tenancy,
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
      { versionId: session.versionId, sentAt: notice.sentAt, delivered, detail: truncate(detail, 300) },
      MAX_REMINDER_RECORDS,
    );
  }
}
