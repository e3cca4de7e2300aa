import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { harnessSuggestingContinueAsNew, eventually, lifecycleInput } from '../support/lifecycle-harness';
import { ENDPOINTS } from '../support/protocol';

/**
 * Interview waits pending while a run has to continue as new: a server of our own suggests
 * continue-as-new after 20 events, which the run passes while its waits are held before the
 * session begins. Once the session begins, every pending wait answers in the run that took it, and
 * that run then continues as new: the waits do not hold continue-as-new up.
 */

/** Below the server's limit of 10 updates in flight per workflow (the gateway merges beyond it). */
const WAITS = 8;
const EventType = temporal.api.enums.v1.EventType;

let h: Awaited<ReturnType<typeof harnessSuggestingContinueAsNew>>;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  h = await harnessSuggestingContinueAsNew(20);
  env = h.env;
}, 60_000);

afterAll(async () => {
  h?.emulator.releaseDelayedRequests();
  await h?.closeAll();
});

test('8 waits pending when the session begins: all answer, then the run continues as new', async () => {
  expect.assertions(6);
  // Advance holds the begin, so that every wait is pending before the session begins.
  h.emulator.setFaults({
    script: [{ endpoint: ENDPOINTS.begin, fault: 'latency', latencyMs: 120_000, times: 10 }],
  });
  const started = await h.lifecycles.start(lifecycleInput({ businessKey: `can-waits-${randomUUID()}` }));
  const waits = Array.from({ length: WAITS }, () => h.lifecycles.waitForInterview(started.lifecycleId));
  const firstRun = env.client.workflow.getHandle(started.lifecycleId, started.runId);
  const accepted = (events: Awaited<ReturnType<typeof firstRun.fetchHistory>>['events']) =>
    (events ?? []).filter(
      (e) =>
        e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'interviewReady',
    );
  await eventually(
    async () => {
      const { events } = await firstRun.fetchHistory();
      return accepted(events).length === WAITS ? true : undefined;
    },
    { what: `${WAITS} interviewReady updates accepted while the begin is held`, timeoutMs: 90_000 },
  );
  h.emulator.setFaults({});
  h.emulator.releaseDelayedRequests();
  const answers = await Promise.all(waits);
  expect(answers.every((a) => a.ready && a.stage === 'waiting-for-interview')).toBe(true);
  const versionIds = new Set(answers.map((a) => a.versionId));
  expect(versionIds.size).toBe(1);

  const continued = await eventually(
    async () => {
      const status = await h.lifecycles.status(started.lifecycleId);
      return status.continuedAsNew > 0 ? status : undefined;
    },
    { what: 'the run continued as new', timeoutMs: 60_000 },
  );
  expect(continued.activeSession?.versionId).toBe([...versionIds][0]);
  const { events } = await firstRun.fetchHistory();
  const completed = (events ?? []).filter(
    (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
  );
  const last = (events ?? []).at(-1);
  // Every wait answered in the first run, before it handed over to the next one.
  expect(completed).toHaveLength(WAITS);
  expect(last?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  const description = await env.client.workflow.getHandle(started.lifecycleId).describe();
  expect(description.runId).not.toBe(started.runId);
}, 240_000);
