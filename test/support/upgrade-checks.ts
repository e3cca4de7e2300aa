import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { resolveTemporalCli } from '../../tools/temporal';
import { eventually } from './lifecycle-harness';

/**
 * What the upgrade tests read from Temporal: which build completed each workflow task, which
 * patches a history recorded, and the worker deployment steps the runbook (docs/deploy.md) has
 * operators take.
 */

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export async function historyEvents(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** The build id each completed workflow task was stamped with, in order. */
export function taskBuildIds(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const completed = e.workflowTaskCompletedEventAttributes;
    if (completed == null) return [];
    return [completed.deploymentVersion?.buildId ?? completed.workerVersion?.buildId ?? '(none)'];
  });
}

/** The ids of the patches (`patched()`) the history recorded. */
export function patchMarkers(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    const data = marker.details?.['patch-data']?.payloads?.[0]?.data;
    return [data == null ? '(no id)' : (JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id];
  });
}

/**
 * The activities a history ran, in order: regular ones (scheduled events) and local ones (their
 * `core_local_activity` markers, which name the activity type in their `data` payload).
 */
export function activityTypes(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled != null) return [scheduled];
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const data = marker.details?.['data']?.payloads?.[0]?.data;
    if (data == null) return ['(local, unnamed)'];
    return [(JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string }).activity_type];
  });
}

/**
 * `temporal worker deployment set-current-version`, as the runbook has operators run it; `env`
 * adds connection variables (the operator's `TEMPORAL_TLS_*`).
 */
export async function setCurrentVersion(
  server: { address: string; namespace: string; env?: Record<string, string> },
  deploymentName: string,
  buildId: string,
): Promise<void> {
  const cli = resolveTemporalCli().path;
  if (cli === undefined) throw new Error('no temporal CLI (the global setup installs it)');
  const args = ['worker', 'deployment', 'set-current-version', '--deployment-name', deploymentName];
  args.push('--build-id', buildId, '--address', server.address, '--namespace', server.namespace, '--yes');
  // The version exists once one of its workers has polled: retried until then.
  const env = { ...process.env, ...server.env };
  await eventually(() => promisify(execFile)(cli, args, { env }).then(() => true), {
    what: `${deploymentName} ${buildId} to become the current version`,
    timeoutMs: 60_000,
    intervalMs: 500,
  });
}

/**
 * Waits until the task queue routes workflow tasks to `buildId`. The switch reaches the task
 * queue a moment after set-current-version returns; until then the old build may still take a
 * task (docs/deploy.md).
 */
export async function routedTo(client: Client, taskQueue: string, buildId: string): Promise<void> {
  await eventually(
    async () => {
      const { versioningInfo } = await client.workflowService.describeTaskQueue({
        namespace: client.options.namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return versioningInfo?.currentDeploymentVersion?.buildId === buildId ? true : undefined;
    },
    { what: `${taskQueue} to route to ${buildId}`, timeoutMs: 60_000, intervalMs: 200 },
  );
}

/** The versioning behaviour Temporal records for the execution. */
export async function versioningBehavior(client: Client, workflowId: string): Promise<string> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  const behavior = raw.workflowExecutionInfo?.versioningInfo?.behavior ?? 0;
  return temporal.api.enums.v1.VersioningBehavior[behavior] ?? String(behavior);
}
