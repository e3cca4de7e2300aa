import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningGateway } from '../../src/gateway';
import { startTestGateway } from '../support/gateway-harness';
import {
  atStage,
  createHarness,
  eventually,
  lifecycleInput,
  type Harness,
} from '../support/lifecycle-harness';
import { expectCollectedWithoutOurComplete } from '../support/completed-in-advance';
import { endpointsFor as endpointsOf } from '../support/emulator-record';
import { ENDPOINTS, PROTOCOL } from '../support/protocol';
import { connectTestEnvironment } from '../support/temporal';

/**
 * Advance's own webhook registered on the gateway (`POST /v1/advance-webhooks`, HMAC code in the
 * form field `token`, the emulator posting as Advance would). A version completed in Advance's own
 * web app while the lifecycle waits at its interview: on v2.0 the webhook makes the lifecycle read
 * the version's status at once — its own slow read is 15 minutes away — and it collects the
 * documents without a Core finish or a Complete of its own. On v1.1 a webhook changes nothing.
 */

const HMAC_CODE = randomBytes(24).toString('base64url');
let env: TestWorkflowEnvironment;
let h: Harness;
let gateway: RunningGateway;

beforeAll(async () => {
  env = await connectTestEnvironment();
  h = await createHarness(env);
  await h.startWorker();
  gateway = await startTestGateway(h.lifecycles, { env: { GATEWAY_ADVANCE_WEBHOOK_HMAC: HMAC_CODE } });
  h.emulator.registerWebhook({
    url: `${gateway.url}/v1/advance-webhooks`,
    verification: 'hmac-token',
    secret: HMAC_CODE,
  });
});

afterAll(async () => {
  await gateway?.close();
  await h?.close();
  await env?.teardown();
});

const endpointsFor = (workItemId: string): string[] => endpointsOf(h.emulator, workItemId);

async function signalsOf(lifecycleId: string, name: string): Promise<number> {
  const events = (await env.client.workflow.getHandle(lifecycleId).fetchHistory()).events ?? [];
  return events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
}

if (PROTOCOL === 'v2.0') {
  test("v2.0: completed in Advance's web app, the webhook moves the lifecycle on; documents stored, no finish and no Complete of ours", async () => {
    // The default interval (15m): only the webhook can end this wait within the test's time.
    const { lifecycleId } = await h.lifecycles.start(lifecycleInput());
    const waiting = await atStage(h.lifecycles, lifecycleId, 'waiting-for-interview');
    const { workItemId } = waiting;
    const versionId = waiting.activeSession!.versionId;
    expect(h.emulator.completeInAdvance(workItemId, versionId)).toBe(true);

    const calls = await expectCollectedWithoutOurComplete(h.lifecycles, h.emulator, {
      lifecycleId,
      workItemId,
      versionId,
    });
    expect(calls.filter((c) => c === `getVersionStatus:${versionId}`)).toHaveLength(1);
    expect(h.emulator.webhooks().filter((w) => w.workItemId === workItemId)).toEqual([
      expect.objectContaining({ event: 'NewWorkItemVersionComplete', outcome: 'delivered', httpStatus: 200 }),
    ]);
    expect(await signalsOf(lifecycleId, 'advanceWebhook')).toBe(1);
  });

  test('v2.0: our own Complete fires the webhook too; the lifecycle reads and completes once', async () => {
    const { lifecycleId } = await h.lifecycles.start(lifecycleInput());
    const waiting = await atStage(h.lifecycles, lifecycleId, 'waiting-for-interview');
    const versionId = waiting.activeSession!.versionId;
    await h.lifecycles.interviewCompleted(lifecycleId, versionId);
    expect((await h.lifecycles.result(lifecycleId)).outcome).toBe('completed');
    const calls = endpointsFor(waiting.workItemId);
    expect(calls.filter((c) => c === `${ENDPOINTS.complete}:${versionId}`)).toHaveLength(1);
    await eventually(
      () =>
        h.emulator.webhooks().some((w) => w.workItemId === waiting.workItemId && w.outcome === 'delivered')
          ? true
          : undefined,
      { what: 'the webhook of our own completion' },
    );
  });
} else {
  test('v1.1: a webhook for a waiting lifecycle changes nothing: it completes through CompleteSession', async () => {
    const { lifecycleId } = await h.lifecycles.start(lifecycleInput());
    const waiting = await atStage(h.lifecycles, lifecycleId, 'waiting-for-interview');
    const body = new URLSearchParams({
      token: HMAC_CODE,
      eventType: 'NewWorkItemVersionComplete',
      workItemId: waiting.workItemId,
    });
    const answer = await fetch(`${gateway.url}/v1/advance-webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ received: true, delivered: true });
    await h.lifecycles.interviewCompleted(lifecycleId, waiting.activeSession!.versionId);
    expect((await h.lifecycles.result(lifecycleId)).outcome).toBe('completed');
    const calls = endpointsFor(waiting.workItemId);
    expect(calls).toContain(`${ENDPOINTS.complete}:${waiting.activeSession!.versionId}`);
    expect(calls.filter((c) => c.startsWith('getVersionStatus'))).toEqual([]);
    expect(await signalsOf(lifecycleId, 'advanceWebhook')).toBe(1);
  });
}
