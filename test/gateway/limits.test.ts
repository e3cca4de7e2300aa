import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LifecycleClient } from '../../src/client';
import type { RunningGateway } from '../../src/gateway';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';
import { lifecycleInput } from '../support/lifecycle-harness';
import { call, KEYS, startTestGateway } from '../support/gateway-harness';

/**
 * What the gateway refuses before anything reaches Temporal: invalid bodies (400, every offending
 * field with its path), malformed JSON, other media types, bodies over the limit (413), callers
 * over their rate (429 with Retry-After); and what it never writes to its log.
 */

let env: TestWorkflowEnvironment;
let lifecycles: LifecycleClient;
let gateway: RunningGateway;
let base: string;

beforeAll(async () => {
  env = await connectTestEnvironment();
  // No worker: nothing here may start a workflow task.
  lifecycles = new LifecycleClient(env.client, { taskQueue: uniqueTaskQueue('gateway-limits') });
  gateway = await startTestGateway(lifecycles);
  base = gateway.url;
});

afterAll(async () => {
  await gateway?.close();
  await env?.teardown();
});

const GUID = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';

test('an invalid start: 400 validation-failed listing every offending field by path', async () => {
  const answer = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: {
      workItem: { name: '', workGroupId: 'nope', templatePackageId: GUID, colour: 'red' },
      mode: 'sometimes',
      runAssembly: 'yes',
      interview: { deadline: 'soon' },
      extra: 1,
    },
  });
  expect(answer.status).toBe(400);
  expect(answer.json.error.code).toBe('validation-failed');
  expect(answer.json.error.message).toBe('The body is not valid');
  const paths = answer.json.error.problems.map((p: { path: string }) => p.path);
  expect(paths.sort()).toEqual(
    [
      'businessKey',
      'extra',
      'interview.deadline',
      'mode',
      'runAssembly',
      'workItem.colour',
      'workItem.name',
      'workItem.workGroupId',
    ].sort(),
  );
  expect(answer.json.error.problems).toContainEqual({
    path: 'workItem.workGroupId',
    message: 'workItem.workGroupId must be a GUID (8-4-4-4-12 hex digits)',
  });
  expect(answer.json.error.problems).toContainEqual({ path: 'extra', message: 'unknown field' });
});

test('answer XML that is no AnswerSet: 400 with the path answerXml (the client’s full XML check)', async () => {
  const answer = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `xml-${randomUUID()}`, answerXml: '<AnswerSet><Answer>' }),
  });
  expect(answer.status).toBe(400);
  expect(answer.json.error.code).toBe('validation-failed');
  expect(answer.json.error.problems).toEqual([{ path: 'answerXml', message: expect.any(String) }]);
});

test('invalid follow-up bodies and query strings: 400 validation-failed', async () => {
  const followUp = await call(`${base}/v1/assemblies/assembly-x/follow-ups`, {
    method: 'POST',
    body: { mode: 'later', answerXml: 42 },
  });
  expect(followUp.status).toBe(400);
  expect(followUp.json.error.problems.map((p: { path: string }) => p.path).sort()).toEqual([
    'answerXml',
    'mode',
  ]);
  const query = await call(`${base}/v1/assemblies/assembly-x/result?wait=maybe`);
  expect(query.status).toBe(400);
  expect(query.json.error).toMatchObject({
    code: 'validation-failed',
    message: 'The querystring is not valid',
    problems: [{ path: 'wait', message: 'wait must be "true" or "false"' }],
  });
});

test('malformed JSON: 400 malformed-body; another media type: 415', async () => {
  const broken = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: '{"workItem": ',
    headers: { 'content-type': 'application/json' },
  });
  expect([broken.status, broken.json.error.code]).toEqual([400, 'malformed-body']);
  const text = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: 'workItem=1',
    headers: { 'content-type': 'text/plain' },
  });
  expect([text.status, text.json.error.code]).toEqual([415, 'unsupported-media-type']);
  // Form posts are for the finish link only.
  const form = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: 'businessKey=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect([form.status, form.json.error.code]).toEqual([415, 'unsupported-media-type']);
});

test('a body over GATEWAY_BODY_LIMIT_BYTES (2 MiB): 413 payload-too-large', async () => {
  const answer = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: 'big', answerXml: 'x'.repeat(3 * 1024 * 1024) }),
  });
  expect([answer.status, answer.json.error.code]).toEqual([413, 'payload-too-large']);
  // Just under the limit is read, and then judged by the schema (answerXml is at most 1 Mi characters).
  const under = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: 'big', answerXml: 'x'.repeat(1024 * 1024 + 1) }),
  });
  expect([under.status, under.json.error.code]).toEqual([400, 'validation-failed']);
});

test('rate limit per API key: 429 rate-limited with Retry-After; other keys and health unaffected', async () => {
  const limited = await startTestGateway(lifecycles, { env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '3' } });
  try {
    // An id outside the lifecycle namespace: answered without a Temporal call.
    const url = `${limited.url}/v1/assemblies/not-a-lifecycle`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await call(url)).status);
    expect(statuses).toEqual([404, 404, 404]);
    const over = await call(url);
    expect(over.status).toBe(429);
    expect(over.json.error.code).toBe('rate-limited');
    expect(over.json.error.message).toMatch(/at most 3 a minute/);
    const retryAfter = Number(over.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Counted per key, whichever header carries it.
    expect((await call(url, { key: null, headers: { 'x-api-key': KEYS.ops } })).status).toBe(429);
    expect((await call(url, { key: KEYS.crm })).status).toBe(404);
    for (let i = 0; i < 5; i += 1) expect((await call(`${limited.url}/healthz`)).status).toBe(200);
  } finally {
    await limited.close();
  }
});

test('the log: JSON lines with route patterns; never an API key, a finish or callback token or a query', async () => {
  const lines: string[] = [];
  const logged = await startTestGateway(lifecycles, {
    env: { GATEWAY_ADVANCE_CALLBACK_SECRET: 'c'.repeat(64) },
    log: { stream: { write: (line) => lines.push(line) } },
  });
  const answers: string[] = [];
  try {
    const token = `v1.${Buffer.from('secret-looking-token').toString('base64url')}.abc`;
    await call(`${logged.url}/v1/assemblies/assembly-x?wait=${token}`);
    await call(`${logged.url}/v1/assemblies/assembly-x`, { key: null, headers: { 'x-api-key': KEYS.crm } });
    await call(`${logged.url}/v1/assemblies/assembly-x`, { key: 'wrong-key-value' });
    await call(`${logged.url}/v1/finish/${token}`, { method: 'POST', key: null, body: {} });
    await call(`${logged.url}/v1/finish/${token}/extra?x=${token}`, { method: 'POST', key: null, body: {} });
    // A callback URL asked with a method it does not take, or with a path beyond it.
    const unmatched = [
      await call(`${logged.url}/v1/advance-callbacks/${token}`, { key: null }),
      await call(`${logged.url}/v1/advance-callbacks/${token}/extra`, {
        method: 'POST',
        key: null,
        body: {},
      }),
    ];
    expect(unmatched.map((answer) => answer.status)).toEqual([405, 404]);
    answers.push(...unmatched.map((answer) => JSON.stringify(answer.json)));
  } finally {
    await logged.close();
  }
  const text = lines.join('') + answers.join('');
  for (const secret of [KEYS.ops, KEYS.crm, 'wrong-key-value', 'secret-looking-token', 'c2VjcmV0']) {
    expect(text).not.toContain(secret);
  }
  expect(answers[1]).toContain('No route POST /v1/advance-callbacks/…/extra');
  const entries = lines.map((line) => JSON.parse(line) as { req?: { route?: string }; msg: string });
  const routes = entries.flatMap((e) => (e.req?.route === undefined ? [] : [e.req.route]));
  expect(routes).toEqual([
    '/v1/assemblies/:id',
    '/v1/assemblies/:id',
    '/v1/assemblies/:id',
    '/v1/finish/:token',
    '/v1/finish/[redacted]/extra',
    '/v1/advance-callbacks/[redacted]',
    '/v1/advance-callbacks/[redacted]/extra',
  ]);
});

test('CORS: only GATEWAY_CORS_ORIGINS may call from a browser; preflights need no key', async () => {
  const withCors = await startTestGateway(lifecycles, {
    env: { GATEWAY_CORS_ORIGINS: 'https://app.example.com' },
  });
  try {
    const preflight = (origin: string) =>
      call(`${withCors.url}/v1/assemblies`, {
        method: 'OPTIONS',
        key: null,
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('authorization');
    const other = await preflight('https://evil.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    // Without the setting, no CORS headers at all.
    const plain = await call(`${base}/healthz`, {
      key: null,
      headers: { origin: 'https://app.example.com' },
    });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  } finally {
    await withCors.close();
  }
});

test('a status no worker answers: 503 worker-unavailable (Temporal gives up on the query after 30 s)', async () => {
  const started = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `no-worker-${randomUUID()}` }),
  });
  expect(started.status).toBe(201);
  const status = await call(`${base}/v1/assemblies/${started.json.id}`);
  expect([status.status, status.json.error.code]).toEqual([503, 'worker-unavailable']);
  await env.client.workflow.getHandle(started.json.id).terminate('limits test: no worker');
}, 90_000);
