import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { signCallbackBody } from '../../src/advance';
import type { RunningGateway } from '../../src/gateway';
import { AdvanceCallbackSigner } from '../../src/security/advance-callbacks';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { startTestGateway, call, type InterviewAnswer } from '../support/gateway-harness';
import {
  atStage,
  createHarness,
  eventually,
  lifecycleInput,
  type Harness,
} from '../support/lifecycle-harness';
import { connectTestEnvironment } from '../support/temporal';

/**
 * Advance v2.0 calls back when it has completed a version: the worker hands out a signed callback
 * URL on the gateway and a per-version secret; the gateway checks both and tells the lifecycle to
 * read the version's status now. The emulator signs callbacks as src/advance/callback-signature.ts
 * assumes Advance does.
 */

const SECRET = randomBytes(32).toString('hex');
let env: TestWorkflowEnvironment;
let h: Harness;
let gateway: RunningGateway;

beforeAll(async () => {
  env = await connectTestEnvironment();
  // Completing takes a while, as when post-assembly processing runs: the callback ends the wait.
  h = await createHarness(env, { behaviour: { completingMs: 1_500 } });
  gateway = await startTestGateway(h.lifecycles, { env: { GATEWAY_ADVANCE_CALLBACK_SECRET: SECRET } });
  Object.assign(h.workerEnv, advanceEnvForEmulator(h.emulator, 'v2.0'), {
    ADVANCE_CALLBACK_URL: gateway.url,
    ADVANCE_CALLBACK_SECRET: SECRET,
  });
  await h.startWorker();
});

afterAll(async () => {
  await gateway?.close();
  await h?.close();
  await env?.teardown();
});

test('a completing v2.0 version: Advance calls back through the gateway and the lifecycle reads the status', async () => {
  const { lifecycleId } = await h.lifecycles.start(lifecycleInput({ mode: 'batch' }));
  const result = await h.lifecycles.result(lifecycleId);
  expect(result.outcome).toBe('completed');
  const callbacks = await eventually(() => {
    const sent = h.emulator.callbacks();
    return sent.length > 0 && sent.every((c) => c.outcome !== 'pending') ? sent : undefined;
  });
  expect(callbacks).toEqual([
    expect.objectContaining({ outcome: 'delivered', httpStatus: 200, signed: true }),
  ]);
  expect(callbacks[0]!.url.startsWith(`${gateway.url}/v1/advance-callbacks/`)).toBe(true);
  const events = (await env.client.workflow.getHandle(lifecycleId).fetchHistory()).events ?? [];
  const signals = events.filter(
    (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'advanceCallback',
  );
  expect(signals).toHaveLength(1);
});

test('a callback with a forged signature or a URL not signed by this gateway is refused', async () => {
  const signer = new AdvanceCallbackSigner(SECRET);
  const target = {
    lifecycleId: 'assembly-none',
    workItemId: crypto.randomUUID(),
    versionId: crypto.randomUUID(),
  };
  const { url, secret } = signer.callbackFor(gateway.url, target);
  const body = JSON.stringify({ event: 'completed', versionId: target.versionId, status: 'Completed' });
  const forged = await call(url, {
    method: 'POST',
    key: null,
    body,
    headers: {
      'content-type': 'application/json',
      'x-hotdocs-signature': signCallbackBody(body, 'not-the-secret'),
    },
  });
  expect(forged.status).toBe(401);
  const foreign = new AdvanceCallbackSigner(randomBytes(32).toString('hex')).callbackFor(gateway.url, target);
  const unknown = await call(foreign.url, {
    method: 'POST',
    key: null,
    body,
    headers: {
      'content-type': 'application/json',
      'x-hotdocs-signature': signCallbackBody(body, foreign.secret),
    },
  });
  expect(unknown.status).toBe(404);
  // Rightly signed for a lifecycle that does not exist (any more): acknowledged, so Advance stops retrying.
  const gone = await call(url, {
    method: 'POST',
    key: null,
    body,
    headers: { 'content-type': 'application/json', 'x-hotdocs-signature': signCallbackBody(body, secret) },
  });
  expect(gone.status).toBe(200);
  expect(gone.json).toEqual({ received: true, delivered: false });
});

test('a callback URL is single-use: a repeat answers 410 callback-used and signals nothing', async () => {
  const { lifecycleId } = await h.lifecycles.start(lifecycleInput());
  const waiting = await atStage(h.lifecycles, lifecycleId, 'waiting-for-interview');
  const versionId = waiting.activeSession!.versionId;
  const { url, secret } = new AdvanceCallbackSigner(SECRET).callbackFor(gateway.url, {
    lifecycleId,
    workItemId: waiting.workItemId,
    versionId,
  });
  const body = JSON.stringify({ event: 'completed', versionId, status: 'Completed' });
  const post = () =>
    call(url, {
      method: 'POST',
      key: null,
      body,
      headers: { 'content-type': 'application/json', 'x-hotdocs-signature': signCallbackBody(body, secret) },
    });

  const first = await post();
  expect(first.status).toBe(200);
  expect(first.json).toEqual({ received: true, delivered: true });
  const recorded = await eventually(async () => {
    const status = await h.lifecycles.status(lifecycleId);
    return status.activeSession?.callbackReceivedAt;
  });
  expect(Number.isNaN(Date.parse(recorded))).toBe(false);

  const repeat = await post();
  expect(repeat.status).toBe(410);
  expect(repeat.json).toMatchObject({ error: { code: 'callback-used' } });
  const history = (await env.client.workflow.getHandle(lifecycleId).fetchHistory()).events ?? [];
  expect(
    history.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'advanceCallback'),
  ).toHaveLength(1);

  // The hint changed nothing else: the interview finishes and the lifecycle completes.
  await h.lifecycles.interviewCompleted(lifecycleId, versionId);
  expect((await h.lifecycles.result(lifecycleId)).outcome).toBe('completed');
});

// Last in this file: it spends this address's budgets on the shared gateway for a minute.
test('1,000 requests without a key from one address are limited; a real Finish and Advance’s callback from it still pass', async () => {
  expect.assertions(7);
  const { lifecycleId } = await h.lifecycles.start(lifecycleInput());
  await atStage(h.lifecycles, lifecycleId, 'waiting-for-interview');
  // The one request of this test with a key before the flood: the finish link.
  const offered = await call(`${gateway.url}/v1/assemblies/${lifecycleId}/interview`);
  const interview = offered.json as InterviewAnswer;
  const callbacksBefore = h.emulator.callbacks().length;

  // The flood: wrong keys on a route behind keys, junk finish links, junk callback URLs, all
  // from 127.0.0.1 — the address the browser and the emulator's callback come from as well.
  const statuses = async (urls: string[], options: Parameters<typeof call>[1]) => {
    const counts: Record<number, number> = {};
    for (let i = 0; i < urls.length; i += 25) {
      const answers = await Promise.all(urls.slice(i, i + 25).map((url) => call(url, options)));
      for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  };
  const keyless = await statuses(
    Array.from({ length: 1000 }, (_, i) => `${gateway.url}/v1/assemblies/assembly-flood-${i}`),
    { key: `not-a-key-${randomBytes(8).toString('hex')}` },
  );
  // GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE (600, one spent on the link) are told the key is
  // wrong, the rest 429.
  expect(keyless).toEqual({ 401: 599, 429: 401 });
  const junkLinks = await statuses(
    Array.from(
      { length: 200 },
      (_, i) =>
        `${gateway.url}/v1/finish/v1.${Buffer.from(`junk-${i}`).toString('base64url')}.${'A'.repeat(43)}`,
    ),
    { method: 'POST', key: null, body: {} },
  );
  const junkCallbacks = await statuses(
    Array.from(
      { length: 200 },
      (_, i) => `${gateway.url}/v1/advance-callbacks/c1.junk${i}.${'A'.repeat(43)}`,
    ),
    { method: 'POST', key: null, body: '{}', headers: { 'content-type': 'application/json' } },
  );
  // Junk counts against its sender's address (GATEWAY_RATE_LIMIT_PER_MINUTE, 120, on each route;
  // the test above sent this address's first junk callback URL).
  expect(junkLinks).toEqual({ 403: 120, 429: 80 });
  expect([
    Object.keys(junkCallbacks),
    (junkCallbacks[404] ?? 0) <= 120,
    (junkCallbacks[429] ?? 0) >= 80,
  ]).toEqual([['404', '429'], true, true]);
  // A key-holding caller from the spent address waits, as every caller from there does.
  expect((await call(`${gateway.url}/v1/assemblies/${lifecycleId}`)).status).toBe(429);

  // The person's Finish and Advance's callback carry their own credentials: counted apart.
  const finished = await call(interview.finishUrl, { method: 'POST', key: null, body: {} });
  expect([finished.status, finished.json?.interviewCompleted]).toEqual([200, true]);
  const callback = await eventually(() => {
    const sent = h.emulator.callbacks().slice(callbacksBefore);
    return sent.length > 0 && sent.every((c) => c.outcome !== 'pending') ? sent : undefined;
  });
  expect(callback).toEqual([
    expect.objectContaining({ outcome: 'delivered', httpStatus: 200, signed: true }),
  ]);
  expect((await h.lifecycles.result(lifecycleId)).outcome).toBe('completed');
});
