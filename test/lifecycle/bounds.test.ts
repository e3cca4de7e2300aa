import { LifecycleRequestRejectedError } from '../../src/client';
import { MAX_COMPLETED_RECORDS, MAX_REJECTED, STATUS_SIZE_LIMIT } from '../../src/workflows/lifecycle-state';
import { ANSWERS, eventually, lifecycleInput } from '../support/lifecycle-harness';
import { lifecycleTestbed } from '../support/testbed';

/**
 * What a lifecycle holds stays bounded whatever is sent to it: the follow-up queue (count and
 * answer-XML bytes), the sessions and refusals its status lists, and what continue-as-new
 * carries. A server of our own suggests continue-as-new after 60 events, so the long lifecycle
 * below hands its state over several times.
 */

const bed = lifecycleTestbed({ temporal: { suggestContinueAsNewAfter: 60 } });

async function waitingLifecycle(overrides: Record<string, unknown>) {
  const started = await bed.start(overrides);
  const waiting = await bed.atStage(started.lifecycleId, 'waiting-for-interview');
  return { id: started.lifecycleId, versionId: waiting.activeSession!.versionId };
}

test('the follow-up queue takes as many requests as followUpLimits.queued, and refuses the next', async () => {
  expect.assertions(5);
  const lifecycle = await waitingLifecycle({ followUpLimits: { queued: 2 } });
  await bed.lifecycles.requestFollowUp(lifecycle.id, { requestId: 'first', mode: 'batch' });
  await bed.lifecycles.requestFollowUp(lifecycle.id, { requestId: 'second', mode: 'batch' });
  await bed.lifecycles.requestFollowUp(lifecycle.id, { requestId: 'third', mode: 'batch' });

  // The update is refused by its validator, with the reason, before anything enters history.
  const refused = bed.lifecycles.beginFollowUp(lifecycle.id, { requestId: 'fourth', mode: 'batch' });
  await expect(refused).rejects.toThrow(LifecycleRequestRejectedError);
  await expect(refused).rejects.toThrow(/2 follow-up\(s\) are already queued.*followUpLimits\.queued/);

  const status = await bed.lifecycles.status(lifecycle.id);
  expect(status.queuedFollowUps.map((q) => q.requestId)).toEqual(['first', 'second']);
  // The signal cannot answer; its refusal is in status, saying why.
  expect(status.rejectedSignals).toEqual([
    expect.objectContaining({
      name: 'requestFollowUpSession',
      reason: expect.stringContaining('2 follow-up(s) are already queued'),
    }),
  ]);

  await bed.lifecycles.interviewCompleted(lifecycle.id, lifecycle.versionId);
  await bed.lifecycles.finish(lifecycle.id);
  const result = await bed.lifecycles.result(lifecycle.id);
  expect(result.sessions).toHaveLength(3);
}, 60_000);

test('queued answer XML is bounded in bytes: a request that would overflow it is refused', async () => {
  expect.assertions(3);
  const bytes = Buffer.byteLength(ANSWERS);
  const lifecycle = await waitingLifecycle({ followUpLimits: { queuedAnswerXmlBytes: bytes * 2 } });
  // This update waits for its session, which only begins after the interview: it stays queued.
  const waitingUpdate = bed.lifecycles.beginFollowUp(lifecycle.id, { answerXml: ANSWERS, mode: 'batch' });
  await bed.lifecycles.requestFollowUp(lifecycle.id, { answerXml: ANSWERS, mode: 'batch' });
  await eventually(async () => {
    const status = await bed.lifecycles.status(lifecycle.id);
    return status.queuedFollowUps.length === 2 ? status : undefined;
  });
  await expect(
    bed.lifecycles.beginFollowUp(lifecycle.id, { answerXml: ANSWERS, mode: 'batch' }),
  ).rejects.toThrow(new RegExp(`would come to ${bytes * 3} bytes.*queuedAnswerXmlBytes = ${bytes * 2}`));
  // A follow-up without answer XML adds no bytes: the queue still takes it.
  await bed.lifecycles.requestFollowUp(lifecycle.id, { mode: 'batch' });
  const status = await eventually(async () => {
    const s = await bed.lifecycles.status(lifecycle.id);
    return s.queuedFollowUps.length === 3 ? s : undefined;
  });
  expect(status.rejectedSignals).toEqual([]);
  await bed.lifecycles.cancel(lifecycle.id);
  // The update that was still waiting for its session is answered: the lifecycle was cancelled.
  await expect(waitingUpdate).rejects.toMatchObject({
    code: 'request-rejected',
    message: expect.stringMatching(/cancelled/),
  });
}, 60_000);

test('a long lifecycle: status and what continue-as-new carries stay bounded', async () => {
  const sessions = MAX_COMPLETED_RECORDS + 6;
  const started = await bed.lifecycles.start(
    lifecycleInput({ mode: 'batch', keepOpenFor: '1h', answerXml: ANSWERS, followUpLimits: { queued: 100 } }),
  );
  for (let i = 1; i < sessions; i += 1) {
    await bed.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'batch', answerXml: ANSWERS });
  }
  // Refusals quoting whatever the sender made up are kept short, and only the latest are kept.
  const longKey = 'k'.repeat(5000);
  for (let i = 0; i < MAX_REJECTED + 10; i += 1) {
    await bed.env.client.workflow
      .getHandle(started.lifecycleId)
      .signal('requestFollowUpSession', { [`${longKey}${i}`]: true });
  }
  const status = await bed.atStage(started.lifecycleId, 'idle', {
    until: (s) => s.completedSessionCount === sessions,
    timeoutMs: 120_000,
  });

  expect(status.completedSessions).toHaveLength(MAX_COMPLETED_RECORDS);
  expect(status.rejectedSignals).toHaveLength(MAX_REJECTED);
  expect(Math.max(...status.rejectedSignals.map((r) => r.reason.length))).toBeLessThanOrEqual(301);
  expect(status.continuedAsNew).toBeGreaterThan(0);
  const documents = status.completedSessions.reduce((n, s) => n + s.documents.length, 0);
  expect(documents).toBeGreaterThan(0);
  const size = Buffer.byteLength(JSON.stringify(status));
  expect(size).toBeLessThan(STATUS_SIZE_LIMIT.fixedBytes + STATUS_SIZE_LIMIT.bytesPerDocument * documents);

  // The current run's input no longer holds the first session's answer XML (sent long ago).
  const history = await bed.env.client.workflow.getHandle(started.lifecycleId).fetchHistory();
  const firstEvent = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  expect(firstEvent?.continuedExecutionRunId).toBeTruthy();
  const input = await bed.env.client.options.loadedDataConverter.payloadConverter.fromPayload<{
    answerXml?: string;
  }>(firstEvent!.input!.payloads![0]!);
  expect(input.answerXml).toBeUndefined();

  await bed.lifecycles.finish(started.lifecycleId);
  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.sessions).toHaveLength(MAX_COMPLETED_RECORDS);
  expect(bed.emulator.workItem(result.workItemId)!.versions).toHaveLength(sessions);
}, 180_000);
