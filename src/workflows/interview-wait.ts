import { isCancellation, workflowInfo } from '@temporalio/workflow';
import { reminderActivities } from './activity-stubs';
import { nowIso } from './clock';
import { optionalDurationMs, parseDuration } from './duration';
import { messageOf } from './failure-types';
import { MAX_REMINDER_RECORDS, recordBounded, type ActiveSession } from './lifecycle-state';
import type { LifecycleView, WaitOutcome } from './lifecycle-view';
import { truncate } from './message-rules';

/**
 * The wait for a person to finish the interview: until `interviewCompleted`, the deadline
 * (`timed-out`) or a new run; reminders go out at their offsets on the way.
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
