import { uuid4, workflowInfo } from '@temporalio/workflow';
import {
  lifecycleEvent,
  type LifecycleEventType,
  type LifecycleFacts,
} from '../notifications/lifecycle-events';
import { nowIso } from './clock';
import { announceLifecycleEvent } from './event-delivery';
import { MAX_EVENT_RECORDS, recordBounded } from './lifecycle-state';
import type { LifecycleEventDelivery, LifecycleEventDeliveryOutcome } from './lifecycle-status';
import type { LifecycleView } from './lifecycle-view';
import { truncate } from './message-rules';

const DELIVERY_OUTCOMES: readonly LifecycleEventDeliveryOutcome[] = [
  'delivered',
  'not-configured',
  'refused',
  'gave-up',
];

/**
 * What the lifecycle tells the business system's completion webhook: a session's documents are
 * stored, the lifecycle ended. Each event gets a delivery workflow of its own (it retries for
 * hours and never holds the lifecycle up); its outcome comes back as a signal and shows in
 * `status.events`. Only lifecycles started while a webhook was configured announce anything.
 */
export class EventAnnouncer {
  constructor(private readonly lifecycle: LifecycleView) {}

  private get state() {
    return this.lifecycle.state;
  }

  private get options() {
    return this.lifecycle.options;
  }

  async announce(
    type: LifecycleEventType,
    facts: Omit<LifecycleFacts, 'lifecycleId' | 'workItemId' | 'businessKey' | 'tenancy'> = {},
  ): Promise<void> {
    // Decided by the recorded token check: histories written before events replay untouched.
    if (this.state.announcesEvents !== true) return;
    const event = lifecycleEvent(
      type,
      {
        lifecycleId: workflowInfo().workflowId,
        workItemId: this.state.workItemId,
        ...(this.options.businessKey === undefined ? {} : { businessKey: this.options.businessKey }),
        ...(this.options.tenancy === undefined ? {} : { tenancy: this.options.tenancy }),
        ...(this.state.repairs === undefined ? {} : { repairs: this.state.repairs }),
        ...facts,
      },
      // uuid4() rather than a counter: a business key used again must not repeat event ids, which
      // receivers drop as duplicates.
      { id: uuid4(), occurredAt: nowIso() },
    );
    const { workflowId } = await announceLifecycleEvent(event);
    this.state.events ??= [];
    recordBounded(
      this.state.events,
      { id: event.id, type, occurredAt: event.occurredAt, deliveryWorkflowId: workflowId },
      MAX_EVENT_RECORDS,
    );
  }

  /**
   * The delivery workflow's report: kept beside its event in `status.events`. Only its known
   * fields, each bounded: a signal is open to anyone with access to the namespace.
   */
  delivered(report: LifecycleEventDelivery): void {
    const record = this.state.events?.find((e) => e.id === report?.eventId);
    if (record === undefined) return;
    const outcome = DELIVERY_OUTCOMES.includes(report.outcome) ? report.outcome : 'gave-up';
    record.delivery = {
      eventId: record.id,
      eventType: record.type,
      delivered: report.delivered === true,
      outcome,
      attempts: typeof report.attempts === 'number' ? report.attempts : 0,
      ...(typeof report.lastError === 'string' ? { lastError: truncate(report.lastError, 500) } : {}),
      at: typeof report.at === 'string' ? truncate(report.at, 40) : nowIso(),
    };
  }
}
