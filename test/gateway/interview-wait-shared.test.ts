import { randomUUID } from 'node:crypto';
import { lifecycleInput, eventually } from '../support/lifecycle-harness';
import { call } from '../support/gateway-harness';
import { ENDPOINTS } from '../support/protocol';
import { gatewayTestbed } from '../support/testbed';

/**
 * Many callers waiting for one lifecycle's interview (`?wait=true`) cost the lifecycle one
 * `interviewReady` update, not one per caller and no status reads while they wait: the workflow
 * pushes the answer, the gateway shares it.
 */

// Declared before the testbed: jest runs afterAll hooks in the order they are declared.
afterAll(async () => {
  bed.h.emulator.releaseDelayedRequests();
});

const bed = gatewayTestbed();

test('25 waits held on one lifecycle: one update in its history, every caller gets the same session', async () => {
  expect.assertions(4);
  // Advance holds the begin, so that every wait is under way before the session begins.
  bed.h.emulator.setFaults({
    script: [{ endpoint: ENDPOINTS.begin, fault: 'latency', latencyMs: 60_000, times: 10 }],
  });
  const created = await call(`${bed.gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `shared-wait-${randomUUID()}` }),
  });
  const waits = Array.from({ length: 25 }, () => call(`${created.json.links.interview}?wait=true`));
  await eventually(
    () => {
      const counts = bed.gateway.interviewWaitCounts();
      return counts.waiting === 25 ? counts : undefined;
    },
    { what: 'all 25 waits held', timeoutMs: 90_000 },
  );
  expect(bed.gateway.interviewWaitCounts().inFlight).toBe(1);
  bed.h.emulator.releaseDelayedRequests();
  const answers = await Promise.all(waits);
  expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 25 }, () => 200));
  expect(new Set(answers.map((a) => a.json.versionId)).size).toBe(1);
  const history = await bed.env.client.workflow.getHandle(created.json.id).fetchHistory();
  const updates = (history.events ?? []).filter(
    (e) =>
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'interviewReady',
  );
  expect(updates).toHaveLength(1);
}, 240_000);
