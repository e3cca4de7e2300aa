/**
 * Records the two histories test/chaos/quarantine.unit.test.ts reads, on the time-skipping test
 * server: a v1.1 lifecycle whose retried CompleteSession holds its follow-up back (a quarantine
 * wait), and a v2.0 lifecycle with a retried completion, status reads while Advance is completing
 * and a follow-up interview (no quarantine). They sit with the other recorded histories, and the
 * replay test replays them too: the v2.0 one is the only history of a v2.0 completion from before
 * the completion's patches (src/workflows/patches.ts). Before recording them again
 * (`npx tsx test/support/record-quarantine-histories.ts`), keep the old files in a folder of
 * their own, as docs/deploy.md says for test/histories.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import {
  createHarness,
  eventually,
  lifecycleInput,
  registerLifecycleSearchAttributes,
} from './lifecycle-harness';
import { createTimeSkippingEnvironment } from './temporal';

const OUT = path.resolve(__dirname, '..', 'histories', 'quarantine');

async function save(env: TestWorkflowEnvironment, name: string, workflowId: string): Promise<void> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const file = path.join(OUT, `${name}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1)}\n`,
  );
  console.log(
    `recorded ${name}: ${history.events?.length ?? 0} events → ${path.relative(process.cwd(), file)}`,
  );
}

async function recordV11Quarantine(env: TestWorkflowEnvironment): Promise<void> {
  const h = await createHarness(env);
  await h.startWorker();
  try {
    // Attempt 1 is applied at Advance but its answer is lost: attempt 2 finds the session completed.
    h.emulator.setFaults({ script: [{ endpoint: 'completeSession', fault: 'apply-then-reset' }] });
    const started = await h.lifecycles.start(
      lifecycleInput({ businessKey: 'quarantine-v1.1', mode: 'batch', keepOpenFor: '1h' }),
    );
    await h.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'batch' });
    await eventually(async () => {
      const s = await h.lifecycles.status(started.lifecycleId);
      return s.stage === 'beginning-session' && s.completedSessions.length === 1 ? s : undefined;
    });
    await env.sleep('3 minutes');
    await eventually(async () => {
      const s = await h.lifecycles.status(started.lifecycleId);
      return s.completedSessions.length === 2 ? s : undefined;
    });
    await h.lifecycles.finish(started.lifecycleId);
    await h.lifecycles.result(started.lifecycleId);
    await save(env, 'v1.1-retried-complete-quarantine', started.lifecycleId);
  } finally {
    await h.close();
  }
}

async function recordV2WithoutQuarantine(env: TestWorkflowEnvironment): Promise<void> {
  // Completing for a second, answered at once: the lifecycle reads the status after a short timer.
  const h = await createHarness(env, { behaviour: { syncThresholdMs: 0, completingMs: 1_000 } });
  Object.assign(h.workerEnv, advanceEnvForEmulator(h.emulator, 'v2.0'));
  await h.startWorker();
  try {
    h.emulator.setFaults({ script: [{ endpoint: 'createAndAssemble', fault: 'apply-then-reset' }] });
    const started = await h.lifecycles.start(
      lifecycleInput({ businessKey: 'quarantine-v2.0', mode: 'batch', keepOpenFor: '1h' }),
    );
    await h.lifecycles.requestFollowUp(started.lifecycleId, { mode: 'interview' });
    const waiting = await eventually(async () => {
      const s = await h.lifecycles.status(started.lifecycleId);
      return s.stage === 'waiting-for-interview' ? s : undefined;
    });
    await h.lifecycles.interviewCompleted(started.lifecycleId, waiting.activeSession!.versionId);
    await eventually(async () => {
      const s = await h.lifecycles.status(started.lifecycleId);
      return s.completedSessions.length === 2 ? s : undefined;
    });
    await h.lifecycles.finish(started.lifecycleId);
    await h.lifecycles.result(started.lifecycleId);
    await save(env, 'v2.0-retried-complete-no-quarantine', started.lifecycleId);
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const env = await createTimeSkippingEnvironment();
  try {
    await registerLifecycleSearchAttributes(env);
    await recordV11Quarantine(env);
    await recordV2WithoutQuarantine(env);
  } finally {
    await env.teardown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
