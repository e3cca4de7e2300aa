import { connect } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LifecycleClient } from '../../src/client';
import type { RunningGateway } from '../../src/gateway';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';
import { call, startTestGateway, type HttpAnswer } from '../support/gateway-harness';

/**
 * One error shape everywhere: fastify's and Node's own refusals (unknown route, another method,
 * a bad URL, an over-long path segment, headers over the limit, other media types, malformed
 * JSON, a body over the limit) answer `{ error: { code, message } }` like the gateway's own, and
 * the OpenAPI document lists every code.
 */

let env: TestWorkflowEnvironment;
let gateway: RunningGateway;
let base: string;

beforeAll(async () => {
  env = await connectTestEnvironment();
  // No worker: nothing here reaches a workflow.
  gateway = await startTestGateway(
    new LifecycleClient(env.client, { taskQueue: uniqueTaskQueue('gw-errors') }),
    {
      env: { GATEWAY_BODY_LIMIT_BYTES: '4096' },
    },
  );
  base = gateway.url;
});

afterAll(async () => {
  await gateway?.close();
  await env?.teardown();
});

/** The answer is the error shape and nothing else: a code, a message, perhaps problems. */
function expectErrorShape(answer: HttpAnswer, status: number, code: string): void {
  expect([answer.status, answer.json?.error?.code]).toEqual([status, code]);
  expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
  expect(Object.keys(answer.json)).toEqual(['error']);
  expect(typeof answer.json.error.message).toBe('string');
  expect(Object.keys(answer.json.error).filter((k) => !['code', 'message', 'problems'].includes(k))).toEqual(
    [],
  );
}

/** A request written byte by byte: what no HTTP client library would send. */
async function rawRequest(text: string): Promise<HttpAnswer> {
  const socket = connect(Number(new URL(base).port), '127.0.0.1');
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve());
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' ? resolve() : reject(error),
    );
  });
  const raw = Buffer.concat(chunks).toString('utf8');
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, text: body, json: JSON.parse(body) };
}

test('unknown route 404; a served path with another method 405 with Allow', async () => {
  expectErrorShape(await call(`${base}/v1/nothing`), 404, 'not-found');
  const wrongMethod = await call(`${base}/v1/assemblies/assembly-x/cancel`, { method: 'PUT', body: {} });
  expectErrorShape(wrongMethod, 405, 'method-not-allowed');
  expect(wrongMethod.headers['allow']).toBe('POST');
  // GET routes take HEAD too (fastify answers HEAD for every GET).
  const readOnly = await call(`${base}/v1/assemblies/assembly-x`, { method: 'DELETE' });
  expectErrorShape(readOnly, 405, 'method-not-allowed');
  expect(readOnly.headers['allow']).toBe('GET, HEAD');
  expectErrorShape(
    await call(`${base}/healthz`, { method: 'POST', key: null, body: {} }),
    405,
    'method-not-allowed',
  );
});

test('a bad percent-encoding 400; a path segment over the limit 414; headers over Node’s limit 431', async () => {
  expectErrorShape(
    await rawRequest('GET /v1/assemblies/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    400,
    'malformed-request',
  );
  expectErrorShape(await call(`${base}/v1/assemblies/assembly-${'x'.repeat(2100)}`), 414, 'uri-too-long');
  // Just over the schema's own limit: a 400 naming the field.
  expectErrorShape(
    await call(`${base}/v1/assemblies/assembly-${'x'.repeat(1100)}`),
    400,
    'validation-failed',
  );
  const huge = await rawRequest(
    `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: ${'y'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
  );
  expectErrorShape(huge, 431, 'headers-too-large');
  expectErrorShape(await rawRequest('NOT-HTTP\r\n\r\n'), 400, 'malformed-request');
});

test('other media types 415, malformed JSON 400, a body over the limit 413, an invalid one 400', async () => {
  const post = (body: string, contentType: string) =>
    call(`${base}/v1/assemblies`, { method: 'POST', body, headers: { 'content-type': contentType } });
  expectErrorShape(await post('x', 'text/plain'), 415, 'unsupported-media-type');
  expectErrorShape(await post('<x/>', 'application/xml'), 415, 'unsupported-media-type');
  expectErrorShape(await post('{"workItem":', 'application/json'), 400, 'malformed-body');
  expectErrorShape(
    await post(JSON.stringify({ answerXml: 'x'.repeat(5000) }), 'application/json'),
    413,
    'payload-too-large',
  );
  expectErrorShape(await post('{}', 'application/json'), 400, 'validation-failed');
  // Without a key the body is never read: 401 first.
  expectErrorShape(
    await call(`${base}/v1/assemblies`, { method: 'POST', key: null, body: {} }),
    401,
    'unauthorized',
  );
});

test('the OpenAPI document: every operation answers errors in the Error schema, whose code lists every code', async () => {
  const doc = (await call(`${base}/v1/openapi.json`, { key: null })).json;
  const { schemas } = doc.components;
  expect(schemas.Error.properties.error.$ref).toBe('#/components/schemas/ErrorDetail');
  expect(schemas.ErrorDetail.properties.code.$ref).toBe('#/components/schemas/ErrorCode');
  const codes: string[] = schemas.ErrorCode.enum;
  expect(codes).toEqual(
    expect.arrayContaining([
      'not-found',
      'method-not-allowed',
      'uri-too-long',
      'headers-too-large',
      'unsupported-media-type',
      'malformed-body',
      'malformed-request',
      'payload-too-large',
      'forbidden',
      'finish-in-progress',
      'wait-timeout',
    ]),
  );
  for (const [path, operations] of Object.entries(
    doc.paths as Record<string, Record<string, { responses: object }>>,
  )) {
    for (const [method, operation] of Object.entries(operations)) {
      expect([path, method, Object.keys(operation.responses).filter((s) => /^[45]XX$/.test(s))]).toEqual([
        path,
        method,
        ['4XX', '5XX'],
      ]);
    }
  }
});
