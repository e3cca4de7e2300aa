import { randomUUID } from 'node:crypto';
import { lifecycleInput } from '../support/lifecycle-harness';
import { call } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * `POST /v1/assemblies?wait=interview`: the start and the interview link in one call, idempotent
 * on the business key — a repeat answers with the same session.
 */

const bed = gatewayTestbed({ env: { GATEWAY_WAIT_LIMIT: '10m' } });

beforeAll(async () => {
  // A wait that only the limit could end would outlast the test's own timeout.
});

test('one call: the lifecycle started and its begun interview with a finish link; a repeat gets the same session', async () => {
  expect.assertions(7);
  const body = lifecycleInput({ businessKey: `start-wait-${randomUUID()}` });
  const first = await call(`${bed.gateway.url}/v1/assemblies?wait=interview`, { method: 'POST', body });
  expect(first.status).toBe(201);
  expect(first.json.interview.finishUrl).toMatch(/\/v1\/finish\//);
  expect(first.json.interview.id).toBe(first.json.id);
  const status = await call(first.json.links.self);
  expect(status.json.activeSession.versionId).toBe(first.json.interview.versionId);

  const repeat = await call(`${bed.gateway.url}/v1/assemblies?wait=interview`, { method: 'POST', body });
  expect(repeat.status).toBe(200);
  expect(repeat.json.created).toBe(false);
  expect(repeat.json.interview.versionId).toBe(first.json.interview.versionId);
});

test('a batch lifecycle has no interview: started, answered without one, without waiting out the limit', async () => {
  expect.assertions(2);
  const answer = await call(`${bed.gateway.url}/v1/assemblies?wait=interview`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `start-wait-${randomUUID()}`, mode: 'batch' }),
  });
  expect(answer.status).toBe(201);
  expect(answer.json.interview).toBeUndefined();
});

test('any other wait value is refused as invalid', async () => {
  expect.assertions(2);
  const answer = await call(`${bed.gateway.url}/v1/assemblies?wait=true`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `start-wait-${randomUUID()}` }),
  });
  expect(answer.status).toBe(400);
  expect(answer.json.error.code).toBe('validation-failed');
});
