import { setTimeout as delay } from 'node:timers/promises';
import { ENDPOINTS } from '../support/protocol';
import { atStage, harnessForFile, lifecycleInput } from '../support/lifecycle-harness';

/**
 * A second `interviewCompleted` (two gateway replicas given the same finish link, a browser that
 * posts twice) arriving while the session is being completed: the session is completed once, with
 * one request, and not flagged. A completion run inside the workflow task that also closes the
 * lifecycle fails this: the server refuses that task for the new message, and the worker repeats
 * it, completion included.
 */

const h = harnessForFile();

test('a second interviewCompleted during the completion: one CompleteSession, no warning', async () => {
  expect.assertions(3);
  const started = await h.lifecycles.start(lifecycleInput());
  const waiting = await atStage(h.lifecycles, started.lifecycleId, 'waiting-for-interview');
  const versionId = waiting.activeSession!.versionId;
  await h.lifecycles.interviewCompleted(started.lifecycleId, versionId);
  // Long enough for the first signal's workflow task to be under way, short of its end.
  await delay(15);
  await h.lifecycles.interviewCompleted(started.lifecycleId, versionId).catch(() => undefined);
  const result = await h.lifecycles.result(started.lifecycleId);
  expect(result.outcome).toBe('completed');
  expect(result.sessions[0]!.warning).toBeUndefined();
  const completes = h.emulator
    .requests()
    .filter((r) => r.endpoint === ENDPOINTS.complete && r.workItemId === waiting.workItemId);
  expect(completes.map((r) => r.status)).toEqual([200]);
});
