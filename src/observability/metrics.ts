import type { Client } from '@temporalio/client';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AdvanceRequestEvent } from '../advance';
import type { StoredDocument } from '../documents/document-store';
import type { WebhookAttempt, WebhookKind } from '../notifications/webhook-post';
import { LIFECYCLE_WORKFLOW_TYPE } from '../workflows/messages';
import { LIFECYCLE_STAGES, TERMINAL_STAGES } from '../workflows/message-rules';
import { STAGE, WAITING_SINCE } from '../workflows/search-attributes';

/** Stages a running lifecycle can be in. */
const OPEN_STAGES = LIFECYCLE_STAGES.filter((stage) => !TERMINAL_STAGES.includes(stage));

/** Visibility queries are not free: the lifecycle gauges are refreshed at most this often. */
const VISIBILITY_REFRESH_MS = 15_000;

const WEBHOOK_OUTCOMES: readonly WebhookAttempt['outcome'][] = ['delivered', 'refused', 'failed'];

export interface LifecycleMetricsOptions {
  /** This worker's build id and deployment, reported as `hotdocs_worker_build_info`. @default none */
  build?: { buildId: string; deploymentName?: string };
  /**
   * The webhooks this worker posts to: their delivery counters start at 0 for every outcome, so
   * that a rate and an alert on them exist before the first failure. @default []
   */
  webhooks?: readonly WebhookKind[];
}

/**
 * The project's own Prometheus metrics: Advance requests by outcome (from the client's request
 * hook), webhook deliveries and stored documents (from the activities' hooks), running lifecycles
 * per stage, and the age of the oldest waiting interview (both from Temporal visibility, so they
 * cover every worker, not just this one).
 */
export class LifecycleMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'tenancy' | 'operation' | 'outcome'>;
  private readonly durations: Histogram<'operation'>;
  private readonly webhookDeliveries: Counter<'webhook' | 'outcome'>;
  private readonly documentSizes: Histogram;
  private cached?: { at: number; byStage: Map<string, number>; oldestWaitingSeconds: number };

  constructor(
    private readonly temporal: Client,
    { build, webhooks = [] }: LifecycleMetricsOptions = {},
  ) {
    this.requests = new Counter({
      name: 'hotdocs_advance_requests_total',
      help: 'HotDocs Advance HTTP requests by call and outcome (ok, or the error class)',
      labelNames: ['tenancy', 'operation', 'outcome'],
      registers: [this.registry],
    });
    this.durations = new Histogram({
      name: 'hotdocs_advance_request_duration_seconds',
      help: 'Duration of HotDocs Advance HTTP requests',
      labelNames: ['operation'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.webhookDeliveries = new Counter({
      name: 'hotdocs_webhook_deliveries_total',
      help:
        'Webhook POST attempts by webhook (reminder, completion) and outcome: delivered (2xx), ' +
        'refused (3xx/4xx, not retried), failed (5xx, 408/425/429, timeout, unreachable: retried)',
      labelNames: ['webhook', 'outcome'],
      registers: [this.registry],
    });
    for (const webhook of webhooks)
      for (const outcome of WEBHOOK_OUTCOMES) this.webhookDeliveries.inc({ webhook, outcome }, 0);
    this.documentSizes = new Histogram({
      name: 'hotdocs_stored_document_bytes',
      help: 'Sizes of the documents streamed from Advance into the document store (_sum: bytes stored)',
      buckets: [10_000, 50_000, 100_000, 500_000, 1e6, 5e6, 10e6, 50e6, 100e6],
      registers: [this.registry],
    });
    if (build !== undefined) {
      // The Prometheus "info" idiom: a constant 1 whose labels say which build is running.
      new Gauge({
        name: 'hotdocs_worker_build_info',
        help: 'The build of this worker (WORKER_BUILD_ID) and its worker deployment; always 1',
        labelNames: ['build_id', 'deployment_name', 'versioning'],
        registers: [this.registry],
      }).set(
        {
          build_id: build.buildId,
          deployment_name: build.deploymentName ?? '',
          versioning: build.deploymentName === undefined ? 'off' : 'auto-upgrade',
        },
        1,
      );
    }
    const visibility = () => this.visibility();
    new Gauge({
      name: 'hotdocs_lifecycles',
      help: 'Running assembly lifecycles by stage (from Temporal visibility)',
      labelNames: ['stage'],
      registers: [this.registry],
      async collect() {
        const { byStage } = await visibility();
        for (const stage of OPEN_STAGES) this.set({ stage }, byStage.get(stage) ?? 0);
      },
    });
    new Gauge({
      // Its own name, so that an alert needs no label matching: a lifecycle waits for an operator.
      name: 'hotdocs_lifecycles_needing_attention',
      help: 'Running lifecycles waiting in needs-attention for an operator (README, "Operating")',
      registers: [this.registry],
      async collect() {
        this.set((await visibility()).byStage.get('needs-attention') ?? 0);
      },
    });
    new Gauge({
      name: 'hotdocs_oldest_waiting_interview_age_seconds',
      help: 'Age of the longest wait for an interview among running lifecycles (0 when none waits)',
      registers: [this.registry],
      async collect() {
        this.set((await visibility()).oldestWaitingSeconds);
      },
    });
  }

  /** The Advance client's `onRequest` hook. */
  readonly onAdvanceRequest = (event: AdvanceRequestEvent): void => {
    this.requests.inc({ tenancy: event.tenancy, operation: event.operation, outcome: event.outcome });
    this.durations.observe({ operation: event.operation }, event.durationMs / 1000);
  };

  /** The webhooks' `onAttempt` hook. */
  readonly onWebhookAttempt = (attempt: WebhookAttempt): void => {
    this.webhookDeliveries.inc({ webhook: attempt.webhook, outcome: attempt.outcome });
  };

  /** The document activities' `onDocumentStored` hook. */
  readonly onDocumentStored = (document: StoredDocument): void => {
    this.documentSizes.observe(document.size);
  };

  private async visibility(): Promise<NonNullable<LifecycleMetrics['cached']>> {
    if (this.cached !== undefined && Date.now() - this.cached.at < VISIBILITY_REFRESH_MS) return this.cached;
    const running = `WorkflowType = '${LIFECYCLE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
    const byStage = new Map<string, number>();
    await Promise.all(
      OPEN_STAGES.map(async (stage) => {
        const { count } = await this.temporal.workflow.count(`${running} AND ${STAGE.name} = '${stage}'`);
        byStage.set(stage, count);
      }),
    );
    let oldest = Date.now();
    if ((byStage.get('waiting-for-interview') ?? 0) > 0) {
      const waiting = `${running} AND ${STAGE.name} = 'waiting-for-interview'`;
      for await (const execution of this.temporal.workflow.list({ query: waiting })) {
        const since = execution.typedSearchAttributes.get(WAITING_SINCE);
        if (since !== undefined && since.getTime() < oldest) oldest = since.getTime();
      }
    }
    this.cached = {
      at: Date.now(),
      byStage,
      oldestWaitingSeconds: Math.max(0, (Date.now() - oldest) / 1000),
    };
    return this.cached;
  }
}
