import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createEventDeliveryActivities } from '../../src/activities';
import { lifecycleEventSchema } from '../../src/client';
import { CompletionWebhook } from '../../src/notifications/completion-webhook';
import { lifecycleEvent, type LifecycleEvent } from '../../src/notifications/lifecycle-events';
import { FailureType } from '../../src/workflows/failure-types';
import {
  eventDeliveryWorkflowId,
  lifecycleEventDelivery,
  type EventDeliveryPolicy,
} from '../../src/workflows/event-delivery';
import { announcedEventsQuery, announcingLifecycle } from '../fixtures/workflows/announcing-lifecycle';
import { createHarness, eventually, type Harness } from '../support/lifecycle-harness';
import { LifecycleEventReceiverServer, type ReceiverFault } from '../support/lifecycle-event-receiver';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';

/**
 * Lifecycle events delivered by `lifecycleEventDelivery` on the shared dev server to a real HTTP
 * receiver that fails in every way a network and a business system can: each event is handled
 * exactly once per id, retries happen, refusals stop them, and the delivery outlives its
 * lifecycle. The lifecycle's own wiring is tested with the lifecycle; here the delivery runs on
 * its own and under a stand-in lifecycle (test/fixtures/workflows/announcing-lifecycle.ts).
 */

const SECRET = 'completion-webhook-test-key';
const GATEWAY = 'https://gateway.example.test';
/** Quick retries, so that the test takes seconds; production waits 5s, doubling up to 10m. */
const FAST: EventDeliveryPolicy = {
  firstRetryAfterMs: 300,
  maxRetryIntervalMs: 1_000,
  giveUpAfterMs: 60_000,
};

let env: TestWorkflowEnvironment;
let h: Harness;
let receiver: LifecycleEventReceiverServer;
let secretDir: string;

beforeAll(async () => {
  env = await connectTestEnvironment();
  receiver = await LifecycleEventReceiverServer.start(SECRET);
  secretDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-webhook-'));
  await writeFile(path.join(secretDir, 'secret'), `${SECRET}\n`);
  // The worker as an operator configures it: the environment, through src/config and src/worker.
  h = await createHarness(
    env,
    {},
    {
      COMPLETION_WEBHOOK_URL: receiver.url,
      COMPLETION_WEBHOOK_SECRET_FILE: path.join(secretDir, 'secret'),
      COMPLETION_WEBHOOK_TIMEOUT: '1s',
      GATEWAY_PUBLIC_URL: GATEWAY,
    },
  );
  await h.startWorker();
}, 120_000);

afterAll(async () => {
  await h?.close();
  await receiver?.close();
  await env?.teardown();
  if (secretDir !== undefined) await rm(secretDir, { recursive: true, force: true });
});

function sessionEvent(lifecycleId = `assembly-${randomUUID()}`): LifecycleEvent {
  return lifecycleEvent(
    'session.completed',
    {
      lifecycleId,
      businessKey: 'lease-42',
      workItemId: randomUUID(),
      versionId: randomUUID(),
      documents: [
        {
          documentId: 'doc-1',
          name: 'Lease',
          fileName: 'Lease.pdf',
          contentType: 'application/pdf',
          size: 12,
          sha256: 'a'.repeat(64),
        },
      ],
    },
    { id: randomUUID(), occurredAt: new Date().toISOString() },
  );
}

async function deliver(event: LifecycleEvent, policy: EventDeliveryPolicy = FAST) {
  return env.client.workflow.execute(lifecycleEventDelivery, {
    taskQueue: h.taskQueue,
    workflowId: eventDeliveryWorkflowId(event),
    args: [event, policy],
  });
}

test('every event is handled exactly once despite 500s, timeouts, dropped connections and lost answers', async () => {
  const scenarios: ReceiverFault[][] = [
    [],
    ['error-500', 'error-500'],
    ['drop'],
    ['hang'],
    ['throttle'],
    ['handled-then-drop'],
    ['handled-then-hang'],
    ['handled-then-drop', 'error-500'],
  ];
  const events = scenarios.map(() => sessionEvent());
  events.forEach((event, i) => receiver.inject(event.id, scenarios[i]!));

  const reports = await Promise.all(events.map((event) => deliver(event)));

  const duplicatesBefore = receiver.refusals.filter((r) => r === 'duplicate-event').length;
  events.forEach((event, i) => {
    const faults = scenarios[i]!;
    const requests = receiver.requestsFor(event.id);
    expect({ faults, handled: receiver.handledCount(event.id) }).toEqual({ faults, handled: 1 });
    expect({ faults, attempts: reports[i]!.attempts, requests: requests.length }).toEqual({
      faults,
      attempts: faults.length + 1,
      requests: faults.length + 1,
    });
    expect(reports[i]).toMatchObject({
      eventId: event.id,
      eventType: 'session.completed',
      delivered: true,
      outcome: 'delivered',
    });
    expect(reports[i]!.lastError).toBeUndefined();
    // Handled once and answered 204; a retry after a lost answer is a duplicate, answered 200.
    const last = requests.at(-1)!;
    const handledEarlier = faults.some((f) => f.startsWith('handled-then'));
    expect({ faults, lastStatus: last.status }).toEqual({ faults, lastStatus: handledEarlier ? 200 : 204 });
  });
  expect(duplicatesBefore).toBe(3);
  // No lifecycle runs under these ids: the report had nowhere to go, and that is fine.
  expect(reports.every((r) => !r.lifecycleNotified)).toBe(true);
});

test('the receiver gets the event as built, with gateway links, valid against the published schema', async () => {
  const event = sessionEvent();
  await deliver(event);
  const [handled] = receiver.handled.filter((e) => e.id === event.id);
  expect(handled).toEqual({
    ...event,
    documents: [
      { ...event.documents![0]!, href: `${GATEWAY}/v1/assemblies/${event.lifecycleId}/documents/doc-1` },
    ],
  });
  expect(lifecycleEventSchema.safeParse(handled).success).toBe(true);
});

test('a refusal (410 Gone) is not retried and is reported as refused', async () => {
  const event = sessionEvent();
  receiver.inject(event.id, ['gone']);
  const report = await deliver(event);
  expect(report).toMatchObject({ delivered: false, outcome: 'refused', attempts: 1 });
  expect(report.lastError).toMatch(/HTTP 410/);
  expect(receiver.requestsFor(event.id)).toHaveLength(1);
  expect(receiver.handledCount(event.id)).toBe(0);
});

test('a receiver that keeps failing is given up on when the delivery time runs out', async () => {
  const event = sessionEvent();
  receiver.inject(event.id, Array<ReceiverFault>(100).fill('error-500'));
  const report = await deliver(event, { ...FAST, giveUpAfterMs: 4_000 });
  expect(report).toMatchObject({ delivered: false, outcome: 'gave-up' });
  expect(report.attempts).toBeGreaterThanOrEqual(2);
  expect(report.attempts).toBe(receiver.requestsFor(event.id).length);
  expect(report.lastError).toMatch(/^gave up after 4s: completion webhook answered HTTP 500$/);
  expect(receiver.handledCount(event.id)).toBe(0);
});

test('a delivery policy that is not positive milliseconds fails the delivery with a typed error', async () => {
  expect.assertions(2);
  const event = sessionEvent();
  try {
    await deliver(event, { giveUpAfterMs: -1 });
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause instanceof ApplicationFailure && cause.type).toBe(FailureType.InvalidEventDeliveryPolicy);
  }
});

describe('announced by a lifecycle (a stand-in that calls announceLifecycleEvent as the lifecycle does)', () => {
  let taskQueue: string;
  let worker: Worker;
  let running: Promise<void>;

  beforeAll(async () => {
    taskQueue = uniqueTaskQueue('announcing');
    worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/workflows/announcing-lifecycle'),
      activities: createEventDeliveryActivities({
        completionWebhook: new CompletionWebhook({ url: receiver.url, secret: SECRET, timeoutMs: 1_000 }),
      }),
    });
    running = worker.run();
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
  });

  const start = (then: 'reports' | 'close' | 'forever') =>
    env.client.workflow.start(announcingLifecycle, {
      taskQueue,
      workflowId: `assembly-announcing-${randomUUID()}`,
      args: [{ policy: FAST, then }],
    });

  async function announced(workflowId: string, count: number): Promise<LifecycleEvent[]> {
    const handle = env.client.workflow.getHandle(workflowId);
    return eventually(async () => {
      const events = await handle.query(announcedEventsQuery);
      return events.length >= count ? events : undefined;
    });
  }

  test('the lifecycle gets one report per event, each event is handled once, a repeat starts nothing', async () => {
    // The workflow chooses the ids: the faults go to whichever of its events arrives first.
    receiver.injectIntoNextEvent(['error-500', 'handled-then-drop']);
    const handle = await start('reports');
    const result = await handle.result();

    expect(result.reports.map((r) => r.attempts).sort()).toEqual([1, 3]);
    expect(result.repeatStarted).toBe(false);
    expect(result.events.map((e) => e.type)).toEqual(['session.completed', 'lifecycle.completed']);
    expect(result.reports.map((r) => r.eventId).sort()).toEqual(result.events.map((e) => e.id).sort());
    expect(result.reports.every((r) => r.delivered)).toBe(true);
    for (const event of result.events) {
      expect(receiver.handledCount(event.id)).toBe(1);
      const child = await env.client.workflow.getHandle(eventDeliveryWorkflowId(event)).describe();
      expect(child.type).toBe('lifecycleEventDelivery');
      expect(child.taskQueue).toBe(taskQueue);
      expect(child.parentExecution?.workflowId).toBe(handle.workflowId);
    }
  });

  test('deliveries outlive a lifecycle that closes at once; their reports go nowhere', async () => {
    // Two failed attempts (≥ 0.9 s of backoff) keep both deliveries going well after the
    // lifecycle, which closes in its next workflow task.
    receiver.injectIntoNextEvent(['error-500', 'error-500']);
    receiver.injectIntoNextEvent(['error-500', 'error-500']);
    const handle = await start('close');
    await handle.result();
    const events = await handle.query(announcedEventsQuery);
    expect(events).toHaveLength(2);
    for (const event of events) {
      const outcome = await env.client.workflow.getHandle(eventDeliveryWorkflowId(event)).result();
      expect(outcome).toMatchObject({
        eventId: event.id,
        delivered: true,
        attempts: 3,
        lifecycleNotified: false,
      });
      expect(receiver.handledCount(event.id)).toBe(1);
    }
  });

  test('cancelling the lifecycle cancels no delivery, and lifecycle.cancelled is announced', async () => {
    const handle = await start('forever');
    const [session] = await announced(handle.workflowId, 1);
    await handle.cancel();
    const events = await announced(handle.workflowId, 2);
    expect(events.map((e) => e.type)).toEqual(['session.completed', 'lifecycle.cancelled']);
    for (const event of events) {
      const outcome = await env.client.workflow.getHandle(eventDeliveryWorkflowId(event)).result();
      expect(outcome).toMatchObject({ eventId: event.id, delivered: true, outcome: 'delivered' });
      expect(receiver.handledCount(event.id)).toBe(1);
    }
    const cancelled = receiver.handled.find((e) => e.id === events[1]!.id);
    expect(cancelled).toMatchObject({ outcome: 'cancelled', reason: 'cancelled by the test' });
    expect(session!.lifecycleId).toBe(handle.workflowId);
  });
});
