import type { LifecycleEvent } from './lifecycle-events';
import { postSignedJson, type WebhookTarget } from './webhook-post';
import { EVENT_ID_HEADER } from './webhook-signature';

/** `COMPLETION_WEBHOOK_URL`, `_SECRET` and `_TIMEOUT` (src/config/worker.ts). */
export type CompletionWebhookOptions = WebhookTarget;

/**
 * Posts lifecycle events (lifecycle-events.ts) to the business system: the JSON event, signed in
 * `X-HotDocs-Signature`, its id in `X-HotDocs-Event-Id`. A 2xx is a delivery; a 3xx or 4xx other
 * than 408/425/429 is a refusal (410 included: the receiver says the endpoint is gone, and
 * retrying for hours cannot change that); 5xx, 408/425/429, timeouts and broken connections are
 * retried by the delivery workflow. Failures are `WebhookDeliveryError`s.
 */
export class CompletionWebhook {
  constructor(private readonly options: CompletionWebhookOptions) {}

  async send(event: LifecycleEvent, signal?: AbortSignal): Promise<{ status: number }> {
    return postSignedJson(
      'completion',
      this.options,
      JSON.stringify(event),
      { [EVENT_ID_HEADER]: event.id },
      signal,
    );
  }

  /** Where events go, for logs: the origin only (a path or query may carry a token). */
  describe(): string {
    return new URL(this.options.url).origin;
  }
}
