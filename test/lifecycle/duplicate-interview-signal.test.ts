import { recordFrom } from '../support/emulator-record';
import { ENDPOINTS } from '../support/protocol';
import { eventually } from '../support/lifecycle-harness';
import { lifecycleTestbed } from '../support/testbed';

/**
 * A second `interviewCompleted` (two gateway replicas given the same finish link, a browser that
 * posts twice) arriving while the session is being completed: the session is completed once, with
 * one request, and not flagged. A completion run inside the workflow task that also closes the
 * lifecycle fails this: the server refuses that task for the new message, and the worker repeats
 * it, completion included.
 *
 * The window is made to last: Advance holds the completion until the second signal is in.
 */

const bed = lifecycleTestbed();

test('a second interviewCompleted during the completion: one CompleteSession, no warning', async () => {
  expect.assertions(4);
  const record = recordFrom(bed.emulator);
  bed.emulator.setFaults({ script: [{ endpoint: ENDPOINTS.complete, fault: 'latency', latencyMs: 60_000 }] });
  const started = await bed.start();
  const waiting = await bed.atStage(started.lifecycleId, 'waiting-for-interview');
  const versionId = waiting.activeSession!.versionId;
  await bed.lifecycles.interviewCompleted(started.lifecycleId, versionId);
  // The completion has reached Advance, which holds it: the session is being completed.
  await eventually(() => (record.requests(ENDPOINTS.complete).length === 1 ? true : undefined), {
    what: 'the completion to reach Advance',
  });
  await bed.lifecycles.interviewCompleted(started.lifecycleId, versionId).catch(() => undefined);
  expect(bed.emulator.releaseDelayedRequests()).toBe(1);

  const result = await bed.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(result.sessions[0]!.warning).toBeUndefined();
  expect(record.statuses(ENDPOINTS.complete)).toEqual([200]);
});
