import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectTestEnvironment } from '../support/temporal';
import { createHarness, eventually, lifecycleInput, type Harness } from '../support/lifecycle-harness';
import { ENDPOINTS } from '../support/protocol';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

/**
 * Workers die: while lifecycles wait for interviews, and in the middle of an Advance call. A new
 * worker must finish every lifecycle with exactly one work item, one session and one completion.
 */

const LIFECYCLES = 4;
let env: TestWorkflowEnvironment;
let h: Harness;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  env = await connectTestEnvironment();
  h = await createHarness(env);
});

afterAll(async () => {
  await worker?.kill();
  await h?.close();
  await env?.teardown();
});

test('SIGKILLed workers, while waiting and during CompleteSession, lose and duplicate nothing', async () => {
  worker = await spawnWorker(h.workerEnv);
  const started = await Promise.all(
    Array.from({ length: LIFECYCLES }, (_, i) =>
      h.lifecycles.start(lifecycleInput({ businessKey: `crash-${i}-${Date.now()}` })),
    ),
  );
  const waiting = await Promise.all(
    started.map((s) =>
      eventually(async () => {
        const status = await h.lifecycles.status(s.lifecycleId);
        return status.stage === 'waiting-for-interview' ? status : undefined;
      }),
    ),
  );

  // 1. Kill the worker while every lifecycle waits; the interviews finish while no worker runs.
  await worker.kill();
  for (const status of waiting) {
    await h.lifecycles.interviewCompleted(
      started[waiting.indexOf(status)]!.lifecycleId,
      status.activeSession!.versionId,
    );
  }

  // 2. A new worker picks them up; kill it while CompleteSession calls are in flight at Advance.
  h.emulator.setFaults({ rules: [{ endpoint: ENDPOINTS.complete, latencyMs: 3_000 }] });
  worker = await spawnWorker(h.workerEnv);
  await eventually(
    () => (h.emulator.requests().some((r) => r.endpoint === ENDPOINTS.complete) ? true : undefined),
    { what: 'a CompleteSession call to be in flight' },
  );
  await worker.kill();
  h.emulator.setFaults({});

  // 3. A third worker finishes everything (after the heartbeat timeout of the lost attempts).
  worker = await spawnWorker(h.workerEnv);
  const results = await Promise.all(started.map((s) => h.lifecycles.result(s.lifecycleId)));
  expect(results.every((r) => r.outcome === 'completed')).toBe(true);

  // Exactly the lifecycles' work items (a duplicate would have another id), one version each.
  const items = h.emulator.state.workItems;
  expect(items.map((w) => w.id).sort()).toEqual(waiting.map((s) => s.workItemId).sort());
  for (const status of waiting) {
    const item = items.find((w) => w.id === status.workItemId)!;
    expect(item.versions.map((v) => [v.versionId, v.status])).toEqual([
      [status.activeSession!.versionId, 'Completed'],
    ]);
  }
  const creates = h.emulator.requests().filter((r) => r.endpoint === 'createWorkItem');
  expect(creates).toHaveLength(LIFECYCLES);
}, 120_000);
