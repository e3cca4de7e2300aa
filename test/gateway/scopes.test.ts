import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lifecycleInput } from '../support/lifecycle-harness';
import {
  call,
  createGatewayTestbed,
  sha256Hex,
  startTestGateway,
  type GatewayTestbed,
  type InterviewAnswer,
} from '../support/gateway-harness';

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
  `acme:${sha256Hex(KEY.acme)} tenancies=acme permissions=start,read,interview,follow-up,finish,cancel,repair`,
  `globex:${sha256Hex(KEY.globex)} tenancies=globex permissions=admin`,
  `acme-reader:${sha256Hex(KEY.reader)} tenancies=acme permissions=read`,
  `leases:${sha256Hex(KEY.leases)} tenancies=* prefixes=lease- permissions=start,read`,
];

let scratch: string;
let bed: GatewayTestbed;
let base: string;
const logLines: string[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'gateway-scopes-'));
  const keyFile = path.join(scratch, 'api-keys');
  await writeFile(keyFile, `${KEY_FILE_LINES.join('\n')}\n`);
  bed = await createGatewayTestbed({
    tenancies: ['acme', 'globex'],
    env: { GATEWAY_API_KEYS: '', GATEWAY_API_KEYS_FILE: keyFile },
    log: { stream: { write: (line) => logLines.push(line) } },
  });
  base = bed.gateway.url;
});

afterAll(async () => {
  await bed?.close();
  await rm(scratch, { recursive: true, force: true });
});

const url = (id: string, rest = '') => `${base}/v1/assemblies/${encodeURIComponent(id)}${rest}`;

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
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const answer = await call(url(id, '/interview'), { key });
    if (answer.status === 200) return answer.json as InterviewAnswer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${id} never offered its interview`);
}

/** Every route that names a lifecycle, with a body it accepts. */
const LIFECYCLE_ROUTES: [method: 'GET' | 'POST', rest: string, body?: unknown][] = [
  ['GET', ''],
  ['GET', '/result'],
  ['GET', '/interview'],
  ['POST', '/follow-ups', { mode: 'batch' }],
  ['POST', '/finish'],
  ['POST', '/cancel'],
  ['POST', '/repair', { action: 'retry', note: 'scope test' }],
];

test('two tenancies: every route answers 404 for the other tenancy’s lifecycle, exactly as for none', async () => {
  expect.assertions(LIFECYCLE_ROUTES.length * 3 + 6);
  const acme = await waitingAs(KEY.acme, 'acme');
  const globex = await waitingAs(KEY.globex, 'globex');
  const nobody = `assembly-nobody-${randomUUID()}`;
  for (const [method, rest, body] of LIFECYCLE_ROUTES) {
    const foreign = await call(url(acme.id, rest), { method, key: KEY.globex, body });
    const missing = await call(url(nobody, rest), { method, key: KEY.globex, body });
    expect([method, rest, foreign.status, foreign.json.error.code]).toEqual([
      method,
      rest,
      404,
      'lifecycle-not-found',
    ]);
    // Same words as for an id that does not exist: nothing to tell the two apart.
    expect(foreign.json.error.message.replace(acme.id, 'ID')).toBe(
      missing.json.error.message.replace(nobody, 'ID'),
    );
    const other = await call(url(globex.id, rest), { method, key: KEY.acme, body });
    expect([method, rest, other.status]).toEqual([method, rest, 404]);
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
  for (const [method, rest, body] of LIFECYCLE_ROUTES.filter(
    ([, rest]) => rest !== '' && rest !== '/result',
  )) {
    const answer = await call(url(interview.id, rest), { method, key: KEY.reader, body });
    expect([rest, answer.status, answer.json.error]).toEqual([
      rest,
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

test('the starting key is the owner (memo and HotDocsOwner); a taken business key is 409, not another’s lifecycle', async () => {
  const businessKey = `owned-${randomUUID()}`;
  const started = await startAs(KEY.globex, 'globex', businessKey);
  expect(started.status).toBe(201);
  const description = await bed.env.client.workflow.getHandle(started.json.id).describe();
  expect(description.memo).toEqual({ owner: 'globex' });
  expect(description.searchAttributes['HotDocsOwner']).toEqual(['globex']);
  const owned = await bed.env.client.workflow.count(
    `HotDocsOwner = 'globex' AND WorkflowId = '${started.json.id}'`,
  );
  expect(owned.count).toBe(1);

  // The same business key by a key of another tenancy: neither a start nor a glimpse of it.
  const clash = await startAs(KEY.acme, 'acme', businessKey);
  expect([clash.status, clash.json.error]).toEqual([
    409,
    {
      code: 'business-key-in-use',
      message: `Business key "${businessKey}" is already in use; choose another`,
    },
  ]);
  // The owner's repeat finds it, and the owner stays the first key.
  const repeat = await startAs(KEY.globex, 'globex', businessKey);
  expect([repeat.status, repeat.json.created, repeat.json.id]).toEqual([200, false, started.json.id]);
  await call(url(started.json.id, '/cancel'), { method: 'POST', key: KEY.globex });
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
