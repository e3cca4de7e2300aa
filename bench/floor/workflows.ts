/**
 * The floor workflow (its own `workflowsPath`): the shape of `assemblyLifecycle` and nothing
 * else. The same activities in the same order with the same options and arguments, the same
 * `interviewCompleted` wait in interview mode, none of the bookkeeping (input checks, search
 * attributes, status, follow-ups, continue-as-new). `lifecycle.*.ratio` compares the real
 * lifecycle with this one, run on the same server by a worker with the same settings.
 */
import { condition, defineSignal, proxyActivities, setHandler, uuid4 } from '@temporalio/workflow';
import type { FloorActivities } from './activities';

// The same activity options as src/workflows/activity-stubs.ts.
const advance = proxyActivities<FloorActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

const documentActivities = proxyActivities<FloorActivities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Same name and argument as the lifecycle's signal, so the driver sends the same message. */
export const interviewCompletedSignal = defineSignal<[{ versionId: string }]>('interviewCompleted');

export interface FloorInput {
  workItem: { id?: string; name: string; workGroupId: string; templatePackageId: string };
  answerXml?: string;
  mode?: 'interview' | 'batch';
  storeDocuments?: boolean;
  tenancy?: string;
}

export interface FloorResult {
  outcome: 'completed';
  workItemId: string;
  sessions: Array<{ versionId: string; documents: unknown[] }>;
}

export async function floorLifecycle(input: FloorInput): Promise<FloorResult> {
  const { tenancy, answerXml } = input;
  const workItemId = input.workItem.id ?? uuid4();
  const versionId = uuid4();
  let interviewCompleted = false;
  setHandler(interviewCompletedSignal, (message) => {
    if (message.versionId === versionId) interviewCompleted = true;
  });

  await advance.acquireToken({ tenancy });
  await advance.createWorkItem({ tenancy, workItem: { ...input.workItem, id: workItemId }, answerXml });
  await advance.beginSession({ tenancy, workItemId, versionId, answerXml });
  if ((input.mode ?? 'interview') === 'interview') await condition(() => interviewCompleted);
  await advance.completeSession({ tenancy, workItemId, versionId, runAssembly: true });
  const args = { tenancy, workItemId, versionId };
  const documents =
    input.storeDocuments === false
      ? await advance.listDocuments(args)
      : await documentActivities.storeDocuments(args);
  return { outcome: 'completed', workItemId, sessions: [{ versionId, documents }] };
}
