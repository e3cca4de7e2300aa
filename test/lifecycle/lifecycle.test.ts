import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  FailureType,
  LifecycleClosedError,
  LifecycleInputError,
  LifecycleNotFoundError,
} from '../../src/client';
import { STAGE } from '../../src/workflows/search-attributes';
import { recordFrom } from '../support/emulator-record';
import { assemblyCalls, documentCalls } from '../support/protocol';
import { eventually } from '../support/lifecycle-harness';
import { historyEvents } from '../support/upgrade-checks';
import { lifecycleTestbed } from '../support/testbed';

const bed = lifecycleTestbed();

function endpointsFor(workItemId: string) {
  return bed.emulator
    .requests()
    .filter((r) => r.workItemId === workItemId)
    .map((r) => `${r.endpoint}${r.versionId ? `:${r.versionId}` : ''}`);
}

test('interview lifecycle end to end: documents stored with matching checksums', async () => {
  const started = await bed.start({ businessKey: `lease-${randomUUID()}` });
  expect(started.created).toBe(true);
  const status = await bed.atStage(started.lifecycleId, 'waiting-for-interview');
  const session = status.activeSession!;
  expect(session.interview?.interviewJsUrl).toContain(session.interview?.coreSessionId);
  expect(status.workItemCreated).toBe(true);

  await bed.lifecycles.interviewCompleted(started.lifecycleId, session.versionId);
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(result.sessions).toHaveLength(1);
  const documents = result.sessions[0]!.documents;
  expect(documents.length).toBeGreaterThan(0);
  const workItemId = status.workItemId;
  for (const document of documents) {
    // Compared with Advance's own bytes, not with the hash the store computed while writing.
    const bytes = await readFile(fileURLToPath(document.reference!));
    const advanceBytes = bed.emulator.documentContent(workItemId, document.documentId)!;
    expect(bytes.equals(advanceBytes)).toBe(true);
    expect(document.sha256).toBe(createHash('sha256').update(advanceBytes).digest('hex'));
    expect(document.size).toBe(advanceBytes.length);
  }
  expect(endpointsFor(workItemId)).toEqual([
    'createWorkItem',
    ...assemblyCalls(session.versionId, 'interview'),
    ...documentCalls(session.versionId, documents.length),
  ]);
  const described = await bed.env.client.workflow.getHandle(started.lifecycleId).describe();
  expect(described.typedSearchAttributes.get(STAGE)).toBe('completed');
});

test('batch lifecycle completes without waiting; documents listed only', async () => {
  const started = await bed.start({ mode: 'batch', storeDocuments: false });
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(
    result.sessions[0]!.documents.every((d) => d.reference === undefined && d.sha256 !== undefined),
  ).toBe(true);
  expect(endpointsFor(result.workItemId)).toEqual([
    'createWorkItem',
    ...assemblyCalls(result.sessions[0]!.versionId, 'batch'),
    ...documentCalls(result.sessions[0]!.versionId, 0),
  ]);
});

test('a start repeated with the same business key returns the running lifecycle', async () => {
  const businessKey = `dup-${randomUUID()}`;
  const record = recordFrom(bed.emulator);
  const first = await bed.start({ businessKey });
  const second = await bed.start({ businessKey });
  expect(second).toMatchObject({ lifecycleId: first.lifecycleId, created: false, status: 'RUNNING' });
  expect(second.workItemId).toBe(first.workItemId);
  const status = await bed.atStage(first.lifecycleId, 'waiting-for-interview');
  expect(record.workItems().map((w) => w.id)).toEqual([status.workItemId]);
  await bed.lifecycles.cancel(first.lifecycleId);
});

test('follow-ups requested during a session begin only after CompleteSession, in order', async () => {
  const started = await bed.start({ keepOpenFor: '1h' });
  const first = (await bed.atStage(started.lifecycleId, 'waiting-for-interview')).activeSession!;
  await bed.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'batch' });
  const begun = bed.lifecycles.beginFollowUp(started.lifecycleId, { mode: 'interview' });
  const queued = await eventually(async () => {
    const s = await bed.lifecycles.status(started.lifecycleId);
    return s.queuedFollowUps.length === 2 ? s.queuedFollowUps : undefined;
  });
  expect(queued.map((q) => q.via)).toEqual(['signal', 'update']);
  // Nothing begins beside the active session.
  expect(
    endpointsFor((await bed.lifecycles.status(started.lifecycleId)).workItemId).filter((e) =>
      e.startsWith('begin'),
    ),
  ).toHaveLength(1);

  await bed.lifecycles.interviewCompleted(started.lifecycleId, first.versionId);
  const third = await begun;
  expect(third.versionId).toBe(queued[1]!.versionId);
  await bed.lifecycles.interviewCompleted(started.lifecycleId, third.versionId);
  await bed.atStage(started.lifecycleId, 'idle');
  await bed.lifecycles.finish(started.lifecycleId);
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.sessions.map((s) => s.versionId)).toEqual([
    first.versionId,
    queued[0]!.versionId,
    third.versionId,
  ]);

  const order = endpointsFor(result.workItemId).filter((e) =>
    /^(begin|finishInterview|complete|createAndAssemble)/.test(e),
  );
  expect(order).toEqual([
    ...assemblyCalls(first.versionId, 'interview'),
    ...assemblyCalls(queued[0]!.versionId, 'batch'),
    ...assemblyCalls(third.versionId, 'interview'),
  ]);
});

test('a stale-version signal is ignored and recorded; an early signal is kept', async () => {
  // Keep the begin going so that the signal arrives before Advance has begun the session. A local
  // begin holds the workflow task (neither a status query nor a signal gets in until it ends), so
  // its three local attempts fail and the regular activity that takes over is slowed down.
  bed.emulator.setFaults({
    script: [
      { endpoint: 'beginSession', fault: 'error', status: 503, times: 3 },
      { endpoint: 'beginSession', fault: 'latency', latencyMs: 1_500 },
    ],
  });
  const started = await bed.start();
  const { activeSession: pending } = await bed.atStage(started.lifecycleId, 'beginning-session', {
    until: (s) => s.activeSession !== undefined,
  });
  const stale = randomUUID();
  await bed.lifecycles.interviewCompleted(started.lifecycleId, stale);
  await bed.lifecycles.interviewCompleted(started.lifecycleId, pending!.versionId);
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.sessions.map((s) => s.versionId)).toEqual([pending!.versionId]);
  const status = await bed.lifecycles.status(started.lifecycleId);
  expect(status.rejectedSignals).toEqual([
    expect.objectContaining({ name: 'interviewCompleted', versionId: stale, reason: 'no such session' }),
  ]);
  // The interview was done before the lifecycle ever rested: its completion is the regular
  // activity on both protocols, never a local one in a workflow task that may also hold the begin
  // (session-completion.ts).
  const scheduled = (await historyEvents(bed.env.client, started.lifecycleId)).flatMap(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
  );
  expect(scheduled.filter((type) => type === 'completeSession')).toEqual(['completeSession']);
});

test('finish closes an idle lifecycle; later messages are refused with typed errors', async () => {
  const started = await bed.start({ mode: 'batch', keepOpenFor: '30d' });
  await bed.atStage(started.lifecycleId, 'idle');
  await bed.lifecycles.finish(started.lifecycleId);
  expect((await bed.lifecycles.result(started.lifecycleId)).outcome).toBe('completed');
  await expect(bed.lifecycles.requestFollowUp(started.lifecycleId, {})).rejects.toBeInstanceOf(
    LifecycleClosedError,
  );
  await expect(bed.lifecycles.finish(started.lifecycleId)).rejects.toBeInstanceOf(LifecycleClosedError);
  await expect(bed.lifecycles.status('assembly-no-such-lifecycle')).rejects.toBeInstanceOf(
    LifecycleNotFoundError,
  );
});

test('cancellation mid-wait saves the session and ends as cancelled', async () => {
  const started = await bed.start();
  const status = await bed.atStage(started.lifecycleId, 'waiting-for-interview');
  await bed.lifecycles.cancel(started.lifecycleId);
  await expect(bed.lifecycles.result(started.lifecycleId)).rejects.toMatchObject({
    code: 'lifecycle-failed',
    message: expect.stringMatching(/cancel/i),
  });
  const described = await bed.env.client.workflow.getHandle(started.lifecycleId).describe();
  expect(described.status.name).toBe('CANCELLED');
  const version = bed.emulator.workItem(status.workItemId)!.versions[0]!;
  expect(version).toMatchObject({ versionId: status.activeSession!.versionId, status: 'Saved' });
});

test('bad input is refused at the client edge, and at workflow start for other clients', async () => {
  await expect(bed.lifecycles.start({ workItem: { name: '' } })).rejects.toBeInstanceOf(LifecycleInputError);
  // A client that skips our checks (any Temporal client) gets a failed workflow, not a stuck one.
  const handle = await bed.env.client.workflow.start('assemblyLifecycle', {
    workflowId: `raw-${randomUUID()}`,
    taskQueue: bed.taskQueue,
    args: [{ workItem: { name: 'x', workGroupId: 'nope' } }],
  });
  await expect(handle.result()).rejects.toMatchObject({
    name: 'WorkflowFailedError',
    cause: {
      type: FailureType.InvalidLifecycleInput,
      message: expect.stringMatching(/^Invalid lifecycle input: workItem\.workGroupId must be a GUID/),
    },
  });
  const described = await handle.describe();
  expect(described.status.name).toBe('FAILED');
});

test('an input error (400) fails the lifecycle at once with a message that names the cause', async () => {
  bed.emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault: 'error', status: 400 }] });
  const started = await bed.start();
  const error = await bed.lifecycles.result(started.lifecycleId).catch((e: Error) => e);
  expect(error).toMatchObject({ code: 'lifecycle-failed', failureType: FailureType.LifecycleFailed });
  expect((error as Error).message).toMatch(/creating-work-item.*400/);
  // Without encryption the history holds the message itself, as Temporal UI and
  // `temporal workflow result` show it — not "Encoded failure".
  const history = await bed.env.client.workflow.getHandle(started.lifecycleId).fetchHistory();
  const failed = history.events?.find((e) => e.workflowExecutionFailedEventAttributes != null);
  expect(failed?.workflowExecutionFailedEventAttributes?.failure?.message).toMatch(
    /^Lifecycle failed while creating-work-item: .*400/,
  );
});

test('follow-up requests with the same requestId are carried out once', async () => {
  const started = await bed.start({ keepOpenFor: '1h' });
  const first = (await bed.atStage(started.lifecycleId, 'waiting-for-interview')).activeSession!;
  await bed.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'batch', requestId: 'crm-order-17' });
  await bed.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'batch', requestId: 'crm-order-17' });
  const updates = [
    bed.lifecycles.beginFollowUp(started.lifecycleId, { mode: 'batch', requestId: 'crm-order-18' }),
    bed.lifecycles.beginFollowUp(started.lifecycleId, { mode: 'batch', requestId: 'crm-order-18' }),
  ];
  const status = await eventually(async () => {
    const s = await bed.lifecycles.status(started.lifecycleId);
    return s.queuedFollowUps.length === 2 && s.rejectedSignals.length === 1 ? s : undefined;
  });
  expect(status.queuedFollowUps.map((q) => q.requestId)).toEqual(['crm-order-17', 'crm-order-18']);
  expect(status.rejectedSignals[0]?.reason).toBe('request crm-order-17 was already accepted');
  await bed.lifecycles.interviewCompleted(started.lifecycleId, first.versionId);
  const [a, b] = await Promise.all(updates);
  expect(a!.versionId).toBe(b!.versionId);
  await bed.atStage(started.lifecycleId, 'idle');
  // Once carried out, a repeat gets the first outcome (Temporal deduplicates the update id).
  await expect(
    bed.lifecycles.beginFollowUp(started.lifecycleId, { mode: 'batch', requestId: 'crm-order-18' }),
  ).resolves.toMatchObject({ versionId: a!.versionId });
  await bed.lifecycles.finish(started.lifecycleId);
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.sessions).toHaveLength(3);
});
