import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import {
  PATCH_FINISH_CORE_INTERVIEW,
  PATCH_LOCAL_ASSEMBLE,
  PATCH_LOCAL_STEPS,
  PATCH_REGULAR_COMPLETE,
  PATCH_STATUS_READS_AT_INTERVIEW,
} from '../../src/workflows/patches';
import { recordFrom } from '../support/emulator-record';
import { PROTOCOL } from '../support/protocol';
import { lifecycleInput } from '../support/lifecycle-harness';
import { activityTypes, historyEvents, patchMarkers } from '../support/upgrade-checks';
import { lifecycleTestbed } from '../support/testbed';

/**
 * The short steps run as local activities (src/workflows/local-first.ts): each still shows in the
 * lifecycle's history — as a marker with its summary — and a step that keeps failing locally is
 * handed to the regular activity, creating nothing twice.
 */

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const bed = lifecycleTestbed();

/** Each step of the history in order: `local:<type>`, `activity:<type>`, or the signal's name. */
function steps(events: HistoryEvent[]): string[] {
  const types = activityTypes(events);
  let next = 0;
  return events.flatMap((e) => {
    if (e.activityTaskScheduledEventAttributes) return [`activity:${types[next++]}`];
    if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
      return [`local:${types[next++]}`];
    if (e.workflowExecutionSignaledEventAttributes)
      return [e.workflowExecutionSignaledEventAttributes.signalName ?? '?'];
    return [];
  });
}

/** The summaries the history shows for its steps (markers and activities alike), in order. */
function summaries(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const isStep =
      e.activityTaskScheduledEventAttributes ||
      e.markerRecordedEventAttributes?.markerName === 'core_local_activity';
    const data = e.userMetadata?.summary?.data;
    return isStep && data != null ? [JSON.parse(Buffer.from(data).toString('utf8')) as string] : [];
  });
}

test('every step of an interview lifecycle shows in its history; the short ones as local activities', async () => {
  const started = await bed.start({ businessKey: `local-${randomUUID()}` });
  const waiting = await bed.atStage(started.lifecycleId, 'waiting-for-interview');
  const versionId = waiting.activeSession!.versionId;
  await bed.lifecycles.interviewCompleted(started.lifecycleId, versionId);
  expect((await bed.lifecycles.result(started.lifecycleId)).outcome).toBe('completed');

  const events = await historyEvents(bed.env.client, started.lifecycleId);
  // The completion is a regular activity on both protocols: recorded before the task that
  // closes the lifecycle (duplicate-interview-signal.test.ts). v2.0 says so by a patch, since
  // its completion ran locally for a while. v2.0 finishes the Core interview first, a regular
  // activity behind a patch of its own; its wait at the interview reads the version's status now
  // and then (none here: the interview completes long before the first read is due).
  const v2 = PROTOCOL === 'v2.0';
  expect(patchMarkers(events)).toEqual(
    v2
      ? [
          PATCH_LOCAL_STEPS,
          PATCH_STATUS_READS_AT_INTERVIEW,
          PATCH_FINISH_CORE_INTERVIEW,
          PATCH_REGULAR_COMPLETE,
        ]
      : [PATCH_LOCAL_STEPS],
  );
  expect(steps(events)).toEqual([
    'local:acquireToken',
    'local:createWorkItem',
    'local:beginSession',
    'interviewCompleted',
    ...(v2 ? ['activity:finishInterview'] : []),
    'activity:completeSession',
    'local:storeDocuments',
  ]);
  expect(summaries(events)).toEqual([
    'Acquire Advance access token',
    'Create work item',
    `Begin session ${versionId}`,
    ...(v2 ? [`Finish interview ${versionId}`] : []),
    `Complete session ${versionId}`,
    'Store assembled documents',
  ]);
});

test('a step that keeps failing locally is handed to the regular activity, and nothing is created twice', async () => {
  // Every local attempt of the work item's creation fails (three), the regular activity's succeeds.
  const record = recordFrom(bed.emulator);
  bed.emulator.setFaults({
    script: [{ endpoint: 'createWorkItem', fault: 'apply-then-error', status: 502, times: 3 }],
  });
  const started = await bed.lifecycles.start(
    lifecycleInput({ businessKey: `handover-${randomUUID()}`, mode: 'batch', storeDocuments: false }),
  );
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');

  const events = await historyEvents(bed.env.client, started.lifecycleId);
  // The failed local attempts show as one marker (with their failure), then the regular activity.
  expect(steps(events).slice(0, 3)).toEqual([
    'local:acquireToken',
    'local:createWorkItem',
    'activity:createWorkItem',
  ]);
  expect(summaries(events).slice(1, 3)).toEqual([
    'Create work item',
    'Create work item (retried as a regular activity)',
  ]);
  const creates = bed.emulator
    .requests()
    .filter((r) => r.endpoint === 'createWorkItem' && r.workItemId === result.workItemId);
  expect(creates.map((r) => r.status)).toEqual([502, 502, 502, 409]);
  // The first attempt made the work item; the two after it met it and changed nothing.
  expect(creates.map((r) => r.fault?.applied)).toEqual([true, false, false, undefined]);
  expect(record.workItems().map((w) => w.id)).toEqual([result.workItemId]);
});

test('a batch session assembled in one call (v2.0 CreateAndAssemble) runs it locally, under its own patch', async () => {
  expect.assertions(4);
  const record = recordFrom(bed.emulator);
  const started = await bed.lifecycles.start(
    lifecycleInput({ businessKey: `local-batch-${randomUUID()}`, mode: 'batch' }),
  );
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');

  const events = await historyEvents(bed.env.client, started.lifecycleId);
  const oneCall = PROTOCOL === 'v2.0';
  // v1.1 has no such call: a batch session begins and completes as an interview's does.
  expect(patchMarkers(events)).toEqual(
    oneCall ? [PATCH_LOCAL_STEPS, PATCH_LOCAL_ASSEMBLE] : [PATCH_LOCAL_STEPS],
  );
  expect(steps(events).filter((step) => step.endsWith(':assembleVersion'))).toEqual(
    oneCall ? ['local:assembleVersion'] : [],
  );
  expect(record.workItems().map((w) => w.id)).toEqual([result.workItemId]);
});
