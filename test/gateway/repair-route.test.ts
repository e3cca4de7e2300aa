import { randomBytes, randomUUID } from 'node:crypto';
import { atStage, lifecycleInput } from '../support/lifecycle-harness';
import { call, KEYS, sha256Hex, waitForInterview, type InterviewAnswer } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * `POST /v1/assemblies/{id}/repair`: who may call it, what it accepts, and that it reaches the
 * lifecycle's `repair` update: a lifecycle that needs attention is repaired and completes, one
 * that does not refuses it (409 request-rejected) and nothing changes.
 */

const REPAIRER = `repairer-${randomBytes(16).toString('hex')}`;
const READER = `reader-${randomBytes(16).toString('hex')}`;

let interview: InterviewAnswer;

// Declared before the testbed: jest runs afterAll hooks in the order they are declared.
afterAll(async () => {
  await call(`${bed.gateway.url}/v1/assemblies/${interview.id}/cancel`, { method: 'POST' });
});

const bed = gatewayTestbed({
  env: {
    GATEWAY_API_KEYS:
      `ops:${sha256Hex(KEYS.ops)} tenancies=* permissions=admin; ` +
      `repairer:${sha256Hex(REPAIRER)} tenancies=* permissions=repair,read; ` +
      `reader:${sha256Hex(READER)} tenancies=* permissions=read`,
  },
});

beforeAll(async () => {
  const started = await call(`${bed.gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `repair-${randomUUID()}` }),
  });
  interview = await waitForInterview(bed.gateway.url, started.json.id);
});

const repair = (body: unknown, key: string = REPAIRER, id = interview.id) =>
  call(`${bed.gateway.url}/v1/assemblies/${encodeURIComponent(id)}/repair`, { method: 'POST', key, body });

test('a lifecycle that does not need attention refuses the repair: 409 request-rejected, nothing changes', async () => {
  for (const action of ['retry', 'accept-completed', 'abandon']) {
    const answer = await repair({ action, note: 'operator test' });
    expect([action, answer.status, answer.json.error.code]).toEqual([action, 409, 'request-rejected']);
  }
  // admin holds every permission, repair included.
  expect((await repair({ action: 'retry' }, KEYS.ops)).json.error.code).toBe('request-rejected');
  const status = await call(`${bed.gateway.url}/v1/assemblies/${interview.id}`);
  expect([status.json.stage, status.json.activeSession.interviewCompleted]).toEqual([
    'waiting-for-interview',
    false,
  ]);
});

test('a lifecycle that needs attention is repaired over HTTP: 200, and it goes on to complete', async () => {
  // The principal's scope no longer covers creating work items (one 403): an operator can fix that.
  bed.h.emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault: 'error', status: 403 }] });
  const started = await call(`${bed.gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `repair-ok-${randomUUID()}`, mode: 'batch' }),
  });
  const id = started.json.id as string;
  const attention = await atStage(bed.overHttp(READER), id, 'needs-attention');
  expect(attention.attention).toMatchObject({ reason: 'forbidden', call: 'createWorkItem' });

  const answer = await repair({ action: 'retry', note: 'scope restored' }, REPAIRER, id);
  expect([answer.status, answer.json]).toEqual([
    200,
    { id, action: 'retry', stage: expect.not.stringMatching(/^needs-attention$/), at: expect.any(String) },
  ]);
  const result = await call(`${bed.gateway.url}/v1/assemblies/${id}/result?wait=true`, { key: READER });
  expect([result.status, result.json.outcome]).toEqual([200, 'completed']);
  const status = await call(`${bed.gateway.url}/v1/assemblies/${id}`, { key: READER });
  expect(status.json.repairs).toEqual([
    expect.objectContaining({ action: 'retry', reason: 'forbidden', note: 'scope restored' }),
  ]);
  expect(bed.h.emulator.workItem(result.json.workItemId)!.versions.map((v) => v.status)).toEqual([
    'Completed',
  ]);
});

test('bad repair bodies: 400 validation-failed naming the field, before anything reaches Temporal', async () => {
  const cases: [unknown, { path: string; message: string }[]][] = [
    [
      { action: 'reboot' },
      [{ path: 'action', message: 'action must be one of retry, accept-completed, abandon' }],
    ],
    [{}, [{ path: 'action', message: 'action must be one of retry, accept-completed, abandon' }]],
    [
      { action: 'retry', note: 'x'.repeat(501) },
      [{ path: 'note', message: 'note must be at most 500 characters' }],
    ],
    [{ action: 'retry', note: 7 }, [{ path: 'note', message: 'note must be a string' }]],
    [{ action: 'retry', force: true }, [{ path: 'force', message: 'unknown field' }]],
  ];
  for (const [body, problems] of cases) {
    const answer = await repair(body);
    expect([body, answer.status, answer.json.error.code, answer.json.error.problems]).toEqual([
      body,
      400,
      'validation-failed',
      problems,
    ]);
  }
  const none = await call(`${bed.gateway.url}/v1/assemblies/${interview.id}/repair`, {
    method: 'POST',
    key: REPAIRER,
  });
  expect([none.status, none.json.error.code]).toEqual([400, 'validation-failed']);
});

test('who may repair: 403 without the permission, 404 for an unknown lifecycle, 401 without a key', async () => {
  const reader = await repair({ action: 'retry' }, READER);
  expect([reader.status, reader.json.error.code]).toEqual([403, 'forbidden']);
  expect(reader.json.error.message).toBe('API key "reader" does not have the permission "repair"');
  const unknown = await repair({ action: 'retry' }, REPAIRER, `assembly-nobody-${randomUUID()}`);
  expect([unknown.status, unknown.json.error.code]).toEqual([404, 'lifecycle-not-found']);
  const anonymous = await call(`${bed.gateway.url}/v1/assemblies/${interview.id}/repair`, {
    method: 'POST',
    key: null,
    body: { action: 'retry' },
  });
  expect(anonymous.status).toBe(401);
});
