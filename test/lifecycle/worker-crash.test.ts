import { eventually } from '../support/lifecycle-harness';
import { ENDPOINTS } from '../support/protocol';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';
import { lifecycleTestbed } from '../support/testbed';

/**
 * Workers die: while lifecycles wait for interviews, and in the middle of an Advance call. A new
 * worker must finish every lifecycle with exactly one work item, one session and one completion.
 */

const LIFECYCLES = 4;
// The workers of this test are processes of their own, killed and started again.
// Declared before the testbed: jest runs afterAll hooks in the order they are declared.
afterAll(async () => {
  await worker?.kill();
});

const bed = lifecycleTestbed({ startWorker: false });
let worker: WorkerProcess | undefined;

test('SIGKILLed workers, while waiting and during CompleteSession, lose and duplicate nothing', async () => {
  worker = await spawnWorker(bed.workerEnv);
  const started = await Promise.all(
    Array.from({ length: LIFECYCLES }, (_, i) => bed.start({ businessKey: `crash-${i}-${Date.now()}` })),
  );
  const waiting = await Promise.all(started.map((s) => bed.atStage(s.lifecycleId, 'waiting-for-interview')));

  // 1. Kill the worker while every lifecycle waits; the interviews finish while no worker runs.
  await worker.kill();
  for (const status of waiting) {
    await bed.lifecycles.interviewCompleted(
      started[waiting.indexOf(status)]!.lifecycleId,
      status.activeSession!.versionId,
    );
  }

  // 2. A new worker picks them up; kill it while CompleteSession calls are in flight at Advance.
  bed.emulator.setFaults({ rules: [{ endpoint: ENDPOINTS.complete, latencyMs: 3_000 }] });
  worker = await spawnWorker(bed.workerEnv);
  await eventually(
    () => (bed.emulator.requests().some((r) => r.endpoint === ENDPOINTS.complete) ? true : undefined),
    { what: 'a CompleteSession call to be in flight' },
  );
  await worker.kill();
  bed.emulator.setFaults({});

  // 3. A third worker finishes everything (after the heartbeat timeout of the lost attempts).
  worker = await spawnWorker(bed.workerEnv);
  const results = await Promise.all(started.map((s) => bed.lifecycles.result(s.lifecycleId)));
  expect(results.every((r) => r.outcome === 'completed')).toBe(true);

  // Exactly the lifecycles' work items (a duplicate would have another id), one version each.
  const items = bed.emulator.state.workItems;
  expect(items.map((w) => w.id).sort()).toEqual(waiting.map((s) => s.workItemId).sort());
  for (const status of waiting) {
    const item = items.find((w) => w.id === status.workItemId)!;
    expect(item.versions.map((v) => [v.versionId, v.status])).toEqual([
      [status.activeSession!.versionId, 'Completed'],
    ]);
  }
  const creates = bed.emulator.requests().filter((r) => r.endpoint === 'createWorkItem');
  expect(creates).toHaveLength(LIFECYCLES);
}, 120_000);
