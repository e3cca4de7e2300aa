import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadWorkerConfig, type Env } from '../../src/config';

const SECRET = 'pr1ncipal-pa55word';
const base: Env = {
  ADVANCE_DEPLOYMENT: 'cloud',
  ADVANCE_TENANCY: 'acme',
  ADVANCE_CLIENT_NAME: 'orchestrator',
  ADVANCE_PRINCIPAL_NAME: 'svc-assembly',
  ADVANCE_PRINCIPAL_PASSWORD: SECRET,
};

function problems(env: Env): readonly string[] {
  try {
    loadWorkerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).not.toContain(SECRET);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a configuration error');
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hotdocs-config-'));
});

test('defaults for a single cloud tenancy', () => {
  const config = loadWorkerConfig(base);
  expect(config.taskQueue).toBe('hotdocs-assembly');
  expect(config.documentStore).toEqual({ kind: 'filesystem', dir: '.data/documents' });
  expect(config.shutdownGraceTimeMs).toBe(30_000);
  expect(config.maxCachedWorkflows).toBe(100);
  expect(config.advance.defaultTenancy).toBe('acme');
  expect(config.advance.tenancies.get('acme')?.urls.apiBase).toBe(
    'https://acme.hotdocsadvance.com/api/rest/v1.1',
  );
  expect(JSON.stringify([...config.advance.tenancies.values()])).not.toContain(SECRET);
});

test('every problem at once, named by variable', () => {
  expect(
    problems({
      ADVANCE_DEPLOYMENT: 'onpremise',
      ADVANCE_TENANCY: 'acme',
      ADVANCE_TOKEN_LIFETIME_SECONDS: 'an hour',
      REMINDER_WEBHOOK_URL: 'not a url',
      WORKER_SHUTDOWN_GRACE_TIME: 'soon',
    }),
  ).toEqual([
    'ADVANCE_TOKEN_LIFETIME_SECONDS must be a whole number of seconds',
    'ADVANCE_CLIENT_NAME is required',
    'ADVANCE_PRINCIPAL_NAME is required',
    'ADVANCE_PRINCIPAL_PASSWORD is required',
    'ADVANCE_DOMAIN is required for an onpremise deployment',
    'REMINDER_WEBHOOK_URL must be an http(s) URL',
    'REMINDER_WEBHOOK_SECRET (or _FILE) is required with REMINDER_WEBHOOK_URL',
    'WORKER_SHUTDOWN_GRACE_TIME must be a duration such as 30s, 15m or 24h, at most 1d',
  ]);
});

test('an empty environment says what to set', () => {
  expect(problems({})).toEqual([
    'ADVANCE_CLIENT_NAME is required',
    'ADVANCE_PRINCIPAL_NAME is required',
    'ADVANCE_PRINCIPAL_PASSWORD is required',
    'ADVANCE_DEPLOYMENT ("cloud" or "onpremise") is required unless ADVANCE_BASE_URL and ADVANCE_AUTH_URL are given',
  ]);
});

test('secrets from files; a file and a value together is an error', async () => {
  const file = path.join(dir, 'password');
  await writeFile(file, `${SECRET}\n`);
  const { ADVANCE_PRINCIPAL_PASSWORD: _omit, ...withoutPassword } = base;
  const config = loadWorkerConfig({ ...withoutPassword, ADVANCE_PRINCIPAL_PASSWORD_FILE: file });
  expect(config.advance.tenancies.get('acme')?.credentials.principalPassword.reveal()).toBe(SECRET);
  expect(problems({ ...base, ADVANCE_PRINCIPAL_PASSWORD_FILE: file })).toEqual([
    'ADVANCE_PRINCIPAL_PASSWORD and ADVANCE_PRINCIPAL_PASSWORD_FILE are both set: use one',
    'ADVANCE_PRINCIPAL_PASSWORD is required',
  ]);
  expect(
    problems({ ...withoutPassword, ADVANCE_PRINCIPAL_PASSWORD_FILE: path.join(dir, 'missing') }),
  ).toEqual([
    `ADVANCE_PRINCIPAL_PASSWORD_FILE: cannot read ${path.join(dir, 'missing')} (ENOENT)`,
    'ADVANCE_PRINCIPAL_PASSWORD is required',
  ]);
});

test('an empty secret file is a problem, not an empty secret', async () => {
  const empty = path.join(dir, 'empty-secret');
  await writeFile(empty, '\n');
  expect(
    problems({
      ...base,
      REMINDER_WEBHOOK_URL: 'https://hooks.example.com/r',
      REMINDER_WEBHOOK_SECRET_FILE: empty,
    }),
  ).toEqual([
    `REMINDER_WEBHOOK_SECRET_FILE: ${empty} is empty`,
    'REMINDER_WEBHOOK_SECRET (or _FILE) is required with REMINDER_WEBHOOK_URL',
  ]);
});

test('several tenancies from ADVANCE_TENANCIES_FILE', async () => {
  await writeFile(path.join(dir, 'legal.secret'), 'other-secret\n');
  const file = path.join(dir, 'tenancies.json');
  await writeFile(
    file,
    JSON.stringify({
      defaultTenancy: 'acme',
      tenancies: {
        acme: {
          deployment: 'cloud',
          tenancy: 'acme',
          clientName: 'c',
          principalName: 'p',
          principalPassword: SECRET,
        },
        legal: {
          deployment: 'onpremise',
          tenancy: 'legal',
          domain: 'example.com',
          clientName: 'c2',
          principalName: 'p2',
          principalPasswordFile: 'legal.secret',
        },
      },
    }),
  );
  const config = loadWorkerConfig({ ADVANCE_TENANCIES_FILE: file });
  expect([...config.advance.tenancies.keys()]).toEqual(['acme', 'legal']);
  expect(config.advance.tenancies.get('legal')?.urls.apiBase).toBe(
    'https://legal.example.com/HdaApi/rest/v1.1',
  );
  expect(config.advance.tenancies.get('legal')?.credentials.principalPassword.reveal()).toBe('other-secret');
  expect(problems({ ...base, ADVANCE_TENANCIES_FILE: file })).toEqual([
    expect.stringMatching(
      /^ADVANCE_TENANCIES_FILE is set: unset ADVANCE_DEPLOYMENT, ADVANCE_TENANCY, .*ADVANCE_PRINCIPAL_PASSWORD$/,
    ),
  ]);
});

test('a broken tenancies file names the tenancy and the field', async () => {
  const file = path.join(dir, 'broken.json');
  await writeFile(
    file,
    JSON.stringify({ defaultTenancy: 'nope', tenancies: { acme: { deployment: 'cloud' } } }),
  );
  expect(problems({ ADVANCE_TENANCIES_FILE: file })).toEqual([
    `ADVANCE_TENANCIES_FILE (${file}): tenancies.acme: clientName is required`,
    `ADVANCE_TENANCIES_FILE (${file}): tenancies.acme: principalName is required`,
    `ADVANCE_TENANCIES_FILE (${file}): tenancies.acme: principalPassword is required`,
    `ADVANCE_TENANCIES_FILE (${file}): tenancies.acme: tenancy is required for a cloud deployment`,
    `ADVANCE_TENANCIES_FILE (${file}): defaultTenancy "nope" is not in tenancies`,
  ]);
  await writeFile(file, '{ not json');
  expect(problems({ ADVANCE_TENANCIES_FILE: file })).toEqual([
    `ADVANCE_TENANCIES_FILE (${file}): not valid JSON`,
  ]);
});

describe('the protocol per tenancy', () => {
  test('ADVANCE_API_VERSION and ADVANCE_CREATE_AND_ASSEMBLE, with their defaults', () => {
    const defaults = loadWorkerConfig(base).advance.tenancies.get('acme');
    expect(defaults).toMatchObject({ apiVersion: 'v1.1', createAndAssemble: 'auto' });
    const onPremise = loadWorkerConfig({
      ...base,
      ADVANCE_DEPLOYMENT: 'onpremise',
      ADVANCE_DOMAIN: 'example.com',
      ADVANCE_API_VERSION: 'v2.0',
      ADVANCE_CREATE_AND_ASSEMBLE: 'off',
    }).advance.tenancies.get('acme');
    expect(onPremise).toMatchObject({ apiVersion: 'v2.0', createAndAssemble: 'off' });
    expect(onPremise?.urls.apiBase).toBe('https://acme.example.com/HdaApi/rest/v2.0');
  });

  test('bad values and a base URL of the other version are named by variable', () => {
    expect(problems({ ...base, ADVANCE_API_VERSION: '2', ADVANCE_CREATE_AND_ASSEMBLE: 'always' })).toEqual([
      'ADVANCE_API_VERSION must be "v1.1" or "v2.0"',
      'ADVANCE_CREATE_AND_ASSEMBLE must be "auto", "on" or "off"',
    ]);
    const explicit = {
      ADVANCE_BASE_URL: 'http://127.0.0.1:8400/api/rest/v1.1',
      ADVANCE_AUTH_URL: 'http://127.0.0.1:8400/auth',
      ADVANCE_CLIENT_NAME: 'c',
      ADVANCE_PRINCIPAL_NAME: 'p',
      ADVANCE_PRINCIPAL_PASSWORD: SECRET,
    };
    expect(problems({ ...explicit, ADVANCE_API_VERSION: 'v2.0' })).toEqual([
      'ADVANCE_BASE_URL ends in /v1.1 but ADVANCE_API_VERSION is v2.0',
    ]);
  });

  test('a field of each tenancy in ADVANCE_TENANCIES_FILE', async () => {
    const file = path.join(dir, 'versions.json');
    const tenancy = { clientName: 'c', principalName: 'p', principalPassword: SECRET };
    await writeFile(
      file,
      JSON.stringify({
        tenancies: {
          cloud: { deployment: 'cloud', tenancy: 'acme', ...tenancy },
          current: {
            deployment: 'onpremise',
            tenancy: 'legal',
            domain: 'example.com',
            apiVersion: 'v2.0',
            createAndAssemble: 'on',
            ...tenancy,
          },
        },
      }),
    );
    const { tenancies } = loadWorkerConfig({ ADVANCE_TENANCIES_FILE: file }).advance;
    expect(tenancies.get('cloud')?.apiVersion).toBe('v1.1');
    expect(tenancies.get('current')).toMatchObject({ apiVersion: 'v2.0', createAndAssemble: 'on' });
    expect(problems({ ADVANCE_TENANCIES_FILE: file, ADVANCE_API_VERSION: 'v2.0' })).toEqual([
      'ADVANCE_TENANCIES_FILE is set: unset ADVANCE_API_VERSION',
    ]);
  });
});
