import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { RunningGateway } from '../../src/gateway';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { webhookRequest, type WebhookConfig, type WebhookEvent } from '../../tools/emulator/webhook-sender';
import { call, startTestGateway } from '../support/gateway-harness';
import {
  atStage,
  createHarness,
  eventually,
  lifecycleInput,
  type Harness,
} from '../support/lifecycle-harness';
import { connectTestEnvironment } from '../support/temporal';

/**
 * `POST /v1/advance-webhooks`, HotDocs Advance's own webhooks: the credential (the HMAC code in
 * the form field `token`, or a bearer token), the payload formats, and the posts that are only
 * acknowledged. Posts are built as the emulator sends them (its assumptions, docs/advance-v2.md).
 * A post that reaches a lifecycle is visible as an `advanceWebhook` signal in its history.
 */

const HMAC_CODE = randomBytes(24).toString('base64url');
const BEARER = randomBytes(32).toString('hex');
let env: TestWorkflowEnvironment;
let h: Harness;
let gateway: RunningGateway;
let bearerOnly: RunningGateway;
let workItemHmac: RunningGateway;
let unconfigured: RunningGateway;
let waiting: { lifecycleId: string; workItemId: string; versionId: string };

beforeAll(async () => {
  env = await connectTestEnvironment();
  h = await createHarness(env);
  Object.assign(h.workerEnv, advanceEnvForEmulator(h.emulator, 'v2.0'));
  await h.startWorker();
  gateway = await startTestGateway(h.lifecycles, { env: { GATEWAY_ADVANCE_WEBHOOK_HMAC: HMAC_CODE } });
  bearerOnly = await startTestGateway(h.lifecycles, { env: { GATEWAY_ADVANCE_WEBHOOK_BEARER: BEARER } });
  workItemHmac = await startTestGateway(h.lifecycles, {
    env: { GATEWAY_ADVANCE_WEBHOOK_HMAC: HMAC_CODE, GATEWAY_ADVANCE_WEBHOOK_HMAC_COVERS: 'work-item' },
  });
  unconfigured = await startTestGateway(h.lifecycles);
  const { lifecycleId } = await h.lifecycles.start(lifecycleInput());
  const status = await atStage(h.lifecycles, lifecycleId, 'waiting-for-interview');
  waiting = { lifecycleId, workItemId: status.workItemId, versionId: status.activeSession!.versionId };
});

afterAll(async () => {
  for (const running of [gateway, bearerOnly, workItemHmac, unconfigured]) await running?.close();
  await h?.close();
  await env?.teardown();
});

const HMAC: WebhookConfig = {
  url: 'http://unused.invalid/',
  verification: 'hmac-token',
  secret: HMAC_CODE,
  payload: 'standard',
  encoding: 'form',
  hmacCovers: 'nothing',
  events: ['NewWorkItemVersionComplete'],
};

function post(
  to: RunningGateway,
  config: Partial<WebhookConfig> = {},
  fields: { event?: WebhookEvent; workItemId?: string } = {},
) {
  const { headers, body } = webhookRequest(
    { ...HMAC, ...config },
    {
      event: fields.event ?? 'NewWorkItemVersionComplete',
      workItemId: fields.workItemId ?? waiting.workItemId,
      versionId: waiting.versionId,
      at: new Date().toISOString(),
    },
  );
  return call(`${to.url}/v1/advance-webhooks`, { method: 'POST', key: null, headers, body });
}

/**
 * The `advanceWebhook` signals in the waiting lifecycle's history, once it is at rest. A signal that
 * arrives while a workflow task runs (the status read an earlier post asked for) is written to
 * the history only when that task completes, so a count taken earlier can miss it.
 */
async function webhookSignals(): Promise<number> {
  const handle = env.client.workflow.getHandle(waiting.lifecycleId);
  await eventually(
    async () => {
      const { raw } = await handle.describe();
      const busy = raw.pendingWorkflowTask != null || (raw.pendingActivities ?? []).length > 0;
      return busy ? undefined : true;
    },
    { what: 'the waiting lifecycle at rest' },
  );
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'advanceWebhook')
    .length;
}

test('the HMAC code in the form field token is accepted; a wrong one, or none, is 401 and signals nothing', async () => {
  const before = await webhookSignals();
  const right = await post(gateway);
  expect(right.status).toBe(200);
  expect(right.json).toEqual({ received: true, delivered: true });
  await eventually(async () => ((await webhookSignals()) === before + 1 ? true : undefined), {
    what: 'the advanceWebhook signal',
  });

  expect((await post(gateway, { secret: `${HMAC_CODE}x` })).status).toBe(401);
  expect((await post(gateway, { secret: HMAC_CODE.slice(0, -1) })).status).toBe(401);
  // The right code as a bearer token is not the HMAC field: refused where no bearer is configured.
  const asBearer = await post(gateway, { verification: 'bearer' });
  expect(asBearer.status).toBe(401);
  expect(asBearer.json).toMatchObject({ error: { code: 'unauthorized' } });
  expect(await webhookSignals()).toBe(before + 1);
});

test('an access token as Authorization: Bearer is accepted; a wrong one is 401', async () => {
  const right = await post(bearerOnly, { verification: 'bearer', secret: BEARER, encoding: 'json' });
  expect(right.status).toBe(200);
  expect(right.json).toEqual({ received: true, delivered: true });
  const wrong = await post(bearerOnly, { verification: 'bearer', secret: `${BEARER.slice(1)}0` });
  expect(wrong.status).toBe(401);
  // The HMAC field means nothing to a gateway that takes only the bearer token.
  expect((await post(bearerOnly, { secret: BEARER })).status).toBe(401);
});

test('with GATEWAY_ADVANCE_WEBHOOK_HMAC_COVERS=work-item the token is the HMAC of the work item id', async () => {
  expect((await post(workItemHmac, { hmacCovers: 'work-item' })).json).toEqual({
    received: true,
    delivered: true,
  });
  // The bare code is not what this reading expects, nor is the HMAC of another work item replayed here.
  expect((await post(workItemHmac)).status).toBe(401);
  const other = webhookRequest(
    { ...HMAC, hmacCovers: 'work-item' },
    { event: 'NewWorkItemVersionComplete', workItemId: randomUUID(), versionId: waiting.versionId, at: '' },
  );
  const token = new URLSearchParams(other.body).get('token')!;
  const forged = new URLSearchParams({
    eventType: 'NewWorkItemVersionComplete',
    workItemId: waiting.workItemId,
    token,
  });
  const answer = await call(`${workItemHmac.url}/v1/advance-webhooks`, {
    method: 'POST',
    key: null,
    headers: other.headers,
    body: forged.toString(),
  });
  expect(answer.status).toBe(401);
});

test.each([
  ['standard', 'form'],
  ['standard', 'json'],
  ['legacy', 'form'],
  ['legacy', 'json'],
] as const)('the %s payload as %s reaches the lifecycle', async (payload, encoding) => {
  const answer = await post(gateway, { payload, encoding });
  expect(answer.status).toBe(200);
  expect(answer.json).toEqual({ received: true, delivered: true });
});

test('the fields as one JSON text in a form field payload, and an upper-case work item id, reach the lifecycle', async () => {
  const body = new URLSearchParams({
    token: HMAC_CODE,
    payload: JSON.stringify({
      EventType: 'PostProcessingEvent',
      WorkItemId: waiting.workItemId.toUpperCase(),
    }),
  });
  const answer = await call(`${gateway.url}/v1/advance-webhooks`, {
    method: 'POST',
    key: null,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  expect(answer.json).toEqual({ received: true, delivered: true });
});

test('an unknown work item, an event not acted on and an unreadable post are acknowledged, never refused', async () => {
  const before = await webhookSignals();
  const unknown = await post(gateway, {}, { workItemId: randomUUID() });
  expect(unknown.status).toBe(200);
  expect(unknown.json).toEqual({ received: true, delivered: false });
  const interviewLoad = await post(gateway, {}, { event: 'InterviewLoadEvent' });
  expect(interviewLoad.status).toBe(200);
  expect(interviewLoad.json).toEqual({ received: true, delivered: false });
  const noWorkItem = await call(`${gateway.url}/v1/advance-webhooks`, {
    method: 'POST',
    key: null,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token: HMAC_CODE,
      eventType: 'NewWorkItemVersionComplete',
      workItemId: 'x',
    }).toString(),
  });
  expect(noWorkItem.status).toBe(200);
  expect(noWorkItem.json).toEqual({ received: true, delivered: false });
  expect(await webhookSignals()).toBe(before);
});

test('a lifecycle that has ended is not told: the post is acknowledged', async () => {
  const { lifecycleId } = await h.lifecycles.start(lifecycleInput({ mode: 'batch' }));
  expect((await h.lifecycles.result(lifecycleId)).outcome).toBe('completed');
  const { workItemId } = await h.lifecycles.status(lifecycleId);
  const answer = await post(gateway, {}, { workItemId });
  expect(answer.status).toBe(200);
  expect(answer.json).toEqual({ received: true, delivered: false });
});

test('without a webhook credential configured the route does not exist', async () => {
  expect((await post(unconfigured)).status).toBe(404);
});
