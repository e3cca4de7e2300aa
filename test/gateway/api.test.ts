import { randomUUID } from 'node:crypto';
import { recordFrom } from '../support/emulator-record';
import { eventually, lifecycleInput, atStage } from '../support/lifecycle-harness';
import { call, KEYS, startTestGateway, waitForInterview } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';
import type { LifecycleStage } from '../../src/workflows/message-rules';

/**
 * The REST API end to end over real HTTP: the gateway on a real port in front of the Temporal
 * dev server, an in-process worker and the Advance emulator.
 */

let base: string;

const bed = gatewayTestbed();

beforeAll(async () => {
  base = bed.gateway.url;
});

const assembly = (id: string, rest = '') => `${base}/v1/assemblies/${encodeURIComponent(id)}${rest}`;

async function start(overrides: Record<string, unknown> = {}) {
  const answer = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `gw-${randomUUID()}`, ...overrides }),
  });
  expect(answer.status).toBe(201);
  return answer.json as { id: string; links: { self: string; interview: string; result: string } };
}

async function waitForStage(id: string, stage: LifecycleStage) {
  return atStage(bed.overHttp(), id, stage);
}

test('interview lifecycle over HTTP: start, status, interview, finish link, result', async () => {
  const businessKey = `lease/${randomUUID()}`; // a "/" in the key: ids are path-encoded in links
  const created = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey }),
  });
  expect(created.status).toBe(201);
  const id = `assembly-${businessKey}`;
  expect(created.json).toEqual({
    id,
    workItemId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    created: true,
    status: 'RUNNING',
    links: {
      self: assembly(id),
      interview: assembly(id, '/interview'),
      result: assembly(id, '/result'),
    },
  });
  expect(created.headers['location']).toBe(assembly(id));

  const interview = await waitForInterview(base, id);
  const status = await call(created.json.links.self);
  expect(status.status).toBe(200);
  expect(status.json).toMatchObject({
    id,
    stage: 'waiting-for-interview',
    businessKey,
    activeSession: { versionId: interview.versionId, interviewCompleted: false },
    links: created.json.links,
  });
  expect(status.json.workItemId).toBe(created.json.workItemId);
  expect(interview).toMatchObject({
    id,
    workItemId: status.json.workItemId,
    coreSessionId: status.json.activeSession.interview.coreSessionId,
    interviewJsUrl: status.json.activeSession.interview.interviewJsUrl,
  });
  expect(interview.finishUrl.startsWith(`${base}/v1/finish/`)).toBe(true);
  // The default lifetime is 24 h.
  const lifetime = Date.parse(interview.expiresAt) - Date.now();
  expect(lifetime).toBeGreaterThan(23 * 3_600_000);
  expect(lifetime).toBeLessThanOrEqual(24 * 3_600_000);
  // Nothing the browser gets may hold the Advance token.
  expect(JSON.stringify(interview)).not.toMatch(/token|bearer/i);

  const running = await call(created.json.links.result);
  expect(running.status).toBe(409);
  expect(running.json.error.code).toBe('lifecycle-still-running');

  // The finish link needs no API key: it is its own credential.
  const finished = await call(interview.finishUrl, { method: 'POST', key: null, body: {} });
  expect(finished.status).toBe(200);
  expect(finished.json).toEqual({
    id,
    versionId: interview.versionId,
    interviewCompleted: true,
    outcome: 'accepted',
  });

  const result = await call(`${created.json.links.result}?wait=true`);
  expect(result.status).toBe(200);
  expect(result.json).toMatchObject({ id, outcome: 'completed', workItemId: status.json.workItemId });
  expect(result.json.sessions).toHaveLength(1);
  expect(result.json.sessions[0].versionId).toBe(interview.versionId);
  expect(result.json.sessions[0].documents.map((d: { fileName: string }) => d.fileName)).toEqual(
    expect.arrayContaining(['answers.xml']),
  );
  // Without ?wait the outcome of an ended lifecycle is there at once.
  expect((await call(created.json.links.result)).json).toEqual(result.json);
  // Ended: no interview to offer any more.
  const noInterview = await call(created.json.links.interview);
  expect(noInterview.status).toBe(409);
  expect(noInterview.json.error.code).toBe('no-interview-waiting');
});

test('a start repeated with the same business key: 201, then 200 with created: false', async () => {
  const businessKey = `dup-${randomUUID()}`;
  const input = lifecycleInput({ businessKey });
  const record = recordFrom(bed.h.emulator);
  const first = await call(`${base}/v1/assemblies`, { method: 'POST', body: input });
  // Another key, sent the other way: idempotency is by business key, not by caller.
  const second = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: input,
    key: null,
    headers: { 'x-api-key': KEYS.crm },
  });
  expect(first.status).toBe(201);
  expect(second.status).toBe(200);
  expect(second.json).toMatchObject({
    id: first.json.id,
    created: false,
    status: 'RUNNING',
    links: first.json.links,
  });
  expect(Object.keys(second.json).sort()).toEqual(Object.keys(first.json).sort());
  expect(second.json.workItemId).toBe(first.json.workItemId);
  const status = await waitForStage(first.json.id, 'waiting-for-interview');
  expect(status.workItemId).toBe(first.json.workItemId);
  expect(record.workItems().map((w) => w.id)).toEqual([status.workItemId]);
  await call(assembly(first.json.id, '/cancel'), { method: 'POST' });
});

test('follow-ups: queued (202) during the interview, ?wait=true (200) when idle; then finish', async () => {
  const { id } = await start({ keepOpenFor: '1h' });
  const interview = await waitForInterview(base, id);

  const queued = await call(assembly(id, '/follow-ups'), { method: 'POST', body: { mode: 'batch' } });
  expect(queued.status).toBe(202);
  expect(queued.json).toEqual({ id, queued: true });
  expect((await call(assembly(id))).json.queuedFollowUps).toHaveLength(1);

  expect((await call(interview.finishUrl, { method: 'POST', key: null })).status).toBe(200);
  // The queued batch session runs after the first completes; then the lifecycle idles.
  const idle = await waitForStage(id, 'idle');
  expect(idle.completedSessions.map((s: { mode: string }) => s.mode)).toEqual(['interview', 'batch']);

  const begun = await call(`${assembly(id, '/follow-ups')}?wait=true`, {
    method: 'POST',
    body: { mode: 'interview' },
  });
  expect(begun.status).toBe(200);
  expect(begun.json).toMatchObject({ id, mode: 'interview', workItemId: idle.workItemId });
  expect(begun.json.coreSessionId).toEqual(expect.any(String));
  const second = await waitForInterview(base, id);
  expect(second.versionId).toBe(begun.json.versionId);
  expect(second.coreSessionId).toBe(begun.json.coreSessionId);
  expect((await call(second.finishUrl, { method: 'POST', key: null })).status).toBe(200);

  await waitForStage(id, 'idle');
  const fin = await call(assembly(id, '/finish'), { method: 'POST' });
  expect(fin.status).toBe(202);
  expect(fin.json).toEqual({ id, finishRequested: true });
  const result = await call(`${assembly(id, '/result')}?wait=true`);
  expect(result.status).toBe(200);
  expect(result.json.sessions.map((s: { versionId: string }) => s.versionId)).toEqual([
    interview.versionId,
    idle.completedSessions[1]!.versionId,
    begun.json.versionId,
  ]);
  // Ended: follow-ups, finish and cancel are refused with the client's code.
  for (const rest of ['/follow-ups', '/finish', '/cancel']) {
    const late = await call(assembly(id, rest), { method: 'POST' });
    expect([late.status, late.json.error.code]).toEqual([409, 'lifecycle-closed']);
  }
});

test('a follow-up without a body is queued with the defaults', async () => {
  const { id } = await start({ mode: 'batch', keepOpenFor: '1h' });
  await waitForStage(id, 'idle');
  const queued = await call(assembly(id, '/follow-ups'), { method: 'POST' });
  expect(queued.status).toBe(202);
  await eventually(async () =>
    (await call(assembly(id))).json.completedSessions.length === 2 ? true : undefined,
  );
  await call(assembly(id, '/finish'), { method: 'POST' });
  expect((await call(`${assembly(id, '/result')}?wait=true`)).json.outcome).toBe('completed');
});

test('cancel: 202, the active session is saved, the result reports the failure, a second cancel is 409', async () => {
  const { id } = await start();
  const interview = await waitForInterview(base, id);
  const cancelled = await call(assembly(id, '/cancel'), { method: 'POST' });
  expect(cancelled.status).toBe(202);
  expect(cancelled.json).toEqual({ id, cancelRequested: true });
  const result = await eventually(async () => {
    const answer = await call(assembly(id, '/result'));
    return answer.status === 409 && answer.json.error.code === 'lifecycle-still-running' ? undefined : answer;
  });
  expect(result.status).toBe(409);
  expect(result.json.error.code).toBe('lifecycle-failed');
  expect((await call(assembly(id))).json.stage).toBe('cancelled');
  const saved = bed.h.emulator
    .workItem(interview.workItemId)
    ?.versions.find((v) => v.versionId === interview.versionId);
  expect(saved?.status).toBe('Saved');
  const again = await call(assembly(id, '/cancel'), { method: 'POST' });
  expect([again.status, again.json.error.code]).toEqual([409, 'lifecycle-closed']);
});

test('unknown ids and unknown routes: 404 in the one error shape', async () => {
  const unknown = `assembly-nobody-${randomUUID()}`;
  for (const [method, rest] of [
    ['GET', ''],
    ['GET', '/result'],
    ['GET', '/interview'],
    ['POST', '/follow-ups'],
    ['POST', '/finish'],
    ['POST', '/cancel'],
  ] as const) {
    const answer = await call(assembly(unknown, rest), { method });
    expect([method, rest, answer.status, answer.json.error.code]).toEqual([
      method,
      rest,
      404,
      'lifecycle-not-found',
    ]);
  }
  // Only lifecycle ids are reachable, whatever else runs in the namespace.
  const other = await call(`${base}/v1/assemblies/some-other-workflow`);
  expect([other.status, other.json.error.code]).toEqual([404, 'lifecycle-not-found']);

  const route = await call(`${base}/v1/nothing-here`);
  expect(route.status).toBe(404);
  expect(route.json).toEqual({ error: { code: 'not-found', message: 'No route GET /v1/nothing-here' } });
  // A path we serve, with a method it does not take: 405 and what it does take.
  const method = await call(`${base}/v1/assemblies`, { method: 'DELETE' });
  expect([method.status, method.json.error.code, method.headers['allow']]).toEqual([
    405,
    'method-not-allowed',
    'POST',
  ]);
});

test('waits are bounded: ?wait=true answers 409 still-running / 409 wait-timeout at the wait limit (never a 5xx)', async () => {
  const bounded = await startTestGateway(bed.h.lifecycles, { env: { GATEWAY_WAIT_LIMIT: '300ms' } });
  try {
    const { id } = await start();
    await waitForInterview(base, id);
    const result = await call(`${bounded.url}/v1/assemblies/${id}/result?wait=true`);
    expect([result.status, result.json.error.code]).toEqual([409, 'lifecycle-still-running']);
    // The follow-up cannot begin while the interview waits.
    const followUp = await call(`${bounded.url}/v1/assemblies/${id}/follow-ups?wait=true`, {
      method: 'POST',
      body: { mode: 'batch' },
    });
    expect([followUp.status, followUp.json.error.code]).toEqual([409, 'wait-timeout']);
    expect(followUp.json.error.message).toMatch(/queuedFollowUps/);
    await call(assembly(id, '/cancel'), { method: 'POST' });
  } finally {
    await bounded.close();
  }
});
