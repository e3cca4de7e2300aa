import { advanceActivities, type AdvanceActivityDependencies } from './advance-activities';
import { documentActivities, type DocumentActivityDependencies } from './document-activities';
import { notificationActivities, type NotificationActivityDependencies } from './notification-activities';

/**
 * Every activity of the lifecycle workflow, by concern: the Advance calls, the documents, the
 * notifications. The workflow imports only the type.
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
