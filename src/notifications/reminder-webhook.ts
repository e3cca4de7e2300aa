import { postSignedJson, type WebhookTarget } from './webhook-post';

/** The notice a reminder posts: who is waiting on which interview, since when, until when. */
export interface ReminderNotice {
  type: 'interview.reminder';
  lifecycleId: string;
  businessKey?: string;
  tenancy?: string;
  workItemId: string;
  versionId: string;
  reminderNumber: number;
  waitingSince: string;
  deadlineAt?: string;
  sentAt: string;
}

export type ReminderWebhookOptions = WebhookTarget;

/**
 * Posts signed reminder notices to the integrator's webhook (signature: webhook-signature.ts).
 * Failures are `WebhookDeliveryError`s that say whether a retry can help.
 */
export class ReminderWebhook {
  constructor(private readonly options: ReminderWebhookOptions) {}

  async send(notice: ReminderNotice, signal?: AbortSignal): Promise<{ status: number }> {
    return postSignedJson('reminder', this.options, JSON.stringify(notice), {}, signal);
  }
}
