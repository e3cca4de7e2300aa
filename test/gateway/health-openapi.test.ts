import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LifecycleClient } from '../../src/client';
import { findFreePort } from '../../tools/temporal';
import type { RunningGateway } from '../../src/gateway';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';
import { call, startTestGateway } from '../support/gateway-harness';
import { OPENAPI_DOCUMENT_PATH } from '../../tools/openapi/gateway-openapi-document';

/** /healthz, /readyz (also with Temporal unreachable) and the OpenAPI document. */

let env: TestWorkflowEnvironment;
let gateway: RunningGateway;

beforeAll(async () => {
  env = await connectTestEnvironment();
  gateway = await startTestGateway(
    new LifecycleClient(env.client, { taskQueue: uniqueTaskQueue('gw-health') }),
  );
});

afterAll(async () => {
  await gateway?.close();
  await env?.teardown();
});

test('healthz: the process is up; readyz: Temporal answers', async () => {
  const health = await call(`${gateway.url}/healthz`, { key: null });
  expect([health.status, health.json]).toEqual([200, { status: 'ok' }]);
  const ready = await call(`${gateway.url}/readyz`, { key: null });
  expect([ready.status, ready.json]).toEqual([200, { status: 'ready' }]);
});

test('readyz asks Temporal once per interval, however many probes come', async () => {
  // Counts the real calls (the real method still runs, against the real server).
  const asked = jest.spyOn(env.client.workflowService, 'getSystemInfo');
  const counted = await startTestGateway(new LifecycleClient(env.client));
  try {
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => call(`${counted.url}/readyz`, { key: null })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(asked).toHaveBeenCalledTimes(1);
  } finally {
    asked.mockRestore();
    await counted.close();
  }
});

test('readyz is 503 temporal-unavailable when Temporal cannot be reached; healthz stays 200', async () => {
  // A client for a port nothing listens on (lazy: it does not try to connect until used).
  const connection = Connection.lazy({ address: `127.0.0.1:${await findFreePort()}` });
  const unreachable = await startTestGateway(new LifecycleClient(new Client({ connection })));
  try {
    const ready = await call(`${unreachable.url}/readyz`, { key: null });
    expect(ready.status).toBe(503);
    expect(ready.json).toEqual({
      error: { code: 'temporal-unavailable', message: 'Temporal is not reachable' },
    });
    expect((await call(`${unreachable.url}/healthz`, { key: null })).status).toBe(200);
  } finally {
    await unreachable.close();
    await connection.close();
  }
});

test('the OpenAPI document lists every path, the request schemas and the API key schemes', async () => {
  const answer = await call(`${gateway.url}/v1/openapi.json`, { key: null });
  expect(answer.status).toBe(200);
  const doc = answer.json;
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths).sort()).toEqual(
    [
      '/healthz',
      '/readyz',
      '/v1/assemblies',
      '/v1/assemblies/{id}',
      '/v1/assemblies/{id}/result',
      '/v1/assemblies/{id}/interview',
      '/v1/assemblies/{id}/follow-ups',
      '/v1/assemblies/{id}/finish',
      '/v1/assemblies/{id}/cancel',
      '/v1/assemblies/{id}/documents',
      '/v1/assemblies/{id}/documents/{documentId}',
      '/v1/assemblies/{id}/repair',
      '/v1/repairs',
      '/v1/finish/{token}',
    ].sort(),
  );
  expect(doc.paths['/v1/repairs'].post.requestBody.content['application/json'].schema).toEqual({
    $ref: '#/components/schemas/BulkRepairRequest',
  });
  expect(doc.components.schemas.BulkRepairRequest.required).toEqual(['query', 'action']);
  expect(Object.keys(doc.paths['/v1/assemblies'])).toEqual(['post']);
  expect(doc.components.securitySchemes).toEqual({
    bearerKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  });

  // The request schemas are the lifecycle's own zod schemas, as components.
  const schemaOf = (path: string, contentType = 'application/json') =>
    doc.paths[path].post.requestBody.content[contentType].schema;
  expect(schemaOf('/v1/assemblies')).toEqual({ $ref: '#/components/schemas/AssemblyRequest' });
  const start = doc.components.schemas.AssemblyRequest;
  expect(start.required).toEqual(['businessKey', 'workItem']);
  expect(start.additionalProperties).toBe(false);
  expect(Object.keys(start.properties)).toEqual(
    expect.arrayContaining(['businessKey', 'workItem', 'answerXml', 'mode', 'interview', 'keepOpenFor']),
  );
  expect(start.properties.workItem).toEqual({ $ref: '#/components/schemas/WorkItem' });
  expect(doc.components.schemas.WorkItem.required).toEqual(['name', 'workGroupId', 'templatePackageId']);
  expect(start.properties.mode).toEqual({ $ref: '#/components/schemas/SessionMode', default: 'interview' });
  expect(doc.components.schemas.SessionMode.enum).toEqual(['interview', 'batch']);
  expect(schemaOf('/v1/assemblies/{id}/follow-ups')).toEqual({
    $ref: '#/components/schemas/FollowUpRequest',
  });
  expect(Object.keys(doc.components.schemas.FollowUpRequest.properties).sort()).toEqual([
    'answerXml',
    'mode',
    'requestId',
    'runAssembly',
  ]);
  expect(doc.paths['/v1/finish/{token}'].post.requestBody.content).toHaveProperty(
    'application/x-www-form-urlencoded',
  );
  expect(doc.paths['/v1/assemblies/{id}/result'].get.parameters).toContainEqual(
    expect.objectContaining({ in: 'query', name: 'wait' }),
  );

  // Business routes need a key; the finish link is its own credential.
  expect(doc.paths['/v1/assemblies'].post.security).toEqual([{ bearerKey: [] }, { apiKeyHeader: [] }]);
  expect(doc.paths['/v1/finish/{token}'].post.security).toBeUndefined();
  // Answers are described too, errors in the one shape.
  expect(doc.paths['/v1/assemblies'].post.responses['201'].content['application/json'].schema).toEqual({
    $ref: '#/components/schemas/Assembly',
  });
  expect(doc.paths['/v1/assemblies'].post.responses['4XX'].content['application/json'].schema).toEqual({
    $ref: '#/components/schemas/Error',
  });
});

test('the served document is the one the package publishes, with the gateway as its server', async () => {
  const published = JSON.parse(
    await readFile(path.resolve(__dirname, '..', '..', OPENAPI_DOCUMENT_PATH), 'utf8'),
  );
  const served = (await call(`${gateway.url}/v1/openapi.json`, { key: null })).json;
  expect(served).toEqual(published);
  const behindProxy = await startTestGateway(new LifecycleClient(env.client), {
    env: { GATEWAY_PUBLIC_URL: 'https://documents.example.com' },
  });
  try {
    const document = (await call(`${behindProxy.url}/v1/openapi.json`, { key: null })).json;
    expect(document).toEqual({ ...published, servers: [{ url: 'https://documents.example.com' }] });
  } finally {
    await behindProxy.close();
  }
});
