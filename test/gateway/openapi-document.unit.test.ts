import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPENAPI_TAGS } from '../../src/gateway/openapi';
import {
  gatewayOpenApiDocumentText,
  OPENAPI_DOCUMENT_PATH,
} from '../../tools/openapi/gateway-openapi-document';

/**
 * The gateway's OpenAPI document as client generators read it: the committed copy the package
 * publishes is current, operations have stable ids and tags, each shape is one component, query
 * flags are booleans and a download is bytes. (health-openapi.test.ts compares the served document
 * with the committed one.)
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- the document is read as plain JSON */
let text: string;
let doc: any;

beforeAll(async () => {
  text = await gatewayOpenApiDocumentText();
  doc = JSON.parse(text);
});

const operations = (): [string, string, any][] =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([url, item]) =>
    Object.entries(item).map(([method, operation]): [string, string, any] => [method, url, operation]),
  );

test(`the published ${OPENAPI_DOCUMENT_PATH} is current (regenerate with npm run build)`, () => {
  const committed = readFileSync(path.resolve(__dirname, '..', '..', OPENAPI_DOCUMENT_PATH), 'utf8');
  expect(committed === text ? 'current' : 'stale: run npm run build').toBe('current');
});

test('the document is versioned with the package', () => {
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'));
  expect(doc.info.version).toBe(manifest.version);
  expect(manifest.files).toContain(path.dirname(OPENAPI_DOCUMENT_PATH));
});

test('every operation has its stable operationId and one known tag', () => {
  // Generated clients name their functions after these: renaming one breaks every client.
  expect(
    Object.fromEntries(operations().map(([method, url, op]) => [`${method} ${url}`, op.operationId])),
  ).toEqual({
    'get /healthz': 'getHealth',
    'get /readyz': 'getReadiness',
    'post /v1/assemblies': 'startAssembly',
    'get /v1/assemblies/{id}': 'getAssembly',
    'get /v1/assemblies/{id}/result': 'getAssemblyResult',
    'get /v1/assemblies/{id}/interview': 'getInterview',
    'post /v1/assemblies/{id}/follow-ups': 'requestFollowUp',
    'post /v1/assemblies/{id}/finish': 'finishAssembly',
    'post /v1/assemblies/{id}/cancel': 'cancelAssembly',
    'post /v1/assemblies/{id}/repair': 'repairAssembly',
    'post /v1/repairs': 'repairAssemblies',
    'get /v1/assemblies/{id}/documents': 'listDocuments',
    'get /v1/assemblies/{id}/documents/{documentId}': 'downloadDocument',
    'post /v1/finish/{token}': 'finishInterview',
  });
  const known = OPENAPI_TAGS.map((tag) => tag.name);
  for (const [method, url, operation] of operations()) {
    expect([method, url, operation.tags.length, known.includes(operation.tags[0])]).toEqual([
      method,
      url,
      1,
      true,
    ]);
  }
  expect(doc.tags.map((tag: { name: string }) => tag.name)).toEqual(known);
});

/** Every subschema of a schema, with where it sits, not descending into `$ref`s. */
function* subschemas(schema: any, where: string): Generator<[string, any]> {
  if (typeof schema !== 'object' || schema === null) return;
  yield [where, schema];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    yield* subschemas(property, `${where}.${name}`);
  }
  if (schema.items !== undefined) yield* subschemas(schema.items, `${where}[]`);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    for (const [i, option] of (schema[key] ?? []).entries())
      yield* subschemas(option, `${where}.${key}[${i}]`);
  }
  if (typeof schema.additionalProperties === 'object') {
    yield* subschemas(schema.additionalProperties, `${where}{}`);
  }
}

test('each shape is one named component, referenced where it is used; no request twins', () => {
  const components = doc.components.schemas as Record<string, any>;
  expect(Object.keys(components).filter((name) => name.endsWith('Input'))).toEqual([]);
  // Inside a component, every object and every enum is a reference to another component: a
  // generator would otherwise make a class of it named after where it happens to sit.
  const inline = Object.entries(components).flatMap(([name, schema]) =>
    [...subschemas(schema, name)]
      .slice(1)
      .filter(([, sub]) => sub.type === 'object' || (Array.isArray(sub.enum) && sub.enum.length > 1))
      .map(([where]) => where),
  );
  // Enums of one shape, used in one place, may stay where they are.
  expect(inline.sort()).toEqual([
    'AssemblyResult.outcome',
    'BulkRepairLifecycle.outcome',
    'EventDelivery.outcome',
    'InterviewFinished.outcome',
    'QueuedFollowUp.via',
  ]);
  // Bodies and answers are references, never inline objects.
  for (const [method, url, operation] of operations()) {
    const bodies = Object.values(operation.requestBody?.content ?? {});
    const answers = Object.values(operation.responses).flatMap((answer: any) =>
      Object.values(answer.content ?? {}),
    );
    for (const media of [...bodies, ...answers] as { schema: any }[]) {
      if (media.schema.type === 'object') throw new Error(`${method} ${url}: an inline object schema`);
    }
  }
  // Every component is reached from an operation.
  const referenced = new Set(JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g));
  expect(Object.keys(components).filter((name) => !referenced.has(`#/components/schemas/${name}`))).toEqual(
    [],
  );
});

test('wait is a boolean flag, except on the start, where it names what to wait for', () => {
  const flags = operations().flatMap(([method, url, operation]) =>
    (operation.parameters ?? [])
      .filter((parameter: any) => parameter.in === 'query' && parameter.name === 'wait')
      .map((parameter: any) => [`${method} ${url}`, parameter.schema]),
  );
  expect(flags).toEqual([
    ['post /v1/assemblies', { type: 'string', enum: ['interview'] }],
    ['get /v1/assemblies/{id}/result', { type: 'boolean' }],
    ['get /v1/assemblies/{id}/interview', { type: 'boolean' }],
    ['post /v1/assemblies/{id}/follow-ups', { type: 'boolean' }],
  ]);
});

test("a download is bytes for generators, in the document's own media type on the wire", () => {
  const download = doc.paths['/v1/assemblies/{id}/documents/{documentId}'].get;
  for (const status of ['200', '206']) {
    expect(download.responses[status].content).toEqual({
      'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
      '*/*': { schema: { type: 'string', format: 'binary' } },
    });
  }
  expect(download.responses['206'].headers).toHaveProperty('Content-Range');
  expect(download.responses['302'].headers).toHaveProperty('Location');
  expect(download.responses['304'].content).toBeUndefined();
});

test('a body the gateway lets a client leave out is not required', () => {
  const required = Object.fromEntries(
    operations()
      .filter(([, , operation]) => operation.requestBody !== undefined)
      .map(([method, url, operation]) => [`${method} ${url}`, operation.requestBody.required]),
  );
  expect(required).toEqual({
    'post /v1/assemblies': true,
    'post /v1/assemblies/{id}/follow-ups': false,
    'post /v1/repairs': true,
    'post /v1/assemblies/{id}/repair': true,
    'post /v1/finish/{token}': false,
  });
});

test('a GUID pattern accepts either case, as the gateway does', () => {
  const { workGroupId } = doc.components.schemas.WorkItem.properties;
  const pattern = new RegExp(workGroupId.pattern);
  expect(pattern.test('6B1F1D0E-3B7C-4F62-9A57-0C0E8F1D2A11')).toBe(true);
  expect(pattern.test('6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11')).toBe(true);
});

test('the descriptions written on fields reach the document', () => {
  expect(doc.components.schemas.AssemblyStatus.properties.attention.description).toBe(
    'Set while the lifecycle waits in needs-attention for an operator',
  );
  expect(doc.components.schemas.RepairRequest.properties.action).toMatchObject({
    $ref: '#/components/schemas/RepairAction',
    description: expect.stringContaining('accept-completed'),
  });
});
