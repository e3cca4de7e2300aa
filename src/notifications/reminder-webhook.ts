import { createHmac } from 'node:crypto';
import { request } from 'undici';

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

export interface ReminderWebhookOptions {
  url: string;
  /** HMAC-SHA256 key; receivers verify `X-HotDocs-Signature`. */
  secret: string;
  timeoutMs?: number;
}

export const SIGNATURE_HEADER = 'x-hotdocs-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp inside the signed text
 * lets receivers refuse replays of old notices.
 */
export function signNotice(body: string, secret: string, timestampSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

export class ReminderDeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ReminderDeliveryError';
  }
}

/** Posts signed reminder notices to the integrator's webhook. */
export class ReminderWebhook {
  constructor(private readonly options: ReminderWebhookOptions) {}

  async send(notice: ReminderNotice, signal?: AbortSignal): Promise<{ status: number }> {
    const body = JSON.stringify(notice);
    const signature = signNotice(body, this.options.secret, Math.floor(Date.now() / 1000));
    let status: number;
    try {
      const response = await request(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
        body,
        signal,
        headersTimeout: this.options.timeoutMs ?? 10_000,
        bodyTimeout: this.options.timeoutMs ?? 10_000,
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ReminderDeliveryError(`reminder webhook unreachable: ${(error as Error).message}`, true);
    }
    if (status >= 500 || status === 429 || status === 408) {
      throw new ReminderDeliveryError(`reminder webhook answered HTTP ${status}`, true, status);
    }
    if (status >= 400) {
      throw new ReminderDeliveryError(`reminder webhook refused the notice: HTTP ${status}`, false, status);
    }
    return { status };
  }
}
