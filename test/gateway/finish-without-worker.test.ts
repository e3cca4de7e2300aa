import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { atStage, lifecycleInput } from '../support/lifecycle-harness';
import { call, startTestGateway, waitForInterview } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * A person's Finish is never lost while every worker is down (a deploy): the `completeInterview`
 * update needs a worker, so when none accepts it within GATEWAY_FINISH_ACCEPT_WITHIN the route
 * sends the `interviewCompleted` signal, which Temporal's server takes alone, and tells the person
 * the answers were received. When a worker is back the lifecycle completes the session once — the
 * update the server still held and the signal are the same report, taken by one rule.
 */

const EventType = temporal.api.enums.v1.EventType;

let base: string;

const bed = gatewayTestbed({ env: { GATEWAY_FINISH_ACCEPT_WITHIN: '1s' } });

beforeAll(async () => {
  base = bed.gateway.url;
});

test('with every worker stopped, Finish goes as a signal; the restarted worker completes the session once', async () => {
  const started = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `no-worker-${randomUUID()}`, keepOpenFor: '1h' }),
  });
  expect(started.status).toBe(201);
  const id: string = started.json.id;
  const interview = await waitForInterview(base, id);

  await bed.h.stopWorker();
  const finished = await call(interview.finishUrl, {
    method: 'POST',
    key: null,
    body: {},
    headers: { accept: 'text/html' },
  });
  expect(finished.status).toBe(200);
  expect(finished.text).toContain('data-state="received"');
  expect(finished.text).toContain('Your answers were received');
  // What went through is the signal, in the lifecycle's history before any worker saw it.
  const handle = bed.env.client.workflow.getHandle(id);
  const before = (await handle.fetchHistory()).events ?? [];
  const signals = before.filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'interviewCompleted',
  );
  expect(signals).toHaveLength(1);
  expect(signals[0]!.workflowExecutionSignaledEventAttributes?.input?.payloads).toHaveLength(1);
  expect(bed.h.emulator.requests().filter((r) => r.endpoint === 'completeSession')).toHaveLength(0);

  await bed.h.startWorker();
  const idle = await atStage(bed.h.lifecycles, id, 'idle');
  expect(idle.completedSessions.map((s) => s.versionId)).toEqual([interview.versionId]);
  const completions = bed.h.emulator.requests().filter((r) => r.endpoint === 'completeSession');
  expect(completions.map((r) => r.status)).toEqual([200]);

  // The update the server held may reach the lifecycle after the signal: it changes nothing.
  const updates = await completeInterviewOutcomes(id);
  expect(updates.filter((outcome) => outcome === 'accepted').length).toBeLessThanOrEqual(1);
  expect(updates.every((outcome) => outcome === 'accepted' || outcome === 'already-finished')).toBe(true);
  // So does a late report of any kind: the update answers already-finished, and the same link
  // on another replica (no nonce of its own yet) is used up.
  expect(await bed.h.lifecycles.completeInterview(id, { versionId: interview.versionId })).toEqual({
    outcome: 'already-finished',
    versionId: interview.versionId,
  });
  const replica = await startTestGateway(bed.h.lifecycles);
  try {
    const again = await call(interview.finishUrl.replace(base, replica.url), {
      method: 'POST',
      key: null,
      body: {},
    });
    expect([again.status, again.json.error.code]).toEqual([410, 'finish-link-used']);
  } finally {
    await replica.close();
  }

  expect((await call(`${base}/v1/assemblies/${id}/finish`, { method: 'POST' })).status).toBe(202);
  const result = await call(`${base}/v1/assemblies/${id}/result?wait=true`);
  expect(result.json.sessions).toHaveLength(1);
  expect(bed.h.emulator.requests().filter((r) => r.endpoint === 'completeSession')).toHaveLength(1);
});

test('with a worker running, Finish is the update: accepted, no signal in the history', async () => {
  const started = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `worker-${randomUUID()}` }),
  });
  const id: string = started.json.id;
  const interview = await waitForInterview(base, id);
  const finished = await call(interview.finishUrl, { method: 'POST', key: null, body: {} });
  expect([finished.status, finished.json.outcome]).toEqual([200, 'accepted']);
  const result = await call(`${base}/v1/assemblies/${id}/result?wait=true`);
  expect(result.json.sessions).toHaveLength(1);
  const events = (await bed.env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
  expect(events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toBe(false);
  expect(await completeInterviewOutcomes(id)).toEqual(['accepted']);
});

/** The result of every `completeInterview` update the lifecycle's history records, in order. */
async function completeInterviewOutcomes(id: string): Promise<string[]> {
  const events = (await bed.env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const accepted = new Set(
    events
      .filter(
        (e) =>
          e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ===
          'completeInterview',
      )
      .map((e) => String(e.eventId)),
  );
  return events.flatMap((e) => {
    const completed = e.workflowExecutionUpdateCompletedEventAttributes;
    const payload = completed?.outcome?.success?.payloads?.[0];
    if (payload == null || !accepted.has(String(completed?.acceptedEventId))) return [];
    return [defaultPayloadConverter.fromPayload<{ outcome: string }>(payload).outcome];
  });
}
