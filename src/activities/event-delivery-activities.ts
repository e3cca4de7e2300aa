import { Context } from '@temporalio/activity';
import type { CompletionWebhook } from '../notifications/completion-webhook';
import { withDocumentLinks, type LifecycleEvent } from '../notifications/lifecycle-events';
import { WebhookDeliveryError } from '../notifications/webhook-post';
import { webhookFailure } from './failures';

/**
 * The activity behind `lifecycleEventDelivery` (src/workflows/event-delivery.ts): one signed POST
 * of a lifecycle event per attempt. Temporal's retry policy does the retrying, so every attempt
 * sends the same event (same id), signed afresh.
 */

export interface EventDeliveryDependencies {
  /** Absent when no `COMPLETION_WEBHOOK_URL` is configured: events are then recorded only. */
  completionWebhook?: CompletionWebhook;
  /** `GATEWAY_PUBLIC_URL`: documents get a download link. @default none: no links */
  gatewayPublicUrl?: string;
}

export interface EventDeliveryResult {
  outcome: 'delivered' | 'not-configured';
  /** The attempt that delivered (1 = the first); 0 when nothing was sent. */
  attempts: number;
  /** The receiver's 2xx status. */
  status?: number;
  detail: string;
}

export function createEventDeliveryActivities(deps: EventDeliveryDependencies) {
  return {
    /**
     * Posts the event; failures leave as `LifecycleEventNotDelivered` (retried) or
     * `LifecycleEventRefused` (not retried), with `{ status, attempt }` as details.
     */
    async deliverLifecycleEvent(event: LifecycleEvent): Promise<EventDeliveryResult> {
      const webhook = deps.completionWebhook;
      if (webhook === undefined)
        return { outcome: 'not-configured', attempts: 0, detail: 'no COMPLETION_WEBHOOK_URL configured' };
      const { info, cancellationSignal } = Context.current();
      try {
        // One attempt is bounded by COMPLETION_WEBHOOK_TIMEOUT (at most 1m), well inside the
        // activity's start-to-close timeout: no heartbeats needed.
        const { status } = await webhook.send(
          withDocumentLinks(event, deps.gatewayPublicUrl),
          cancellationSignal,
        );
        return { outcome: 'delivered', attempts: info.attempt, status, detail: `HTTP ${status}` };
      } catch (error) {
        if (error instanceof WebhookDeliveryError) throw webhookFailure(error, info.attempt);
        throw error;
      }
    },
  };
}

export type EventDeliveryActivities = ReturnType<typeof createEventDeliveryActivities>;
