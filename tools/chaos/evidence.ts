import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { RunningEmulator } from '../emulator';
import { STAGE } from '../../src/workflows/search-attributes';
import type { LifecycleOutcome } from './driver';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One history event, cut down to what tells the story: type, time, and the one detail that matters. */
export interface EventSummary {
  id: number;
  time?: string;
  type: string;
  detail?: string;
}

/**
 * For each suspect lifecycle, everything needed to tell a bug from a harness mistake: what the
 * driver did, the emulator's request log and duplicates for its work item, the work item as the
 * emulator holds it, and the workflow's history. One JSON file per lifecycle.
 */
export async function writeEvidence(
  dir: string,
  suspects: LifecycleOutcome[],
  emulator: RunningEmulator,
  client: Client,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const requests = emulator.requests();
  const duplicates = emulator.duplicates();
  for (const outcome of suspects) {
    const workItemId = outcome.workItemId;
    const evidence = {
      lifecycleId: outcome.lifecycleId,
      workItemId,
      plan: outcome.plan,
      end: outcome.end,
      error: outcome.error,
      result: outcome.result,
      driver: {
        interviewsSignalled: outcome.interviewsSignalled,
        followUpsSent: outcome.followUpsSent,
        notes: outcome.notes,
      },
      emulator: {
        workItem: workItemId === undefined ? undefined : summariseWorkItem(emulator, workItemId),
        requests: requests
          .filter((r) => r.workItemId === workItemId)
          .map((r) => ({
            seq: r.seq,
            at: r.at,
            endpoint: r.endpoint,
            status: r.status ?? 'reset/none',
            versionId: r.versionId,
            fault: r.fault,
          })),
        duplicates: duplicates.filter((d) => d.workItemId === workItemId),
      },
      history: await historyOf(client, outcome.lifecycleId),
    };
    await writeFile(path.join(dir, `${outcome.lifecycleId}.json`), `${JSON.stringify(evidence, null, 2)}\n`);
  }
}

function summariseWorkItem(emulator: RunningEmulator, workItemId: string) {
  const item = emulator.workItem(workItemId);
  if (item === undefined) return undefined;
  return {
    id: item.id,
    name: item.name,
    activeVersionId: item.activeVersionId,
    versions: item.versions.map((v) => ({
      versionId: v.versionId,
      status: v.status,
      createdAt: v.createdAt,
      completedAt: v.completedAt,
    })),
  };
}

/**
 * Where an unfinished lifecycle stands, in one line: its stage and its pending activities with
 * their attempt and last failure — enough to tell a stuck lifecycle from one still retrying.
 */
export async function explainUnfinished(client: Client, lifecycleId: string): Promise<string> {
  try {
    const description = await client.workflow.getHandle(lifecycleId).describe();
    const stage = description.typedSearchAttributes.get(STAGE) ?? '?';
    const pending = (description.raw.pendingActivities ?? []).map((a) => {
      const failure = a.lastFailure?.message ?? '';
      const next = a.nextAttemptScheduleTime?.seconds;
      const nextAt =
        next === undefined || next === null
          ? ''
          : `, next attempt ${new Date(Number(next) * 1000).toISOString()}`;
      return `${a.activityType?.name ?? '?'} attempt ${a.attempt ?? '?'}${nextAt}${failure ? `, last failure: ${failure}` : ''}`;
    });
    return `${description.status.name}, stage ${stage}${pending.length > 0 ? `; pending ${pending.join('; ')}` : ''}`;
  } catch (error) {
    return `not described: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function historyOf(client: Client, lifecycleId: string): Promise<EventSummary[] | string> {
  try {
    const history = await client.workflow.getHandle(lifecycleId).fetchHistory();
    return (history.events ?? []).map(summariseEvent);
  } catch (error) {
    return `history not available: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export function summariseEvent(event: HistoryEvent): EventSummary {
  const type = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
  const seconds = event.eventTime?.seconds;
  const time =
    seconds === undefined || seconds === null
      ? undefined
      : new Date(Number(seconds) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6)).toISOString();
  return {
    id: Number(event.eventId ?? 0),
    time,
    type: type.replace(/^EVENT_TYPE_/, ''),
    detail: eventDetail(event),
  };
}

function eventDetail(e: HistoryEvent): string | undefined {
  const a = e.activityTaskScheduledEventAttributes;
  if (a) return `${a.activityType?.name ?? '?'} (activity ${a.activityId ?? '?'})`;
  if (e.activityTaskStartedEventAttributes) {
    const s = e.activityTaskStartedEventAttributes;
    return `attempt ${s.attempt ?? '?'} by ${s.identity ?? '?'}`;
  }
  if (e.activityTaskFailedEventAttributes)
    return e.activityTaskFailedEventAttributes.failure?.message ?? undefined;
  if (e.activityTaskTimedOutEventAttributes) {
    const failure = e.activityTaskTimedOutEventAttributes.failure;
    return `${failure?.message ?? 'timed out'}${failure?.cause?.message ? `: ${failure.cause.message}` : ''}`;
  }
  if (e.workflowExecutionSignaledEventAttributes) {
    return e.workflowExecutionSignaledEventAttributes.signalName ?? undefined;
  }
  if (e.workflowExecutionUpdateAcceptedEventAttributes) {
    return `update ${e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name ?? '?'}`;
  }
  if (e.workflowTaskFailedEventAttributes) {
    const f = e.workflowTaskFailedEventAttributes;
    return `${temporal.api.enums.v1.WorkflowTaskFailedCause[f.cause ?? 0] ?? f.cause}: ${f.failure?.message ?? ''}`;
  }
  if (e.workflowTaskTimedOutEventAttributes) {
    return temporal.api.enums.v1.TimeoutType[e.workflowTaskTimedOutEventAttributes.timeoutType ?? 0];
  }
  if (e.workflowExecutionFailedEventAttributes) {
    return e.workflowExecutionFailedEventAttributes.failure?.message ?? undefined;
  }
  if (e.upsertWorkflowSearchAttributesEventAttributes) {
    const fields = e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {};
    const stage = fields['HotDocsStage']?.data;
    return stage ? `stage ${Buffer.from(stage).toString()}` : undefined;
  }
  return undefined;
}
