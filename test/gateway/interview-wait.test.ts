import { randomUUID } from 'node:crypto';
import { lifecycleInput } from '../support/lifecycle-harness';
import { call } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * `GET /v1/assemblies/{id}/interview?wait=true` right after the start: the host page (or a pasted
 * `curl`) gets the interview once the session has begun, instead of 409 while it is being begun.
 */

const bed = gatewayTestbed();

test('asked at once after the start, with ?wait=true: the begun interview and its finish link', async () => {
  expect.assertions(3);
  const created = await call(`${bed.gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `wait-${randomUUID()}` }),
  });
  const interview = await call(`${created.json.links.interview}?wait=true`);
  expect(interview.status).toBe(200);
  expect(interview.json.finishUrl).toMatch(/\/v1\/finish\//);
  const status = await call(created.json.links.self);
  expect(status.json.activeSession.versionId).toBe(interview.json.versionId);
});

test('a batch lifecycle never has an interview: ?wait=true answers 409 without waiting out the limit', async () => {
  expect.assertions(2);
  const created = await call(`${bed.gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `wait-${randomUUID()}`, mode: 'batch' }),
  });
  const interview = await call(`${created.json.links.interview}?wait=true`);
  expect(interview.status).toBe(409);
  expect(interview.json.error.code).toBe('no-interview-waiting');
});
