import { randomBytes } from 'node:crypto';
import { eventually } from '../support/lifecycle-harness';
import { lifecycleTestbed } from '../support/testbed';

/**
 * A session Advance could not confirm, accepted as completed by an operator: the completion
 * webhook's `session.completed` says so, naming the repair and who made it, so a business system
 * that acts on the event can tell it from a session Advance confirmed. HotDocs Advance v1.1 (this
 * project's run): a CompleteSession whose answer is lost after Advance applied it, on a server that
 * lists no versions and with nothing assembled to confirm it by (v2.0 reads the version's status,
 * which settles it without an operator).
 */

const SECRET = randomBytes(32).toString('hex');
const bed = lifecycleTestbed({ webhookSecret: SECRET });

test('session.completed of a session an operator accepted names the repair and who made it', async () => {
  bed.emulator.setBehaviour({ exposeVersions: false });
  bed.emulator.setFaults({ script: [{ endpoint: 'completeSession', fault: 'apply-then-error' }] });
  const { lifecycleId } = await bed.start({ mode: 'batch', runAssembly: false });
  await bed.atStage(lifecycleId, 'needs-attention', { timeoutMs: 60_000 });
  await bed.lifecycles.repair(lifecycleId, {
    action: 'accept-completed',
    by: 'ops-jane',
    note: 'checked in Advance: completed',
  });
  expect((await bed.lifecycles.result(lifecycleId)).outcome).toBe('completed');
  const session = await eventually(() =>
    bed.receiver.handled.find((e) => e.lifecycleId === lifecycleId && e.type === 'session.completed'),
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
    bed.receiver.handled.find((e) => e.lifecycleId === lifecycleId && e.type === 'lifecycle.completed'),
  );
  expect(ended.repairs).toEqual([session.acceptedBy]);
  expect(ended).not.toHaveProperty('acceptedBy');
});
