import type { Attributes } from '@opentelemetry/api';
import { Context as ActivityContext } from '@temporalio/activity';

/**
 * The attributes that tie one of our own spans (an Advance call, a document write, a webhook
 * post) to the lifecycle it works for, when it runs in an activity: its workflow id (to find a
 * lifecycle's spans), run id, activity type and attempt. Empty elsewhere (the gateway).
 */
export function activityAttributes(): Attributes {
  let info: ActivityContext['info'];
  try {
    info = ActivityContext.current().info;
  } catch {
    return {};
  }
  return {
    'temporal.activity.type': info.activityType,
    'temporal.activity.attempt': info.attempt,
    ...(info.workflowExecution !== undefined && {
      temporalWorkflowId: info.workflowExecution.workflowId,
      run_id: info.workflowExecution.runId,
    }),
  };
}
