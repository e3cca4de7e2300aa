import { advanceActivities, type AdvanceActivityDependencies } from './advance-activities';
import { documentActivities, type DocumentActivityDependencies } from './document-activities';
import { notificationActivities, type NotificationActivityDependencies } from './notification-activities';

/**
 * Every activity of the lifecycle workflow, by concern: the Advance calls, the documents, the
 * notifications (event deliveries have their own, `createEventDeliveryActivities`). The workflow
 * imports only the types.
 */

export type LifecycleActivityDependencies = AdvanceActivityDependencies &
  DocumentActivityDependencies &
  NotificationActivityDependencies;

export function createLifecycleActivities(deps: LifecycleActivityDependencies) {
  return { ...advanceActivities(deps), ...documentActivities(deps), ...notificationActivities(deps) };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;

export type * from './advance-activities';
export type { DocumentsArgs } from './document-activities';
export * from './advance-clients';
export * from './event-delivery-activities';
export * from './failures';
