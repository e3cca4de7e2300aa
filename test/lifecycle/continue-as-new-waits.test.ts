import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { eventually, lifecycleInput } from '../support/lifecycle-harness';
import { ENDPOINTS } from '../support/protocol';
import { lifecycleTestbed } from '../support/testbed';

/**
 * Interview waits pending while a run has to continue as new: a server of our own suggests
 * continue-as-new after 20 events, which the run passes while its waits are held before the
 * session begins. Once the session begins, every pending wait answers in the run that took it, and
 * that run then continues as new: the waits do not hold continue-as-new up.
 */

/** Below the server's limit of 10 updates in flight per workflow (the gateway merges beyond it). */
const WAITS = 8;
const EventType = temporal.api.enums.v1.EventType;

const bed = lifecycleTestbed({ temporal: { suggestContinueAsNewAfter: 20 } });

afterAll(() => {
  // A failed test leaves the begin held: let it go before the emulator closes.
  bed.emulator.releaseDelayedRequests();
});

test('8 waits pending when the session begins: all answer, then the run continues as new', async () => {
  expect.assertions(6);
  // Advance holds the begin, so that every wait is pending before the session begins.
  bed.emulator.setFaults({
    script: [{ endpoint: ENDPOINTS.begin, fault: 'latency', latencyMs: 120_000, times: 10 }],
  });
  const started = await bed.lifecycles.start(lifecycleInput({ businessKey: `can-waits-${randomUUID()}` }));
  const waits = Array.from({ length: WAITS }, () => bed.lifecycles.waitForInterview(started.lifecycleId));
  const firstRun = bed.env.client.workflow.getHandle(started.lifecycleId, started.runId);
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
  bed.emulator.setFaults({});
  bed.emulator.releaseDelayedRequests();
  const answers = await Promise.all(waits);
  expect(answers.every((a) => a.ready && a.stage === 'waiting-for-interview')).toBe(true);
  const versionIds = new Set(answers.map((a) => a.versionId));
  expect(versionIds.size).toBe(1);

  const continued = await eventually(
    async () => {
      const status = await bed.lifecycles.status(started.lifecycleId);
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
  const description = await bed.env.client.workflow.getHandle(started.lifecycleId).describe();
  expect(description.runId).not.toBe(started.runId);
}, 240_000);
