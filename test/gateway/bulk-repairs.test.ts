import { randomBytes, randomUUID } from 'node:crypto';
import { lifecycleInput, eventually } from '../support/lifecycle-harness';
import { call, KEYS, sha256Hex } from '../support/gateway-harness';
import { gatewayTestbed } from '../support/testbed';

/**
 * `POST /v1/repairs`: repair in bulk over HTTP, for admin keys only, scoped like every route —
 * a key scoped to one tenancy lists and repairs that tenancy's lifecycles and no other, whatever
 * its query says. Lifecycles of two tenancies are parked in needs-attention by a refused login.
 */

const ACME_ADMIN = `acme-admin-${randomBytes(16).toString('hex')}`;
const REPAIRER = `repairer-${randomBytes(16).toString('hex')}`;
const GLOBEX_KEYS = `globex-keys-${randomBytes(16).toString('hex')}`;

let ours: string;
/** What the requests select by; the gateway adds its task queue (this test's) on its own. */
const BULK = "HotDocsBusinessKey STARTS_WITH 'bulk-'";
const parked: Record<'acme' | 'globex', string[]> = { acme: [], globex: [] };

const bed = gatewayTestbed({
  tenancies: ['acme', 'globex'],
  env: {
    GATEWAY_API_KEYS:
      `ops:${sha256Hex(KEYS.ops)} tenancies=* permissions=admin; ` +
      `acme-admin:${sha256Hex(ACME_ADMIN)} tenancies=acme permissions=admin; ` +
      `repairer:${sha256Hex(REPAIRER)} tenancies=* permissions=repair,read; ` +
      `globex-keys:${sha256Hex(GLOBEX_KEYS)} tenancies=* prefixes=bulk-globex- permissions=admin`,
  },
});

beforeAll(async () => {
  ours = `TaskQueue = '${bed.h.taskQueue}'`;
  const password = bed.h.emulator.credentials.principalPassword;
  bed.h.emulator.setPrincipalPassword('rotated-elsewhere');
  bed.h.emulator.expireTokens();
  for (const tenancy of ['acme', 'acme', 'globex', 'globex'] as const) {
    const started = await call(`${bed.gateway.url}/v1/assemblies`, {
      method: 'POST',
      body: lifecycleInput({ businessKey: `bulk-${tenancy}-${randomUUID()}`, tenancy, mode: 'batch' }),
    });
    expect(started.status).toBe(201);
    parked[tenancy].push(started.json.id as string);
  }
  await eventually(
    async () => {
      const { count } = await bed.env.client.workflow.count(`${ours} AND HotDocsStage = 'needs-attention'`);
      return count === 4 ? count : undefined;
    },
    { timeoutMs: 60_000, what: 'four lifecycles in needs-attention' },
  );
  // Fixed in Advance: the next login works, but each lifecycle waits for its (slow) retry.
  bed.h.emulator.setPrincipalPassword(password);
}, 120_000);

const repairs = (body: unknown, key: string = KEYS.ops) =>
  call(`${bed.gateway.url}/v1/repairs`, { method: 'POST', key, body });

test('admin only: a key with the repair permission is refused with 403', async () => {
  const answer = await repairs({ query: BULK, action: 'retry', dryRun: true }, REPAIRER);
  expect([answer.status, answer.json.error.code]).toEqual([403, 'forbidden']);
});

test("a tenancy-scoped admin key sees its tenancy's lifecycles only, whatever the query", async () => {
  const dryRun = await repairs({ query: BULK, action: 'retry', dryRun: true }, ACME_ADMIN);
  expect(dryRun.status).toBe(200);
  expect(dryRun.json.query).toContain("HotDocsTenancy IN ('acme')");
  expect(dryRun.json.query).toContain(`TaskQueue = '${bed.h.taskQueue}'`);
  expect(dryRun.json.lifecycles.map((l: { lifecycleId: string }) => l.lifecycleId).sort()).toEqual(
    [...parked.acme].sort(),
  );
  // A key limited to business-key prefixes: the same, by prefix.
  const byPrefix = await repairs({ query: BULK, action: 'retry', dryRun: true }, GLOBEX_KEYS);
  expect(byPrefix.json.query).toContain("(HotDocsBusinessKey STARTS_WITH 'bulk-globex-')");
  expect(byPrefix.json.lifecycles.map((l: { lifecycleId: string }) => l.lifecycleId).sort()).toEqual(
    [...parked.globex].sort(),
  );
  // Stepping out of the parentheses the query is put in is refused, naming the field.
  const escape = await repairs({ query: `${BULK}) OR (${BULK}`, action: 'retry', dryRun: true }, ACME_ADMIN);
  expect([escape.status, escape.json.error.code, escape.json.error.problems]).toEqual([
    400,
    'validation-failed',
    [{ path: 'query', message: 'a ")" without its "("' }],
  ]);
});

test('more matches than the limit: 409 too-many-matches unless confirmed; bad bodies: 400', async () => {
  const tooMany = await repairs({ query: BULK, action: 'retry', limit: 3 });
  expect([tooMany.status, tooMany.json.error.code]).toEqual([409, 'too-many-matches']);
  expect(tooMany.json.error.message).toContain('matches 4 lifecycles');
  const refusedByTemporal = await repairs({ query: 'NoSuchAttribute = 1', action: 'retry', dryRun: true });
  expect([refusedByTemporal.status, refusedByTemporal.json.error.problems[0].path]).toEqual([400, 'query']);
  const bad = await repairs({ query: BULK, action: 'accept-completed', rate: 0, by: 'me' });
  expect([bad.status, bad.json.error.problems]).toEqual([
    400,
    [
      { path: 'action', message: 'action must be one of retry, abandon' },
      { path: 'rate', message: 'rate must be above 0' },
      { path: 'by', message: 'unknown field' },
    ],
  ]);
  // Nothing changed.
  for (const id of [...parked.acme, ...parked.globex])
    expect((await bed.h.lifecycles.status(id)).stage).toBe('needs-attention');
});

test('the acme admin retries its two; they complete, recorded as its repairs; globex waits', async () => {
  const answer = await repairs({ query: BULK, action: 'retry', note: 'password fixed' }, ACME_ADMIN);
  expect(answer.status).toBe(200);
  expect(answer.json).toMatchObject({
    matched: 2,
    repaired: 2,
    refused: 0,
    failed: 0,
    skipped: 0,
    dryRun: false,
  });
  for (const id of parked.acme) {
    expect((await bed.h.lifecycles.result(id)).outcome).toBe('completed');
    expect((await bed.h.lifecycles.status(id)).repairs).toEqual([
      expect.objectContaining({ action: 'retry', by: 'acme-admin', note: 'password fixed' }),
    ]);
  }
  for (const id of parked.globex) expect((await bed.h.lifecycles.status(id)).stage).toBe('needs-attention');

  // One by one, the key's name is recorded too.
  const [first, second] = parked.globex as [string, string];
  const single = await call(`${bed.gateway.url}/v1/assemblies/${first}/repair`, {
    method: 'POST',
    body: { action: 'abandon', note: 'not needed' },
  });
  expect(single.status).toBe(200);
  expect((await bed.h.lifecycles.status(first)).repairs).toEqual([
    expect.objectContaining({ action: 'abandon', by: 'ops', note: 'not needed' }),
  ]);
  // The unscoped admin key reaches the last one; a second run finds nothing left.
  const rest = await repairs({ query: BULK, action: 'retry' });
  expect(rest.json).toMatchObject({ matched: 1, repaired: 1 });
  expect((await bed.h.lifecycles.result(second)).outcome).toBe('completed');
  const again = await repairs({ query: BULK, action: 'retry' });
  expect(again.json).toMatchObject({ matched: 0, repaired: 0, lifecycles: [] });
});

test('a start whose attentionRetryEvery is under a minute is refused with 400, naming the field', async () => {
  const answer = await call(`${bed.gateway.url}/v1/assemblies`, {
    method: 'POST',
    body: lifecycleInput({
      businessKey: `spin-${randomUUID()}`,
      tenancy: 'acme',
      attentionRetryEvery: '1ms',
    }),
  });
  expect([answer.status, answer.json.error.code, answer.json.error.problems]).toEqual([
    400,
    'validation-failed',
    [
      {
        path: 'attentionRetryEvery',
        message: 'attentionRetryEvery must be at least 1m (the least time between automatic retries)',
      },
    ],
  ]);
});
