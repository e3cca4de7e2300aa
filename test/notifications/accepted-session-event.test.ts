import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  createHarnessWithReceiver,
  type LifecycleEventReceiverServer,
} from '../support/lifecycle-event-receiver';
import { eventually, lifecycleInput, type Harness } from '../support/lifecycle-harness';
import { connectTestEnvironment } from '../support/temporal';

/**
 * A session Advance could not confirm, accepted as completed by an operator: the completion
 * webhook's `session.completed` says so, naming the repair and who made it, so a business system
 * that acts on the event can tell it from a session Advance confirmed. HotDocs Advance v1.1 (this
 * project's run): a CompleteSession whose answer is lost after Advance applied it, on a server that
 * lists no versions and with nothing assembled to confirm it by (v2.0 reads the version's status,
 * which settles it without an operator).
 */

const SECRET = randomBytes(32).toString('hex');
let env: TestWorkflowEnvironment;
let h: Harness;
let receiver: LifecycleEventReceiverServer;

beforeAll(async () => {
  env = await connectTestEnvironment();
  ({ h, receiver } = await createHarnessWithReceiver(env, SECRET));
});

afterAll(async () => {
  await h?.close();
  await receiver?.close();
  await env?.teardown();
});

test('session.completed of a session an operator accepted names the repair and who made it', async () => {
  h.emulator.setBehaviour({ exposeVersions: false });
  h.emulator.setFaults({ script: [{ endpoint: 'completeSession', fault: 'apply-then-error' }] });
  const { lifecycleId } = await h.lifecycles.start(lifecycleInput({ mode: 'batch', runAssembly: false }));
  await eventually(
    async () => ((await h.lifecycles.status(lifecycleId)).stage === 'needs-attention' ? true : undefined),
    { timeoutMs: 60_000, what: `${lifecycleId} to need attention` },
  );
  await h.lifecycles.repair(lifecycleId, {
    action: 'accept-completed',
    by: 'ops-jane',
    note: 'checked in Advance: completed',
  });
  expect((await h.lifecycles.result(lifecycleId)).outcome).toBe('completed');
  const session = await eventually(() =>
    receiver.handled.find((e) => e.lifecycleId === lifecycleId && e.type === 'session.completed'),
  );
  expect(session.acceptedBy).toEqual({
    action: 'accept-completed',
    by: 'ops-jane',
    note: 'checked in Advance: completed',
    at: expect.any(String),
    reason: 'outcome-unconfirmed',
    call: 'completeSession',
  });
  const ended = await eventually(() =>
    receiver.handled.find((e) => e.lifecycleId === lifecycleId && e.type === 'lifecycle.completed'),
  );
  expect(ended.repairs).toEqual([session.acceptedBy]);
  expect(ended).not.toHaveProperty('acceptedBy');
});
