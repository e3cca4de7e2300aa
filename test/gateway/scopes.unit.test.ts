import type { GatewayApiKey } from '../../src/config';
import { coversEverything, coversLifecycle, hasPermission, startProblems } from '../../src/gateway/scopes';

/** What a key reaches and may do, as the routes ask it (scopes.test.ts does it over HTTP). */

const key = (scope?: GatewayApiKey['scope']): GatewayApiKey => ({
  name: 'k',
  sha256Hex: '0'.repeat(64),
  where: 'test',
  ...(scope !== undefined && { scope }),
});

test('an unscoped key reaches everything and may do everything', () => {
  const legacy = key();
  expect(coversEverything(legacy)).toBe(true);
  expect(coversLifecycle(legacy, {})).toBe(true);
  expect(hasPermission(legacy, 'repair')).toBe(true);
});

test('permissions as written; admin is every one', () => {
  const reader = key({ tenancies: '*', permissions: ['read'] });
  expect(hasPermission(reader, 'read')).toBe(true);
  expect(hasPermission(reader, 'finish')).toBe(false);
  const admin = key({ tenancies: ['acme'], permissions: ['admin'] });
  for (const permission of ['start', 'cancel', 'documents', 'repair'] as const)
    expect(hasPermission(admin, permission)).toBe(true);
});

test('tenancies: listed ones only; a lifecycle without a tenancy only for tenancies=*', () => {
  const acme = key({ tenancies: ['acme', 'globex'], permissions: ['read'] });
  expect(coversEverything(acme)).toBe(false);
  expect(coversLifecycle(acme, { tenancy: 'globex' })).toBe(true);
  expect(coversLifecycle(acme, { tenancy: 'initech' })).toBe(false);
  expect(coversLifecycle(acme, {})).toBe(false);
  const all = key({ tenancies: '*', permissions: ['read'] });
  expect(coversEverything(all)).toBe(true);
  expect(coversLifecycle(all, {})).toBe(true);
});

test('prefixes: the business key must start with one; none given, no business key matches', () => {
  const leases = key({ tenancies: '*', businessKeyPrefixes: ['lease-', 'nda-'], permissions: ['start'] });
  expect(coversEverything(leases)).toBe(false);
  expect(coversLifecycle(leases, { businessKey: 'nda-7' })).toBe(true);
  expect(coversLifecycle(leases, { businessKey: 'xlease-7' })).toBe(false);
  expect(coversLifecycle(leases, {})).toBe(false);
});

test('a refused start names each offending field', () => {
  const scoped = key({ tenancies: ['acme'], businessKeyPrefixes: ['lease-'], permissions: ['start'] });
  expect(startProblems(scoped, { tenancy: 'globex', businessKey: 'nda-1' })).toEqual([
    { path: 'tenancy', message: 'this API key may not use tenancy "globex" (only acme)' },
    { path: 'businessKey', message: 'this API key may only use business keys starting with "lease-"' },
  ]);
  expect(startProblems(scoped, { tenancy: 'acme', businessKey: 'lease-1' })).toEqual([]);
});
