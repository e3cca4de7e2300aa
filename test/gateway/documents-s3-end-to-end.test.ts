import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { request } from 'undici';
import { LifecycleClient } from '../../src/client';
import { downloadLifecycleDocuments } from '../../src/client/gateway-documents';
import type { RunningGateway } from '../../src/gateway';
import { startEmulator, type RunningEmulator } from '../../tools/emulator';
import { KEYS, startTestGateway, waitForInterview } from '../support/gateway-harness';
import { emulatorEnv, lifecycleInput } from '../support/lifecycle-harness';
import { createS3Bucket, startVersityGw, type RunningS3Server } from '../support/object-store-servers';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

/**
 * Documents reach the business system, end to end: the run's Temporal dev server, TWO worker
 * processes storing into an S3 bucket (versitygw), the emulator as HotDocs Advance, and the gateway
 * reading the same bucket. Twenty interview lifecycles are started and finished over HTTP (the
 * finish link); every document downloaded through the gateway must be the bytes Advance assembled.
 */

const LIFECYCLES = 20;
const BUCKET = 'documents';

let env: TestWorkflowEnvironment;
let s3: RunningS3Server;
let emulator: RunningEmulator;
let workers: WorkerProcess[] = [];
let gateway: RunningGateway;
let redirecting: RunningGateway;
let scratch: string;
let storeEnv: Record<string, string>;
/** Every HTTP status the gateways answered in this file, to show that no key was refused. */
const statuses: number[] = [];

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function get(url: string, headers: Record<string, string> = {}, key: string | null = KEYS.ops) {
  const answer = await request(url, {
    headers: { ...(key !== null && { authorization: `Bearer ${key}` }), ...headers },
  });
  const bytes = Buffer.from(await answer.body.arrayBuffer());
  return { status: answer.statusCode, headers: answer.headers, bytes };
}

async function gatewayCall(
  url: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; key?: string } = {},
) {
  const answer = await request(url, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.key ?? KEYS.ops}`,
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  statuses.push(answer.statusCode);
  const text = await answer.body.text();
  return { status: answer.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'hotdocs-docs-e2e-'));
  s3 = await startVersityGw();
  await createS3Bucket(s3, BUCKET);
  storeEnv = {
    DOCUMENT_STORE: 's3',
    DOCUMENT_STORE_S3_BUCKET: BUCKET,
    DOCUMENT_STORE_S3_PREFIX: 'lifecycles/',
    DOCUMENT_STORE_S3_ENDPOINT: s3.endpoint,
    DOCUMENT_STORE_S3_FORCE_PATH_STYLE: 'true',
    DOCUMENT_STORE_S3_ACCESS_KEY_ID: s3.accessKeyId,
    DOCUMENT_STORE_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
  env = await connectTestEnvironment();
  emulator = await startEmulator({ port: 0 });
  const taskQueue = uniqueTaskQueue('documents-e2e');
  const workerEnv = { ...emulatorEnv(emulator, taskQueue, scratch), ...storeEnv };
  workers = await Promise.all([spawnWorker(workerEnv), spawnWorker(workerEnv)]);
  const lifecycles = new LifecycleClient(env.client, { taskQueue });
  // The rate limit is for callers in production; twenty lifecycles polled by one key exceed it.
  const gatewayEnv = {
    ...storeEnv,
    GATEWAY_RATE_LIMIT_PER_MINUTE: '100000',
    GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE: '100000',
  };
  gateway = await startTestGateway(lifecycles, { env: gatewayEnv });
  redirecting = await startTestGateway(lifecycles, {
    env: { ...gatewayEnv, GATEWAY_DOCUMENT_REDIRECT: 'true', GATEWAY_DOCUMENT_LINK_TTL: '2m' },
  });
}, 600_000);

afterAll(async () => {
  await redirecting?.close();
  await gateway?.close();
  await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
  await emulator?.close();
  await env?.teardown();
  await s3?.stop();
  await rm(scratch, { recursive: true, force: true });
});

interface Completed {
  id: string;
  workItemId: string;
}

/** Starts one lifecycle over HTTP, finishes its interview through the finish link, waits for the result. */
async function runLifecycle(index: number): Promise<Completed> {
  const answers =
    `<AnswerSet><Answer name="Tenant"><TextValue>Tenant ${index}</TextValue></Answer>` +
    `<Answer name="Rent"><NumValue>${1000 + index}</NumValue></Answer></AnswerSet>`;
  const started = await gatewayCall(`${gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({ businessKey: `e2e-${index}-${randomUUID()}`, answerXml: answers }),
    // Half the lifecycles with each key.
    key: index % 2 === 0 ? KEYS.ops : KEYS.crm,
  });
  expect(started.status).toBe(201);
  const id = started.json.id as string;
  const interview = await waitForInterview(gateway.url, id);
  const finished = await request(interview.finishUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ versionId: interview.versionId }),
  });
  statuses.push(finished.statusCode);
  await finished.body.dump();
  expect(finished.statusCode).toBe(200);
  for (;;) {
    const result = await gatewayCall(
      `${gateway.url}/v1/assemblies/${encodeURIComponent(id)}/result?wait=true`,
    );
    if (result.status === 200) return { id, workItemId: result.json.workItemId as string };
    expect(result.json.error.code).toBe('lifecycle-still-running');
  }
}

let completed: Completed[] = [];

test(`${LIFECYCLES} lifecycles complete on two worker processes storing into S3`, async () => {
  const started = Date.now();
  completed = await Promise.all(Array.from({ length: LIFECYCLES }, (_, index) => runLifecycle(index)));
  console.log(
    `${LIFECYCLES} lifecycles started, finished and completed in ${(Date.now() - started) / 1000} s`,
  );
  expect(completed).toHaveLength(LIFECYCLES);
  expect(new Set(completed.map((c) => c.workItemId)).size).toBe(LIFECYCLES);
  for (const worker of workers) expect(worker.child.exitCode).toBeNull();
}, 300_000);

test('every document downloaded through the gateway is what the emulator assembled', async () => {
  expect(completed).toHaveLength(LIFECYCLES);
  let downloaded = 0;
  const started = Date.now();
  for (const { id, workItemId } of completed) {
    const list = await gatewayCall(`${gateway.url}/v1/assemblies/${encodeURIComponent(id)}/documents`);
    expect(list.status).toBe(200);
    const reported = emulator.workItem(workItemId)!.versions.flatMap((version) => version.documents);
    expect(list.json.documents).toHaveLength(reported.length);
    for (const listed of list.json.documents as { documentId: string; sha256: string; href: string }[]) {
      const announced = reported.find((document) => document.id === listed.documentId);
      expect(announced).toBeDefined();
      const answer = await get(listed.href);
      statuses.push(answer.status);
      expect(answer.status).toBe(200);
      expect(sha256(answer.bytes)).toBe(announced!.sha256);
      expect(listed.sha256).toBe(announced!.sha256);
      expect(answer.bytes.equals(emulator.documentContent(workItemId, listed.documentId)!)).toBe(true);
      downloaded += 1;
    }
  }
  expect(downloaded).toBe(LIFECYCLES * 2);
  console.log(
    `${LIFECYCLES} lists and ${downloaded} downloads, one at a time: ${(Date.now() - started) / 1000} s`,
  );
});

test('a Range request returns exactly those bytes (206), from the S3 store', async () => {
  const { id, workItemId } = completed[0]!;
  const list = await gatewayCall(`${gateway.url}/v1/assemblies/${encodeURIComponent(id)}/documents`);
  const pdf = (list.json.documents as { documentId: string; contentType: string; href: string }[]).find(
    (document) => document.contentType === 'application/pdf',
  )!;
  const whole = emulator.documentContent(workItemId, pdf.documentId)!;
  const answer = await get(pdf.href, { range: 'bytes=100-355' });
  statuses.push(answer.status);
  expect(answer.status).toBe(206);
  expect(answer.headers['content-range']).toBe(`bytes 100-355/${whole.length}`);
  expect(answer.bytes.equals(whole.subarray(100, 356))).toBe(true);
  const beyond = await get(pdf.href, { range: `bytes=${whole.length + 10}-` });
  statuses.push(beyond.status);
  expect(beyond.status).toBe(416);
});

test('with GATEWAY_DOCUMENT_REDIRECT: 302 to a presigned URL that serves the bytes (and ranges) without a key', async () => {
  const { id, workItemId } = completed[1]!;
  const list = await gatewayCall(`${redirecting.url}/v1/assemblies/${encodeURIComponent(id)}/documents`);
  const listed = list.json.documents[0] as { documentId: string; href: string; fileName: string };
  const redirect = await get(listed.href);
  statuses.push(redirect.status);
  expect(redirect.status).toBe(302);
  expect(redirect.headers['cache-control']).toBe('no-store');
  const location = String(redirect.headers['location']);
  expect(location.startsWith(`${s3.endpoint}/${BUCKET}/lifecycles/`)).toBe(true);
  expect(location).toContain('X-Amz-Expires=120');
  const whole = emulator.documentContent(workItemId, listed.documentId)!;
  const signed = await get(location, {}, null);
  expect(signed.status).toBe(200);
  expect(signed.bytes.equals(whole)).toBe(true);
  expect(String(signed.headers['content-disposition'])).toContain(listed.fileName);
  const ranged = await get(location, { range: 'bytes=0-9' }, null);
  expect(ranged.status).toBe(206);
  expect(ranged.bytes.equals(whole.subarray(0, 10))).toBe(true);

  // The CLI's download follows the redirect (without sending its key to the store) and checks.
  const written = await downloadLifecycleDocuments({
    gatewayUrl: redirecting.url,
    apiKey: KEYS.crm,
    lifecycleId: id,
    outDir: path.join(scratch, 'cli'),
  });
  expect(written.map((document) => document.sha256)).toEqual(
    written.map((document) => sha256(emulator.documentContent(workItemId, document.documentId)!)),
  );
});

test('no request was refused for its key', () => {
  expect(statuses.length).toBeGreaterThan(LIFECYCLES * 4);
  expect(statuses.filter((status) => status === 401)).toEqual([]);
});
