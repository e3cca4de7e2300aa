import { randomUUID } from 'node:crypto';
import { lifecycleInput, eventually } from '../support/lifecycle-harness';
import { call, KEYS } from '../support/gateway-harness';
import { ENDPOINTS } from '../support/protocol';
import { gatewayTestbed } from '../support/testbed';

/**
 * Held-open interview waits are capped per API key (429) and per gateway (503), both with
 * Retry-After; the waits admitted still get their answer.
 */

// Declared before the testbed: jest runs afterAll hooks in the order they are declared.
afterAll(async () => {
  bed.h.emulator.releaseDelayedRequests();
});

const bed = gatewayTestbed({ env: { GATEWAY_WAITS_PER_API_KEY: '3', GATEWAY_WAITS_MAX: '5' } });

test('beyond its share a key gets 429, beyond the gateway total anyone gets 503; the held ones answer', async () => {
  expect.assertions(7);
  bed.h.emulator.setFaults({
    script: [{ endpoint: ENDPOINTS.begin, fault: 'latency', latencyMs: 60_000, times: 10 }],
  });
  const created = await call(`${bed.gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `capped-wait-${randomUUID()}` }),
  });
  const url = `${created.json.links.interview}?wait=true`;
  const held = [1, 2, 3].map(() => call(url, { key: KEYS.ops }));
  await eventually(() => (bed.gateway.interviewWaitCounts().waiting === 3 ? true : undefined), {
    what: "the ops key's 3 waits held",
    timeoutMs: 90_000,
  });
  const overKey = await call(url, { key: KEYS.ops });
  expect(overKey.status).toBe(429);
  expect(overKey.json.error.code).toBe('too-many-waits');
  expect(Number(overKey.headers['retry-after'])).toBeGreaterThan(0);

  held.push(call(url, { key: KEYS.crm }), call(url, { key: KEYS.crm }));
  await eventually(() => (bed.gateway.interviewWaitCounts().waiting === 5 ? true : undefined), {
    what: 'all 5 waits held',
    timeoutMs: 90_000,
  });
  const overTotal = await call(url, { key: KEYS.crm });
  expect(overTotal.status).toBe(503);
  expect(overTotal.json.error.code).toBe('waits-at-capacity');
  expect(Number(overTotal.headers['retry-after'])).toBeGreaterThan(0);

  bed.h.emulator.releaseDelayedRequests();
  expect((await Promise.all(held)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
}, 240_000);
