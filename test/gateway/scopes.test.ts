import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, lifecycleInput } from '../support/lifecycle-harness';
import { call, sha256Hex, startTestGateway, type InterviewAnswer } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * Tenant-scoped API keys over real HTTP, with lifecycles of two tenancies really running: every
 * route refuses (404, as if it did not exist) a lifecycle outside the key's scope, a key without
 * a permission gets 403 on one inside it, starts are held to the key's tenancies and prefixes,
 * the starting key is recorded as the owner, and every log line of a request names its key.
 */

const KEY = {
  acme: `acme-${randomBytes(16).toString('hex')}`,
  globex: `globex-${randomBytes(16).toString('hex')}`,
  reader: `reader-${randomBytes(16).toString('hex')}`,
  leases: `leases-${randomBytes(16).toString('hex')}`,
};

const KEY_FILE_LINES = [
  '# two tenants, a read-only key and a prefix-scoped one',
  `acme:${sha256Hex(KEY.acme)} tenancies=acme permissions=start,read,interview,follow-up,finish,cancel,repair,documents`,
  `globex:${sha256Hex(KEY.globex)} tenancies=globex permissions=admin`,
  `acme-reader:${sha256Hex(KEY.reader)} tenancies=acme permissions=read`,
  `leases:${sha256Hex(KEY.leases)} tenancies=* prefixes=lease- permissions=start,read`,
];

let scratch: string;
let base: string;
const logLines: string[] = [];

const bed = gatewayTestbed({
  tenancies: ['acme', 'globex'],
  env: async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'gateway-scopes-'));
    const keyFile = path.join(scratch, 'api-keys');
    await writeFile(keyFile, `${KEY_FILE_LINES.join('\n')}\n`);
    return { GATEWAY_API_KEYS: '', GATEWAY_API_KEYS_FILE: keyFile };
  },
  log: { stream: { write: (line) => logLines.push(line) } },
});

beforeAll(async () => {
  base = bed.gateway.url;
  LIFECYCLE_ROUTES = await lifecycleRoutes();
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const url = (id: string, rest = '') => `${base}/v1/assemblies/${encodeURIComponent(id)}${rest}`;

/** One route that names a lifecycle, as the OpenAPI document lists it, with a body it accepts. */
interface LifecycleRoute {
  method: 'GET' | 'POST';
  /** The OpenAPI path, e.g. `/v1/assemblies/{id}/documents/{documentId}`. */
  path: string;
  body?: unknown;
}

/** Bodies for the routes that need one; a new route with a body fails the test until it has one here. */
const BODIES: Record<string, unknown> = {
  'POST /v1/assemblies/{id}/follow-ups': { mode: 'batch' },
  'POST /v1/assemblies/{id}/repair': { action: 'retry', note: 'scope test' },
};

/** What a key with only `read` may call; every other lifecycle route needs more. */
const READ_ROUTES = ['GET /v1/assemblies/{id}', 'GET /v1/assemblies/{id}/result'];

let LIFECYCLE_ROUTES: LifecycleRoute[] = [];

/**
 * Every route of `/v1/openapi.json` that names a lifecycle (`{id}`), so that a new one is covered
 * the day it is added. The finish link's route names none: its signed token is the credential.
 */
async function lifecycleRoutes(): Promise<LifecycleRoute[]> {
  const doc = (await call(`${base}/v1/openapi.json`, { key: null })).json as {
    paths: Record<string, Record<string, { requestBody?: { required?: boolean } }>>;
  };
  const routes = Object.entries(doc.paths)
    .filter(([path]) => path.includes('{id}'))
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const name = `${method.toUpperCase()} ${path}`;
        if (operation.requestBody?.required === true && !(name in BODIES)) {
          throw new Error(`${name} takes a body: give it one in BODIES of test/gateway/scopes.test.ts`);
        }
        return { method: method.toUpperCase() as LifecycleRoute['method'], path, body: BODIES[name] };
      }),
    );
  return routes;
}

const routeName = (route: LifecycleRoute) => `${route.method} ${route.path}`;

/** The route's URL for a lifecycle (and, for a document route, a document it does not have). */
const routeUrl = (route: LifecycleRoute, id: string) =>
  `${base}${route.path.replace('{id}', encodeURIComponent(id)).replace('{documentId}', randomUUID())}`;

async function startAs(key: string, tenancy: string | undefined, businessKey = `scope-${randomUUID()}`) {
  return call(`${base}/v1/assemblies`, {
    method: 'POST',
    key,
    body: lifecycleInput({ businessKey, ...(tenancy !== undefined && { tenancy }) }),
  });
}

async function waitingAs(key: string, tenancy: string): Promise<InterviewAnswer> {
  const started = await startAs(key, tenancy);
  expect(started.status).toBe(201);
  return waitForInterviewAs(key, started.json.id);
}

async function waitForInterviewAs(key: string, id: string): Promise<InterviewAnswer> {
  // The harness polls with its default key; here the caller's own key must do.
  return eventually(
    async () => {
      const answer = await call(url(id, '/interview'), { key });
      return answer.status === 200 ? (answer.json as InterviewAnswer) : undefined;
    },
    { what: `${id} to offer its interview` },
  );
}

test('the route list comes from the OpenAPI document: both document routes and the repair are in it', () => {
  expect(LIFECYCLE_ROUTES.map(routeName)).toEqual(
    expect.arrayContaining([
      'GET /v1/assemblies/{id}',
      'GET /v1/assemblies/{id}/documents',
      'GET /v1/assemblies/{id}/documents/{documentId}',
      'POST /v1/assemblies/{id}/repair',
    ]),
  );
});

test('two tenancies: every route answers 404 for the other tenancy’s lifecycle, exactly as for none', async () => {
  expect.assertions(LIFECYCLE_ROUTES.length * 3 + 6);
  const acme = await waitingAs(KEY.acme, 'acme');
  const globex = await waitingAs(KEY.globex, 'globex');
  const nobody = `assembly-nobody-${randomUUID()}`;
  for (const route of LIFECYCLE_ROUTES) {
    const { method, body } = route;
    const foreign = await call(routeUrl(route, acme.id), { method, key: KEY.globex, body });
    const missing = await call(routeUrl(route, nobody), { method, key: KEY.globex, body });
    expect([routeName(route), foreign.status, foreign.json?.error?.code]).toEqual([
      routeName(route),
      404,
      'lifecycle-not-found',
    ]);
    // Same words as for an id that does not exist: nothing to tell the two apart.
    expect(foreign.json?.error?.message.replace(acme.id, 'ID')).toBe(
      missing.json?.error?.message.replace(nobody, 'ID'),
    );
    const other = await call(routeUrl(route, globex.id), { method, key: KEY.acme, body });
    expect([routeName(route), other.status]).toEqual([routeName(route), 404]);
  }
  // Nothing happened to either: both still wait for their interview.
  for (const [key, interview] of [
    [KEY.acme, acme],
    [KEY.globex, globex],
  ] as const) {
    const status = await call(url(interview.id), { key });
    expect([status.json.stage, status.json.activeSession.interviewCompleted]).toEqual([
      'waiting-for-interview',
      false,
    ]);
  }
  // Each key still reaches its own: cancel both.
  expect((await call(url(acme.id, '/cancel'), { method: 'POST', key: KEY.acme })).status).toBe(202);
  expect((await call(url(globex.id, '/cancel'), { method: 'POST', key: KEY.globex })).status).toBe(202);
});

test('a read-only key reads its tenancy’s lifecycles and gets 403 forbidden for everything else', async () => {
  const interview = await waitingAs(KEY.acme, 'acme');
  expect((await call(url(interview.id), { key: KEY.reader })).status).toBe(200);
  const result = await call(url(interview.id, '/result'), { key: KEY.reader });
  expect([result.status, result.json.error.code]).toEqual([409, 'lifecycle-still-running']);
  for (const route of LIFECYCLE_ROUTES.filter((r) => !READ_ROUTES.includes(routeName(r)))) {
    const { method, body } = route;
    const answer = await call(routeUrl(route, interview.id), { method, key: KEY.reader, body });
    expect([routeName(route), answer.status, answer.json.error]).toEqual([
      routeName(route),
      403,
      {
        code: 'forbidden',
        message: expect.stringMatching(/^API key "acme-reader" does not have the permission/),
      },
    ]);
  }
  const start = await startAs(KEY.reader, 'acme');
  expect([start.status, start.json.error.code]).toEqual([403, 'forbidden']);
  // The finish and cancel it asked for did not happen.
  const status = await call(url(interview.id), { key: KEY.reader });
  expect([status.json.stage, status.json.finishRequested]).toEqual(['waiting-for-interview', false]);
  await call(url(interview.id, '/cancel'), { method: 'POST', key: KEY.acme });
});

test('a read-only key sees no store reference and no interview session ids; keys with documents / interview do', async () => {
  const interview = await waitingAs(KEY.acme, 'acme');
  const active = async (key: string) => (await call(url(interview.id), { key })).json.activeSession;
  expect((await active(KEY.acme)).interview).toEqual({
    hdaSessionId: expect.any(String),
    coreSessionId: expect.any(String),
    interviewJsUrl: expect.any(String),
  });
  const asReader = await active(KEY.reader);
  expect(asReader).toMatchObject({ versionId: interview.versionId, interviewCompleted: false });
  expect(asReader).not.toHaveProperty('interview');
  await call(url(interview.id, '/cancel'), { method: 'POST', key: KEY.acme });

  const started = await call(`${base}/v1/assemblies`, {
    method: 'POST',
    key: KEY.acme,
    body: lifecycleInput({ businessKey: `scope-docs-${randomUUID()}`, tenancy: 'acme', mode: 'batch' }),
  });
  expect(started.status).toBe(201);
  const done = await call(url(started.json.id, '/result?wait=true'), { key: KEY.acme });
  expect(done.status).toBe(200);
  const references = (answer: { json: { sessions: { documents: { reference?: string }[] }[] } }) =>
    answer.json.sessions.flatMap((session) => session.documents.map((document) => document.reference));
  expect(references(done).length).toBeGreaterThan(0);
  expect(references(done)).toEqual(references(done).map(() => expect.stringMatching(/^file:\/\//)));
  for (const rest of ['/result', '/result?wait=true']) {
    const read = await call(url(started.json.id, rest), { key: KEY.reader });
    expect(read.status).toBe(200);
    expect(references(read)).toEqual(references(done).map(() => undefined));
    expect(read.json.sessions[0].documents[0]).toMatchObject({
      documentId: expect.any(String),
      sha256: expect.any(String),
    });
  }
  const status = await call(url(started.json.id), { key: KEY.reader });
  expect(JSON.stringify(status.json)).not.toContain('file://');
  expect(status.json.completedSessions[0].documents.length).toBeGreaterThan(0);
});

test('starts are held to the key’s tenancies and prefixes: 403 naming the field', async () => {
  const otherTenancy = await startAs(KEY.acme, 'globex');
  expect([otherTenancy.status, otherTenancy.json.error.code]).toEqual([403, 'forbidden']);
  expect(otherTenancy.json.error.problems).toEqual([
    { path: 'tenancy', message: 'this API key may not use tenancy "globex" (only acme)' },
  ]);
  const noTenancy = await startAs(KEY.acme, undefined);
  expect(noTenancy.json.error.problems).toEqual([
    { path: 'tenancy', message: 'this API key must name the tenancy: one of acme' },
  ]);
  const wrongPrefix = await startAs(KEY.leases, 'acme', `nda-${randomUUID()}`);
  expect([wrongPrefix.status, wrongPrefix.json.error.problems]).toEqual([
    403,
    [{ path: 'businessKey', message: 'this API key may only use business keys starting with "lease-"' }],
  ]);
  // Nothing was started by the refusals.
  for (const refused of [otherTenancy, noTenancy, wrongPrefix])
    expect(refused.headers['location']).toBeUndefined();
  // Within its prefix the key starts (any tenancy: tenancies=*), and reads it back; not another's.
  const lease = await startAs(KEY.leases, 'globex', `lease-${randomUUID()}`);
  expect(lease.status).toBe(201);
  expect((await call(url(lease.json.id), { key: KEY.leases })).status).toBe(200);
  const foreign = await waitingAs(KEY.globex, 'globex');
  expect((await call(url(foreign.id), { key: KEY.leases })).status).toBe(404);
  for (const id of [lease.json.id, foreign.id])
    await call(url(id, '/cancel'), { method: 'POST', key: KEY.globex });
});

test('the starting key is the owner (memo and HotDocsOwner); the same business key in two tenancies is two lifecycles', async () => {
  expect.assertions(9);
  const businessKey = `owned-${randomUUID()}`;
  const started = await startAs(KEY.globex, 'globex', businessKey);
  expect([started.status, started.json.id]).toEqual([201, `assembly-globex~${businessKey}`]);
  const description = await bed.env.client.workflow.getHandle(started.json.id).describe();
  expect(description.memo).toEqual({ owner: 'globex' });
  expect(description.searchAttributes['HotDocsOwner']).toEqual(['globex']);
  const owned = await bed.env.client.workflow.count(
    `HotDocsOwner = 'globex' AND WorkflowId = '${started.json.id}'`,
  );
  expect(owned.count).toBe(1);

  // The same business key by a key of another tenancy: its own lifecycle, no sign of the first.
  const other = await startAs(KEY.acme, 'acme', businessKey);
  expect([other.status, other.json.created, other.json.id]).toEqual([
    201,
    true,
    `assembly-acme~${businessKey}`,
  ]);
  // Neither key reaches the other's: 404 as for none.
  expect((await call(url(started.json.id), { key: KEY.acme })).status).toBe(404);
  expect((await call(url(other.json.id), { key: KEY.globex })).status).toBe(404);
  // The owner's repeat finds its own, and the owner stays the first key.
  const repeat = await startAs(KEY.globex, 'globex', businessKey);
  expect([repeat.status, repeat.json.created, repeat.json.id]).toEqual([200, false, started.json.id]);
  const both = await bed.env.client.workflow.count(`HotDocsBusinessKey = '${businessKey}'`);
  expect(both.count).toBe(2);
  await call(url(started.json.id, '/cancel'), { method: 'POST', key: KEY.globex });
  await call(url(other.json.id, '/cancel'), { method: 'POST', key: KEY.acme });
});

test('a lifecycle started before tenancies were part of ids is found by a repeat of its own tenancy only', async () => {
  expect.assertions(4);
  const businessKey = `legacy-${randomUUID()}`;
  // Started as the client did before: id `assembly-<businessKey>`, tenancy in its search attributes.
  const legacyId = `assembly-${businessKey}`;
  await bed.env.client.workflow.start('assemblyLifecycle', {
    workflowId: legacyId,
    taskQueue: bed.h.taskQueue,
    args: [{ ...lifecycleInput({ businessKey, tenancy: 'globex' }) }],
    searchAttributes: { HotDocsBusinessKey: [businessKey], HotDocsTenancy: ['globex'] },
  });
  const repeat = await startAs(KEY.globex, 'globex', businessKey);
  expect([repeat.status, repeat.json.created, repeat.json.id]).toEqual([200, false, legacyId]);
  expect((await call(url(legacyId), { key: KEY.globex })).status).toBe(200);
  // Another tenancy's start neither finds it nor learns of it.
  const other = await startAs(KEY.acme, 'acme', businessKey);
  expect([other.status, other.json.id]).toEqual([201, `assembly-acme~${businessKey}`]);
  expect((await call(url(legacyId), { key: KEY.acme })).status).toBe(404);
  await call(url(legacyId, '/cancel'), { method: 'POST', key: KEY.globex });
  await call(url(other.json.id, '/cancel'), { method: 'POST', key: KEY.acme });
});

test('the interview route signs finish links only within the key’s scope', async () => {
  const interview = await waitingAs(KEY.acme, 'acme');
  expect(interview.finishUrl).toMatch(/\/v1\/finish\/v1\./);
  const foreign = await call(url(interview.id, '/interview'), { key: KEY.globex });
  expect([foreign.status, foreign.json.finishUrl]).toEqual([404, undefined]);
  const readOnly = await call(url(interview.id, '/interview'), { key: KEY.reader });
  expect([readOnly.status, readOnly.json.finishUrl]).toEqual([403, undefined]);
  await call(url(interview.id, '/cancel'), { method: 'POST', key: KEY.acme });
});

test('every request’s log line names its key; no key or hash ever appears', async () => {
  const id = `assembly-log-${randomUUID()}`;
  logLines.length = 0;
  await call(url(id), { key: KEY.acme });
  await call(url(id), { key: KEY.globex });
  await call(url(id), { key: KEY.reader });
  await call(url(id), { key: 'not-a-key' });
  const lines = logLines.map(
    (line) => JSON.parse(line) as { msg: string; apiKey?: string | null; req?: { route?: string } },
  );
  const completed = lines.filter((line) => line.msg === 'request completed');
  expect(completed.map((line) => [line.req?.route, line.apiKey])).toEqual([
    ['/v1/assemblies/:id', 'acme'],
    ['/v1/assemblies/:id', 'globex'],
    ['/v1/assemblies/:id', 'acme-reader'],
    ['/v1/assemblies/:id', null],
  ]);
  const text = logLines.join('');
  for (const secret of [...Object.values(KEY), ...Object.values(KEY).map(sha256Hex), 'not-a-key']) {
    expect(text).not.toContain(secret);
  }
});

test('the gateway warns at start about a key without a scope', async () => {
  const lines: string[] = [];
  const gateway = await startTestGateway(bed.h.lifecycles, {
    env: { GATEWAY_API_KEYS: `ops:${sha256Hex('x')}` },
    log: { stream: { write: (line) => lines.push(line) } },
  });
  await gateway.close();
  const warnings = lines
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level === 40)
    .map((line) => line.msg);
  expect(warnings).toEqual([
    expect.stringMatching(
      /^API key "ops" \(GATEWAY_API_KEYS entry 1\) is unscoped: it may use every tenancy/,
    ),
  ]);
});
