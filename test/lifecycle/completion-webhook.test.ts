import { randomBytes } from 'node:crypto';
import type { LifecycleStatus } from '../../src/client';
import { eventually } from '../support/lifecycle-harness';
import { lifecycleTestbed } from '../support/testbed';

/**
 * A business system that prefers push: with COMPLETION_WEBHOOK_URL set, a lifecycle announces
 * `session.completed` when a session's documents are stored and `lifecycle.*` when it ends, each
 * signed, delivered exactly once per event id however the receiver fails, never holding the
 * lifecycle up, and every delivery visible in `status.events`.
 */

const SECRET = randomBytes(32).toString('hex');
const bed = lifecycleTestbed({ webhookSecret: SECRET });

async function deliveries(id: string, count: number): Promise<LifecycleStatus['events']> {
  return eventually(
    async () => {
      const { events } = await bed.lifecycles.status(id);
      return events?.length === count && events.every((e) => e.delivery !== undefined) ? events : undefined;
    },
    { timeoutMs: 60_000, what: `${count} deliveries of ${id} to end` },
  );
}

test('an interview lifecycle: session.completed with its documents, then lifecycle.completed, through receiver failures', async () => {
  // The receiver fails the first two events in ways that make the sender try again.
  bed.receiver.injectIntoNextEvent(['error-500', 'handled-then-drop']);
  bed.receiver.injectIntoNextEvent(['drop']);
  const { lifecycleId } = await bed.start();
  const waiting = await bed.atStage(lifecycleId, 'waiting-for-interview');
  await bed.lifecycles.interviewCompleted(lifecycleId, waiting.activeSession!.versionId);
  const result = await bed.lifecycles.result(lifecycleId);

  const events = (await deliveries(lifecycleId, 2))!;
  expect(events.map((e) => e.type)).toEqual(['session.completed', 'lifecycle.completed']);
  expect(events.map((e) => e.delivery?.outcome)).toEqual(['delivered', 'delivered']);
  expect(events.map((e) => e.delivery?.attempts)).toEqual([3, 2]);
  // Each event handled once by the business logic, however often it was sent.
  for (const { id } of events) expect(bed.receiver.handledCount(id)).toBe(1);
  const handled = bed.receiver.handled.filter((e) => e.lifecycleId === lifecycleId);
  expect(handled.map((e) => e.type)).toEqual(['session.completed', 'lifecycle.completed']);
  const session = handled[0]!;
  expect(session).toMatchObject({ versionId: result.sessions[0]!.versionId, workItemId: result.workItemId });
  expect(session.documents?.map((d) => d.sha256)).toEqual(result.sessions[0]!.documents.map((d) => d.sha256));
  expect(JSON.stringify(session)).not.toContain('file://');
});

test('a cancelled and a failed lifecycle announce how they ended', async () => {
  const cancelled = (await bed.start()).lifecycleId;
  await bed.atStage(cancelled, 'waiting-for-interview');
  await bed.lifecycles.cancel(cancelled);
  bed.emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault: 'error', status: 400 }] });
  const failed = (await bed.start({ mode: 'batch' })).lifecycleId;
  await bed.lifecycles.result(failed).catch(() => undefined);

  const [cancelledEvent] = (await deliveries(cancelled, 1))!;
  expect(cancelledEvent).toMatchObject({ type: 'lifecycle.cancelled', delivery: { outcome: 'delivered' } });
  // A failed lifecycle cannot take the delivery's signal any more: the receiver tells.
  const failedEvent = await eventually(() =>
    bed.receiver.handled.find((e) => e.lifecycleId === failed && e.type === 'lifecycle.failed'),
  );
  expect(failedEvent.reason).toMatch(/creating-work-item.*400/);
});
