import { randomBytes } from 'node:crypto';
import { eventually, lifecycleInput } from '../support/lifecycle-harness';
import { expectCollectedWithoutOurComplete } from '../support/completed-in-advance';
import { endpointsFor as endpointsOf } from '../support/emulator-record';
import { ENDPOINTS, PROTOCOL } from '../support/protocol';
import { gatewayTestbed } from '../support/testbed';

/**
 * Advance's own webhook registered on the gateway (`POST /v1/advance-webhooks`, HMAC code in the
 * form field `token`, the emulator posting as Advance would). A version completed in Advance's own
 * web app while the lifecycle waits at its interview: on v2.0 the webhook makes the lifecycle read
 * the version's status at once — its own slow read is 15 minutes away — and it collects the
 * documents without a Core finish or a Complete of its own. On v1.1 a webhook changes nothing.
 */

const HMAC_CODE = randomBytes(24).toString('base64url');
const bed = gatewayTestbed({ env: { GATEWAY_ADVANCE_WEBHOOK_HMAC: HMAC_CODE } });

beforeAll(() => {
  bed.h.emulator.registerWebhook({
    url: `${bed.gateway.url}/v1/advance-webhooks`,
    verification: 'hmac-token',
    secret: HMAC_CODE,
  });
});

const endpointsFor = (workItemId: string): string[] => endpointsOf(bed.h.emulator, workItemId);

async function signalsOf(lifecycleId: string, name: string): Promise<number> {
  const events = (await bed.env.client.workflow.getHandle(lifecycleId).fetchHistory()).events ?? [];
  return events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === name).length;
}

if (PROTOCOL === 'v2.0') {
  test("v2.0: completed in Advance's web app, the webhook moves the lifecycle on; documents stored, no finish and no Complete of ours", async () => {
    // The default interval (15m): only the webhook can end this wait within the test's time.
    const { lifecycleId } = await bed.h.lifecycles.start(lifecycleInput());
    const waiting = await bed.atStage(lifecycleId, 'waiting-for-interview');
    const { workItemId } = waiting;
    const versionId = waiting.activeSession!.versionId;
    expect(bed.h.emulator.completeInAdvance(workItemId, versionId)).toBe(true);

    const calls = await expectCollectedWithoutOurComplete(bed.h.lifecycles, bed.h.emulator, {
      lifecycleId,
      workItemId,
      versionId,
    });
    expect(calls.filter((c) => c === `getVersionStatus:${versionId}`)).toHaveLength(1);
    expect(bed.h.emulator.webhooks().filter((w) => w.workItemId === workItemId)).toEqual([
      expect.objectContaining({ event: 'NewWorkItemVersionComplete', outcome: 'delivered', httpStatus: 200 }),
    ]);
    expect(await signalsOf(lifecycleId, 'advanceWebhook')).toBe(1);
  });

  test('v2.0: our own Complete fires the webhook too; the lifecycle reads and completes once', async () => {
    const { lifecycleId } = await bed.h.lifecycles.start(lifecycleInput());
    const waiting = await bed.atStage(lifecycleId, 'waiting-for-interview');
    const versionId = waiting.activeSession!.versionId;
    await bed.h.lifecycles.interviewCompleted(lifecycleId, versionId);
    expect((await bed.h.lifecycles.result(lifecycleId)).outcome).toBe('completed');
    const calls = endpointsFor(waiting.workItemId);
    expect(calls.filter((c) => c === `${ENDPOINTS.complete}:${versionId}`)).toHaveLength(1);
    await eventually(
      () =>
        bed.h.emulator
          .webhooks()
          .some((w) => w.workItemId === waiting.workItemId && w.outcome === 'delivered')
          ? true
          : undefined,
      { what: 'the webhook of our own completion' },
    );
  });
} else {
  test('v1.1: a webhook for a waiting lifecycle changes nothing: it completes through CompleteSession', async () => {
    const { lifecycleId } = await bed.h.lifecycles.start(lifecycleInput());
    const waiting = await bed.atStage(lifecycleId, 'waiting-for-interview');
    const body = new URLSearchParams({
      token: HMAC_CODE,
      eventType: 'NewWorkItemVersionComplete',
      workItemId: waiting.workItemId,
    });
    const answer = await fetch(`${bed.gateway.url}/v1/advance-webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ received: true, delivered: true });
    await bed.h.lifecycles.interviewCompleted(lifecycleId, waiting.activeSession!.versionId);
    expect((await bed.h.lifecycles.result(lifecycleId)).outcome).toBe('completed');
    const calls = endpointsFor(waiting.workItemId);
    expect(calls).toContain(`${ENDPOINTS.complete}:${waiting.activeSession!.versionId}`);
    expect(calls.filter((c) => c.startsWith('getVersionStatus'))).toEqual([]);
    expect(await signalsOf(lifecycleId, 'advanceWebhook')).toBe(1);
  });
}
