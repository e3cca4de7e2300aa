import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LifecycleClient } from '../../src/client';
import { AesGcmPayloadCodec, BOUND_WORKFLOW_ID_METADATA, lifecycleDataConverter } from '../../src/codec';
import { requestFollowUpSessionSignal } from '../../src/workflows/messages';
import { connectTestEnvironment } from '../support/temporal';
import { workflowTaskFailureMessage } from '../support/workflow-task-failure';
import {
  atStage,
  createHarness,
  eventually,
  lifecycleInput,
  type Harness,
} from '../support/lifecycle-harness';

/**
 * The replay attack on encrypted payloads: someone who can write to the namespace but holds no
 * key copies the encrypted follow-up of one lifecycle (another tenant's answers) out of its
 * history and signals it, byte for byte, into another lifecycle. The worker refuses it — the
 * workflow task fails, naming both lifecycles — and nothing reaches Advance; the same bytes sent
 * back into their own lifecycle are read, so it is the binding that refuses them.
 */

const KEY = { id: 'binding-test-key', key: randomBytes(32) };
const SECRET = `Other-Tenant-${randomBytes(4).toString('hex')}`;
const answers = (tenant: string) =>
  `<AnswerSet><Answer name="Tenant"><TextValue>${tenant}</TextValue></Answer></AnswerSet>`;

let env: TestWorkflowEnvironment;
let h: Harness;
let lifecycles: LifecycleClient;

beforeAll(async () => {
  env = await connectTestEnvironment();
  h = await createHarness(env, {}, { PAYLOAD_ENCRYPTION_KEYS: `${KEY.id}:${KEY.key.toString('base64')}` });
  await h.startWorker();
  lifecycles = new LifecycleClient(
    new Client({
      connection: env.connection,
      namespace: env.namespace,
      dataConverter: lifecycleDataConverter([KEY]),
    }),
    { taskQueue: h.taskQueue },
  );
}, 90_000);

afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

/** The input of a lifecycle's first follow-up signal, as Temporal stores it. */
async function followUpPayloads(lifecycleId: string): Promise<Payload[]> {
  const history = await env.client.workflow.getHandle(lifecycleId).fetchHistory();
  const signaled = history.events?.find(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === requestFollowUpSessionSignal.name,
  );
  const payloads = signaled?.workflowExecutionSignaledEventAttributes?.input?.payloads;
  if (!payloads?.length) throw new Error(`no follow-up signal in ${lifecycleId}`);
  return payloads as Payload[];
}

/** A raw signal through Temporal's API: what an attacker without the keys can send. */
async function signalRaw(workflowId: string, payloads: Payload[]): Promise<void> {
  await env.client.workflowService.signalWorkflowExecution({
    namespace: env.namespace ?? 'default',
    workflowExecution: { workflowId },
    signalName: requestFollowUpSessionSignal.name,
    input: { payloads },
    identity: 'namespace-writer-without-keys',
  });
}

const workItemOf = async (lifecycleId: string) => {
  const { workItemId } = await lifecycles.status(lifecycleId);
  return () => h.emulator.workItem(workItemId);
};

test('a follow-up moved from one lifecycle into another is refused; in its own it is read', async () => {
  const tenantA = await lifecycles.start(
    lifecycleInput({ businessKey: `bind-a-${randomUUID()}`, mode: 'batch', keepOpenFor: '1h' }),
  );
  const tenantB = await lifecycles.start(
    lifecycleInput({ businessKey: `bind-b-${randomUUID()}`, mode: 'batch', keepOpenFor: '1h' }),
  );
  await atStage(lifecycles, tenantA.lifecycleId, 'idle');
  await atStage(lifecycles, tenantB.lifecycleId, 'idle');
  const workItemA = await workItemOf(tenantA.lifecycleId);
  const workItemB = await workItemOf(tenantB.lifecycleId);
  await lifecycles.requestFollowUp(tenantA.lifecycleId, { mode: 'batch', answerXml: answers(SECRET) });
  await eventually(async () => (workItemA()?.versions.length === 2 ? true : undefined));
  await atStage(lifecycles, tenantA.lifecycleId, 'idle');

  const stolen = await followUpPayloads(tenantA.lifecycleId);
  // What the attacker sees: ciphertext, labelled with the lifecycle it belongs to.
  expect(Buffer.from(stolen[0]!.data!).toString('latin1')).not.toContain(SECRET);
  expect(Buffer.from(stolen[0]!.metadata![BOUND_WORKFLOW_ID_METADATA]!).toString()).toBe(tenantA.lifecycleId);

  // Control: the same bytes, raw, into their own lifecycle are read and run as a follow-up.
  await signalRaw(tenantA.lifecycleId, stolen);
  await eventually(async () => (workItemA()?.versions.length === 3 ? true : undefined));

  // The attack: into the other tenant's lifecycle.
  await signalRaw(tenantB.lifecycleId, stolen);
  const handleB = env.client.workflow.getHandle(tenantB.lifecycleId);
  // Temporal UI shows it on the lifecycle's pending workflow task, decoded by the codec endpoint.
  const message = await workflowTaskFailureMessage(handleB, new AesGcmPayloadCodec([KEY]));
  expect(message).toContain(
    `refused a payload bound to lifecycle "${tenantA.lifecycleId}" (namespace "${env.namespace ?? 'default'}"), ` +
      `presented to lifecycle "${tenantB.lifecycleId}"`,
  );
  expect(message).not.toContain(SECRET);
  // Nothing of it reached Advance: B's work item has its first version only, with its own answers.
  expect(workItemB()?.versions).toHaveLength(1);
  expect(JSON.stringify(workItemB())).not.toContain(SECRET);
  expect(JSON.stringify(workItemA())).toContain(SECRET);

  // B stays where it was until an operator resets or terminates it (docs/deploy.md).
  await handleB.terminate('payload-binding test: moved payload refused');
  await lifecycles.finish(tenantA.lifecycleId);
  expect((await lifecycles.result(tenantA.lifecycleId)).sessions).toHaveLength(3);
}, 120_000);
