/**
 * The peer workflow (its own `workflowsPath`): the lifecycle as Temporal's samples teach it — one
 * regular activity per step, the signal awaited with `condition`, nothing else. The activities
 * (activities.ts) make the real HotDocs Advance calls the plain way. `ours/peer` in the benchmark
 * compares the project's lifecycle with this one, on the same server, emulator and rounds.
 */
import { condition, defineSignal, proxyActivities, setHandler, uuid4 } from '@temporalio/workflow';
import type { PeerActivities } from './activities';

const steps = proxyActivities<PeerActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Same name and argument as the lifecycle's signal, so the driver sends the same message. */
export const interviewCompletedSignal = defineSignal<[{ versionId: string }]>('interviewCompleted');

export interface PeerInput {
  workItem: { id?: string; name: string; workGroupId: string; templatePackageId: string };
  answerXml?: string;
  mode?: 'interview' | 'batch';
}

export interface PeerResult {
  outcome: 'completed';
  workItemId: string;
  sessions: Array<{ versionId: string; documents: unknown[] }>;
}

export async function peerLifecycle(input: PeerInput): Promise<PeerResult> {
  const workItemId = input.workItem.id ?? uuid4();
  const versionId = uuid4();
  let interviewCompleted = false;
  setHandler(interviewCompletedSignal, (message) => {
    if (message.versionId === versionId) interviewCompleted = true;
  });

  const token = await steps.acquireToken();
  await steps.createWorkItem({
    token,
    workItem: { ...input.workItem, id: workItemId },
    answerXml: input.answerXml,
  });
  await steps.beginSession({ token, workItemId, versionId, answerXml: input.answerXml });
  if ((input.mode ?? 'interview') === 'interview') await condition(() => interviewCompleted);
  await steps.completeSession({ token, workItemId, versionId });
  const documents = await steps.storeDocuments({ token, workItemId, versionId });
  return { outcome: 'completed', workItemId, sessions: [{ versionId, documents }] };
}
