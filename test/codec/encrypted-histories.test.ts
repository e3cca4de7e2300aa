import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { LifecycleClient } from '../../src/client';
import { AesGcmPayloadCodec, buildCodecServer, lifecycleDataConverter, sha256Hex } from '../../src/codec';
import { atStage, eventually, lifecycleInput } from '../support/lifecycle-harness';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';
import { lifecycleTestbed } from '../support/testbed';

/**
 * With payload encryption configured, nothing sensitive sits readable in Temporal: the raw
 * histories, read through Temporal's own API (not our code), hold no answer XML, token or
 * password — not in payloads, memo, search attributes, summaries or failure messages — and
 * neither do the worker's logs. Operators still read payloads through the codec endpoint.
 */

const KEY = { id: 'test-key-1', key: randomBytes(32) };
const KEYS_ENV = `${KEY.id}:${KEY.key.toString('base64')}`;
const CODEC_TOKEN = 'codec-token-for-operators';
const TENANT = 'Ann Plaintext-Tenant';
const FOLLOW_UP_SECRET = 'Follow-Up-Confidential-4711';
const ANSWER_IN_FAILURE = 'Quoted-Answer-0815';
// Failure messages themselves travel encrypted (encoded common attributes).
const FAILURE_TEXT = 'is not a number';
// What a JWT from the emulator starts with: base64url of '{"alg":"HS256","typ":"JWT"}'.
const JWT_PREFIX = 'eyJhbGciOi';

let worker: WorkerProcess;
let lifecycles: LifecycleClient;
let codecServer: FastifyInstance;

const answers = (tenant: string) =>
  `<AnswerSet><Answer name="Tenant"><TextValue>${tenant}</TextValue></Answer></AnswerSet>`;

// Declared before the testbed: jest runs afterAll hooks in the order they are declared.
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await codecServer?.close();
});

const bed = lifecycleTestbed({ startWorker: false, workerEnv: { PAYLOAD_ENCRYPTION_KEYS: KEYS_ENV } });

beforeAll(async () => {
  worker = await spawnWorker({ ...bed.workerEnv, TEMPORAL_TEST_LOG_LEVEL: 'DEBUG' });
  const encrypted = new Client({
    connection: bed.env.connection,
    namespace: bed.env.namespace,
    dataConverter: lifecycleDataConverter([KEY]),
  });
  lifecycles = new LifecycleClient(encrypted, { taskQueue: bed.taskQueue });
  codecServer = await buildCodecServer({
    codec: new AesGcmPayloadCodec([KEY]),
    tokenHashes: [sha256Hex(CODEC_TOKEN)],
    corsOrigins: ['http://localhost:8233'],
  });
  await codecServer.listen({ port: 0, host: '127.0.0.1' });
}, 90_000);

/** Everything Temporal keeps about an execution, as text, including raw payload bytes. */
async function rawRecord(workflowId: string): Promise<string> {
  const history = await bed.env.client.workflowService.getWorkflowExecutionHistory({
    namespace: bed.env.namespace ?? 'default',
    execution: { workflowId },
  });
  const description = await bed.env.client.workflowService.describeWorkflowExecution({
    namespace: bed.env.namespace ?? 'default',
    execution: { workflowId },
  });
  const bytesAsText = (value: unknown): unknown =>
    value instanceof Uint8Array
      ? Buffer.from(value).toString('latin1')
      : Array.isArray(value)
        ? value.map(bytesAsText)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bytesAsText(v)]))
          : value;
  return JSON.stringify(bytesAsText({ history: history.history, description }));
}

test('no answer XML, token or password in raw histories, memo, search attributes, failures or logs', async () => {
  // 1. an interview lifecycle with a follow-up carrying its own answers
  const started = await lifecycles.start(
    lifecycleInput({ businessKey: `enc-${randomUUID()}`, answerXml: answers(TENANT), keepOpenFor: '1h' }),
  );
  const waiting = await atStage(lifecycles, started.lifecycleId, 'waiting-for-interview');
  await lifecycles.requestFollowUp(started.lifecycleId, {
    mode: 'batch',
    answerXml: answers(FOLLOW_UP_SECRET),
  });
  await lifecycles.interviewCompleted(started.lifecycleId, waiting.activeSession!.versionId);
  await eventually(async () => {
    const status = await lifecycles.status(started.lifecycleId);
    return status.completedSessions.length === 2 ? status : undefined;
  });
  await lifecycles.finish(started.lifecycleId);
  expect((await lifecycles.result(started.lifecycleId)).sessions).toHaveLength(2);

  // 2. a lifecycle that fails on its answer XML
  const failing = await lifecycles.temporal.workflow.start('assemblyLifecycle', {
    workflowId: `enc-fail-${randomUUID()}`,
    taskQueue: bed.taskQueue,
    args: [
      lifecycleInput({
        answerXml: `<AnswerSet><Answer name="n"><NumValue>${ANSWER_IN_FAILURE}</NumValue></Answer></AnswerSet>`,
      }),
    ],
  });
  const failure = await failing.result().catch((e: Error) => e);
  // Our own client, with the key, reads the real message back; it names the answer, not its value.
  const message = String((failure as { cause?: Error }).cause?.message);
  expect(message).toContain(`<NumValue> of answer "n" ${FAILURE_TEXT}`);
  expect(message).not.toContain(ANSWER_IN_FAILURE);

  const secrets = [
    TENANT,
    FOLLOW_UP_SECRET,
    ANSWER_IN_FAILURE,
    '<AnswerSet',
    bed.emulator.credentials.principalPassword,
    JWT_PREFIX,
  ];
  for (const workflowId of [started.lifecycleId, failing.workflowId]) {
    const record = await rawRecord(workflowId);
    expect(record).toContain(KEY.id); // the payloads really are ours, encrypted
    for (const secret of [...secrets, FAILURE_TEXT, 'Lifecycle failed while'])
      expect(record).not.toContain(secret);
  }
  // The worker's own log lines, at DEBUG, carry none of them either.
  const logs = worker.output();
  expect(logs).toContain('worker started');
  for (const secret of secrets) expect(logs).not.toContain(secret);
}, 90_000);

test('the codec endpoint decodes for authenticated operators only, with CORS for the UI', async () => {
  const history = await bed.env.client.workflowService.getWorkflowExecutionHistory({
    namespace: bed.env.namespace ?? 'default',
    execution: {
      workflowId: (await lifecycles.start(lifecycleInput({ answerXml: answers(TENANT), mode: 'batch' })))
        .lifecycleId,
    },
  });
  const input = history.history!.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  const body = {
    payloads: [
      {
        metadata: Object.fromEntries(
          Object.entries(input.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
        ),
        data: Buffer.from(input.data!).toString('base64'),
      },
    ],
  };
  const url = `http://127.0.0.1:${(codecServer.server.address() as { port: number }).port}/codec/decode`;
  const post = (headers: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  expect((await post({})).status).toBe(401);
  expect((await post({ authorization: 'Bearer wrong' })).status).toBe(401);
  const decoded = await post({ authorization: `Bearer ${CODEC_TOKEN}` });
  expect(decoded.status).toBe(200);
  const { payloads } = (await decoded.json()) as { payloads: Array<{ data: string }> };
  expect(Buffer.from(payloads[0]!.data, 'base64').toString()).toContain(TENANT);

  const preflight = await fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://localhost:8233',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type,x-namespace',
    },
  });
  expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
  const foreign = await fetch(url, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
});
