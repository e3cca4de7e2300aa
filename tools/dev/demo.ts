import { setTimeout as sleep } from 'node:timers/promises';
import type { LifecycleClient, LifecycleStage, LifecycleStatus, StartedLifecycle } from '../../src/client';

/** The demo's work item: GUIDs of the emulator's (any GUID is accepted there). */
const DEMO_INPUT = {
  workItem: {
    name: 'Demo lease for Ann Example',
    workGroupId: '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11',
    templatePackageId: '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22',
  },
  answerXml:
    '<AnswerSet><Answer name="Tenant"><TextValue>Ann Example</TextValue></Answer>' +
    '<Answer name="MonthlyRent"><NumValue>1250</NumValue></Answer></AnswerSet>',
  interview: { deadline: '14d', reminders: ['1d', '7d'] },
};

/**
 * Starts the demo lifecycle, or finds the one a previous `npm run dev` left running: business keys
 * `demo-1`, `demo-2`, ... — the first that is still running, or the first unused.
 */
export async function startDemoLifecycle(lifecycles: LifecycleClient): Promise<StartedLifecycle> {
  for (let n = 1; ; n += 1) {
    const started = await lifecycles.start({ ...DEMO_INPUT, businessKey: `demo-${n}` });
    if (started.created || started.status === 'RUNNING') return started;
  }
}

/** Polls `status` until the stage is one of `stages`; `timeoutMs` 0 waits for ever. */
export async function waitForStage(
  lifecycles: LifecycleClient,
  lifecycleId: string,
  stages: LifecycleStage[],
  timeoutMs = 60_000,
): Promise<LifecycleStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await lifecycles.status(lifecycleId);
    if (stages.includes(status.stage)) return status;
    if (timeoutMs > 0 && Date.now() > deadline) {
      throw new Error(`${lifecycleId} did not reach ${stages.join(' or ')} (it is ${status.stage})`);
    }
    await sleep(500);
  }
}
