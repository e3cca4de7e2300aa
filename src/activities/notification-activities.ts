import type { ReminderNotice, ReminderWebhook } from '../notifications/reminder-webhook';
import { runWithHeartbeats } from './heartbeat';

/** What the lifecycle tells people and systems outside Advance: interview reminders. */

export interface NotificationActivityDependencies {
  /** Absent when no `REMINDER_WEBHOOK_URL` is configured: reminders are then recorded only. */
  reminderWebhook?: ReminderWebhook;
}

export function notificationActivities(deps: NotificationActivityDependencies) {
  return {
    /** Posts a signed reminder when a webhook is configured; otherwise records that none is. */
    async sendInterviewReminder(notice: ReminderNotice): Promise<{ delivered: boolean; detail: string }> {
      const webhook = deps.reminderWebhook;
      if (webhook === undefined) return { delivered: false, detail: 'no REMINDER_WEBHOOK_URL configured' };
      return runWithHeartbeats(async (signal) => {
        const { status } = await webhook.send(notice, signal);
        return { delivered: true, detail: `webhook answered HTTP ${status}` };
      });
    },
  };
}
