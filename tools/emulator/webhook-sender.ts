import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { DueTasks, postOnce } from './outgoing-posts';

/**
 * HotDocs Advance's own webhooks ("Create a Webhook", cloud current): an administrator registers a
 * URL for events (NewWorkItemVersionComplete, PostProcessingEvent, CustomInterviewEvent,
 * InterviewLoadEvent) with a verification — an HMAC code Advance provides, posted in the form
 * field `token`, or an access token, posted as `Authorization: Bearer` — and a payload format,
 * standard or legacy. The pages stop there (shared/advance-api-v2.md §4). ASSUMPTIONS, each a
 * switch here and a line in docs/advance-v2.md: the field names of each format (below), the
 * encoding (form fields or a JSON object) and what the HMAC covers (nothing: the code itself; or
 * the work item id). The emulator sends NewWorkItemVersionComplete when a version reads
 * Completed and PostProcessingEvent when its post-assembly processing starts.
 */
export const WEBHOOK_EVENTS = [
  'NewWorkItemVersionComplete',
  'PostProcessingEvent',
  'CustomInterviewEvent',
  'InterviewLoadEvent',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const webhookConfigSchema = z.strictObject({
  url: z.url(),
  /** How Advance proves the post is its own. */
  verification: z.enum(['hmac-token', 'bearer']),
  /** The HMAC code (hmac-token) or the access token (bearer). */
  secret: z.string().min(1),
  /** Advance's "Payload Format": `standard` (camelCase fields) or `legacy` (PascalCase fields). */
  payload: z.enum(['standard', 'legacy']).default('standard'),
  /** Form fields (`application/x-www-form-urlencoded`) or a JSON object. */
  encoding: z.enum(['form', 'json']).default('form'),
  /** The HMAC `token`: the code itself, or HMAC-SHA256 of the posted work item id keyed by it (hex). */
  hmacCovers: z.enum(['nothing', 'work-item']).default('nothing'),
  /** The events the webhook is registered for. */
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1)
    .default(['NewWorkItemVersionComplete', 'PostProcessingEvent']),
});
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
/** As given: the switches with defaults may be left out. */
export type WebhookConfigInput = z.input<typeof webhookConfigSchema>;

export interface WebhookDelivery {
  seq: number;
  event: WebhookEvent;
  workItemId: string;
  versionId: string;
  dueAt: string;
  outcome: 'pending' | 'delivered' | 'failed';
  httpStatus?: number;
  error?: string;
}

/** The fields of one post, by payload format (the assumption above). */
export function webhookFields(
  config: Pick<WebhookConfig, 'payload'>,
  post: { event: WebhookEvent; workItemId: string; versionId: string; at: string },
): Record<string, string> {
  return config.payload === 'standard'
    ? {
        eventType: post.event,
        workItemId: post.workItemId,
        workItemVersionId: post.versionId,
        timestamp: post.at,
      }
    : { EventType: post.event, WorkItemId: post.workItemId, VersionId: post.versionId, DateTime: post.at };
}

/** The request a webhook post makes: headers and body, with its credential. */
export function webhookRequest(
  config: WebhookConfig,
  post: { event: WebhookEvent; workItemId: string; versionId: string; at: string },
): { headers: Record<string, string>; body: string } {
  const fields = webhookFields(config, post);
  const headers: Record<string, string> = {};
  if (config.verification === 'bearer') headers['authorization'] = `Bearer ${config.secret}`;
  else
    fields['token'] =
      config.hmacCovers === 'nothing'
        ? config.secret
        : createHmac('sha256', config.secret).update(post.workItemId, 'utf8').digest('hex');
  if (config.encoding === 'json') {
    headers['content-type'] = 'application/json';
    return { headers, body: JSON.stringify(fields) };
  }
  headers['content-type'] = 'application/x-www-form-urlencoded';
  return { headers, body: new URLSearchParams(fields).toString() };
}

/** Posts the registered webhook's events when due; `reset()` and `close()` cancel what is pending. */
export class WebhookSender {
  private config: WebhookConfig | undefined;
  private deliveries: WebhookDelivery[] = [];
  private readonly due = new DueTasks();
  private nextSeq = 1;

  constructor(private readonly log: (message: string) => void) {}

  /** Registers (or, with undefined, removes) the webhook, as an administrator does in Advance. */
  configure(config: WebhookConfig | undefined): void {
    this.config = config;
  }

  /** The registered webhook without its secret. */
  registered(): Omit<WebhookConfig, 'secret'> | undefined {
    if (this.config === undefined) return undefined;
    const { secret: _secret, ...shown } = this.config;
    return shown;
  }

  /** Schedules `event` for the version at `dueAt` (epoch ms), if the webhook is registered for it. */
  schedule(event: WebhookEvent, workItemId: string, versionId: string, dueAt: number): void {
    const config = this.config;
    if (config === undefined || !config.events.includes(event)) return;
    const delivery: WebhookDelivery = {
      seq: this.nextSeq++,
      event,
      workItemId,
      versionId,
      dueAt: new Date(dueAt).toISOString(),
      outcome: 'pending',
    };
    this.deliveries.push(delivery);
    this.due.at(dueAt, (signal) => this.send(config, delivery, signal));
  }

  list(): WebhookDelivery[] {
    return this.deliveries.map((delivery) => ({ ...delivery }));
  }

  reset(): void {
    this.due.cancel();
    this.deliveries = [];
    this.nextSeq = 1;
    this.config = undefined;
  }

  close(): void {
    this.due.cancel();
  }

  private async send(config: WebhookConfig, delivery: WebhookDelivery, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { headers, body } = webhookRequest(config, { ...delivery, at: new Date().toISOString() });
    Object.assign(delivery, await postOnce(config.url, headers, body, signal));
    this.log(`webhook ${delivery.event} ${config.url} -> ${delivery.httpStatus ?? delivery.error}`);
  }
}
