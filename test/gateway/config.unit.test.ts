import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadGatewayConfig, variablesOf, type Env } from '../../src/config';

/** loadGatewayConfig: environment → typed gateway config, every problem at once. */

const SECRET = 'f'.repeat(64);
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const OPS_HASH = sha256Hex('ops-key');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'gateway-config-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function problemsOf(env: Env): readonly string[] {
  try {
    loadGatewayConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

test('defaults: 127.0.0.1:8080, links from the listening address, 24h links, 120/min, 5s to accept a Finish, 2 MiB, 30s waits', () => {
  const config = loadGatewayConfig({
    GATEWAY_API_KEYS: `ops:${OPS_HASH.toUpperCase()}`,
    GATEWAY_FINISH_LINK_SECRET: SECRET,
  });
  expect(config).toEqual({
    host: '127.0.0.1',
    port: 8080,
    apiKeys: [{ name: 'ops', sha256Hex: OPS_HASH, where: 'GATEWAY_API_KEYS entry 1' }],
    finishLinkSecret: SECRET,
    finishLinkTtlMs: 24 * 3_600_000,
    rateLimitPerMinute: 120,
    addressRateLimitPerMinute: 600,
    finishLinkRateLimitPerMinute: 10,
    finishAcceptWithinMs: 5_000,
    bodyLimitBytes: 2 * 1024 * 1024,
    corsOrigins: [],
    waitLimitMs: 30_000,
    waitCaps: { perApiKey: 500, total: 2000 },
    documentStore: { kind: 'filesystem', dir: '.data/documents' },
    documentRedirect: false,
    documentLinkTtlMs: 5 * 60_000,
  });
});

test('every variable read', () => {
  const config = loadGatewayConfig({
    GATEWAY_HOST: '0.0.0.0',
    GATEWAY_PORT: '9000',
    GATEWAY_PUBLIC_URL: 'https://docs.example.com/gateway/',
    GATEWAY_API_KEYS: ` ops:${OPS_HASH} , crm:${sha256Hex('crm-key')} `,
    GATEWAY_FINISH_LINK_SECRET: SECRET,
    GATEWAY_FINISH_LINK_TTL: '2h30m',
    GATEWAY_RATE_LIMIT_PER_MINUTE: '600',
    GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE: '5',
    GATEWAY_FINISH_ACCEPT_WITHIN: '2s',
    GATEWAY_TRUST_PROXY: '10.0.0.0/8, loopback',
    GATEWAY_BODY_LIMIT_BYTES: '65536',
    GATEWAY_CORS_ORIGINS: 'https://app.example.com, http://localhost:3000/',
    GATEWAY_WAIT_LIMIT: '45s',
    GATEWAY_WAITS_PER_API_KEY: '50',
    GATEWAY_WAITS_MAX: '400',
  });
  expect(config).toMatchObject({
    host: '0.0.0.0',
    port: 9000,
    publicUrl: 'https://docs.example.com/gateway',
    apiKeys: [
      { name: 'ops', sha256Hex: OPS_HASH, where: 'GATEWAY_API_KEYS entry 1' },
      { name: 'crm', sha256Hex: sha256Hex('crm-key'), where: 'GATEWAY_API_KEYS entry 2' },
    ],
    finishLinkTtlMs: 2.5 * 3_600_000,
    rateLimitPerMinute: 600,
    finishLinkRateLimitPerMinute: 5,
    finishAcceptWithinMs: 2_000,
    trustProxy: { addresses: ['10.0.0.0/8', 'loopback'] },
    bodyLimitBytes: 65_536,
    corsOrigins: ['https://app.example.com', 'http://localhost:3000'],
    waitLimitMs: 45_000,
    waitCaps: { perApiKey: 50, total: 400 },
  });
});

test('keys from a file (comments and blank lines skipped) add to the inline ones; the secret from a file', async () => {
  const keysFile = path.join(scratch, 'keys');
  await writeFile(keysFile, `# gateway keys\n\nbilling:${sha256Hex('billing-key')}\n  # old\n`);
  const secretFile = path.join(scratch, 'secret');
  await writeFile(secretFile, `${SECRET}\n`);
  const config = loadGatewayConfig({
    GATEWAY_API_KEYS: `ops:${OPS_HASH}`,
    GATEWAY_API_KEYS_FILE: keysFile,
    GATEWAY_FINISH_LINK_SECRET_FILE: secretFile,
  });
  expect(config.apiKeys.map((k) => k.name)).toEqual(['ops', 'billing']);
  expect(config.finishLinkSecret).toBe(SECRET);
});

test('nothing configured: both required settings named', () => {
  expect(problemsOf({})).toEqual([
    'GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE is required: at least one API key',
    'GATEWAY_FINISH_LINK_SECRET (or _FILE) is required: the HMAC key of the finish links',
  ]);
});

test('every problem reported at once, by variable, without echoing keys or secrets', async () => {
  const keysFile = path.join(scratch, 'bad-keys');
  await writeFile(keysFile, `ops:${OPS_HASH}\nnot a key line\n`);
  const problems = problemsOf({
    GATEWAY_PORT: '70000',
    GATEWAY_PUBLIC_URL: 'ftp://docs.example.com?x=1',
    GATEWAY_API_KEYS: `ops:${OPS_HASH},broken:abc,sneaky-plaintext-key`,
    GATEWAY_API_KEYS_FILE: keysFile,
    GATEWAY_FINISH_LINK_SECRET: 'too-short',
    GATEWAY_FINISH_LINK_TTL: 'forever',
    GATEWAY_RATE_LIMIT_PER_MINUTE: '0',
    GATEWAY_FINISH_ACCEPT_WITHIN: '5m',
    GATEWAY_BODY_LIMIT_BYTES: '2MB',
    GATEWAY_CORS_ORIGINS: 'https://ok.example.com,*,https://x.example.com/path',
    GATEWAY_WAIT_LIMIT: '1h',
  });
  expect(problems).toEqual([
    'GATEWAY_PORT must be a port number',
    'GATEWAY_PUBLIC_URL must be an http(s) URL without credentials, query or fragment',
    expect.stringMatching(/^GATEWAY_API_KEYS entry 2 must be "name:sha256hex"/),
    expect.stringMatching(/^GATEWAY_API_KEYS entry 3 must be "name:sha256hex"/),
    expect.stringMatching(/^GATEWAY_API_KEYS_FILE line 2 must be "name:sha256hex"/),
    'API key name "ops" is configured twice',
    'API key "ops" has the same key as another one',
    'GATEWAY_FINISH_LINK_SECRET must be at least 32 characters (for example: openssl rand -hex 32)',
    'GATEWAY_FINISH_LINK_TTL must be a duration such as 30s, 15m or 24h, at most 90d',
    'GATEWAY_RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000',
    'GATEWAY_FINISH_ACCEPT_WITHIN must be a duration such as 30s, 15m or 24h, at most 1m',
    'GATEWAY_BODY_LIMIT_BYTES must be a whole number from 1024 to 67108864',
    'GATEWAY_WAIT_LIMIT must be a duration such as 30s, 15m or 24h, at most 10m',
    'GATEWAY_CORS_ORIGINS: "*" is not an origin such as https://app.example.com',
    'GATEWAY_CORS_ORIGINS: "https://x.example.com/path" is not an origin such as https://app.example.com',
  ]);
  const text = problems.join('\n');
  for (const secret of ['sneaky-plaintext-key', 'too-short', OPS_HASH]) expect(text).not.toContain(secret);
});

test('both a variable and its _FILE: a problem, not a silent choice', () => {
  expect(
    problemsOf({
      GATEWAY_API_KEYS: `ops:${OPS_HASH}`,
      GATEWAY_FINISH_LINK_SECRET: SECRET,
      GATEWAY_FINISH_LINK_SECRET_FILE: '/nonexistent',
    }),
  ).toEqual(['GATEWAY_FINISH_LINK_SECRET and GATEWAY_FINISH_LINK_SECRET_FILE are both set: use one']);
  expect(
    problemsOf({ GATEWAY_API_KEYS_FILE: path.join(scratch, 'missing'), GATEWAY_FINISH_LINK_SECRET: SECRET }),
  ).toEqual([`GATEWAY_API_KEYS_FILE: cannot read ${path.join(scratch, 'missing')} (ENOENT)`]);
});

test("the gateway's own variables", () => {
  expect(variablesOf('gateway').filter((name) => name.startsWith('GATEWAY_'))).toEqual([
    'GATEWAY_PORT',
    'GATEWAY_HOST',
    'GATEWAY_PUBLIC_URL',
    'GATEWAY_API_KEYS',
    'GATEWAY_API_KEYS_FILE',
    'GATEWAY_FINISH_LINK_SECRET',
    'GATEWAY_FINISH_LINK_SECRET_FILE',
    'GATEWAY_FINISH_LINK_TTL',
    'GATEWAY_RATE_LIMIT_PER_MINUTE',
    'GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE',
    'GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE',
    'GATEWAY_FINISH_ACCEPT_WITHIN',
    'GATEWAY_TRUST_PROXY',
    'GATEWAY_BODY_LIMIT_BYTES',
    'GATEWAY_CORS_ORIGINS',
    'GATEWAY_WAIT_LIMIT',
    'GATEWAY_WAITS_PER_API_KEY',
    'GATEWAY_WAITS_MAX',
    'GATEWAY_ADVANCE_CALLBACK_SECRET',
    'GATEWAY_ADVANCE_CALLBACK_SECRET_FILE',
    'GATEWAY_ADVANCE_WEBHOOK_HMAC',
    'GATEWAY_ADVANCE_WEBHOOK_HMAC_FILE',
    'GATEWAY_ADVANCE_WEBHOOK_BEARER',
    'GATEWAY_ADVANCE_WEBHOOK_BEARER_FILE',
    'GATEWAY_ADVANCE_WEBHOOK_HMAC_COVERS',
    'GATEWAY_DOCUMENT_REDIRECT',
    'GATEWAY_DOCUMENT_LINK_TTL',
    'GATEWAY_METRICS_PORT',
    'GATEWAY_METRICS_HOST',
  ]);
});

test('GATEWAY_METRICS_PORT: off by default, a listener of its own when set; anything else named', () => {
  const base = { GATEWAY_API_KEYS: `ops:${OPS_HASH}`, GATEWAY_FINISH_LINK_SECRET: SECRET };
  expect(loadGatewayConfig(base).metrics).toBeUndefined();
  expect(loadGatewayConfig({ ...base, GATEWAY_METRICS_PORT: 'off' }).metrics).toBeUndefined();
  expect(loadGatewayConfig({ ...base, GATEWAY_METRICS_PORT: '9464' }).metrics).toEqual({
    host: '127.0.0.1',
    port: 9464,
  });
  expect(
    loadGatewayConfig({ ...base, GATEWAY_METRICS_PORT: '0', GATEWAY_METRICS_HOST: '0.0.0.0' }).metrics,
  ).toEqual({ host: '0.0.0.0', port: 0 });
  expect(problemsOf({ ...base, GATEWAY_METRICS_PORT: 'ninety' })).toEqual([
    'GATEWAY_METRICS_PORT must be a port number or "off"',
  ]);
});

test('documents: the store of the worker (DOCUMENT_STORE and its variables), redirects and their link life', () => {
  const config = loadGatewayConfig({
    GATEWAY_API_KEYS: `ops:${OPS_HASH}`,
    GATEWAY_FINISH_LINK_SECRET: SECRET,
    DOCUMENT_STORE: 's3',
    DOCUMENT_STORE_S3_BUCKET: 'documents',
    DOCUMENT_STORE_S3_ENDPOINT: 'http://127.0.0.1:7070',
    GATEWAY_DOCUMENT_REDIRECT: 'TRUE',
    GATEWAY_DOCUMENT_LINK_TTL: '90s',
  });
  expect(config.documentStore).toEqual({
    kind: 's3',
    s3: { bucket: 'documents', endpoint: 'http://127.0.0.1:7070' },
  });
  expect(config.documentRedirect).toBe(true);
  expect(config.documentLinkTtlMs).toBe(90_000);
});

test('document settings: every problem by variable, including those of the store', () => {
  expect(
    problemsOf({
      GATEWAY_API_KEYS: `ops:${OPS_HASH}`,
      GATEWAY_FINISH_LINK_SECRET: SECRET,
      DOCUMENT_STORE: 's3',
      GATEWAY_DOCUMENT_REDIRECT: 'yes',
      GATEWAY_DOCUMENT_LINK_TTL: '30d',
    }),
  ).toEqual([
    'DOCUMENT_STORE_S3_BUCKET is required with DOCUMENT_STORE=s3',
    'GATEWAY_DOCUMENT_REDIRECT must be "true" or "false"',
    'GATEWAY_DOCUMENT_LINK_TTL must be a duration such as 30s, 15m or 24h, at most 7d',
  ]);
});

// ---- scoped keys ---------------------------------------------------------------------------

test('the key file: scopes per line, inline comments, and bare lines that keep their old meaning', async () => {
  const keysFile = path.join(scratch, 'scoped-keys');
  await writeFile(
    keysFile,
    [
      '# name:sha256hex [tenancies=…] [prefixes=…] [permissions=…]',
      `crm:${sha256Hex('crm-key')}  tenancies=acme,globex prefixes=lease-,nda- permissions=start,read,interview`,
      `ops:${OPS_HASH} tenancies=* permissions=admin   # the operators`,
      `legacy:${sha256Hex('legacy-key')}`,
    ].join('\n'),
  );
  const config = loadGatewayConfig({ GATEWAY_API_KEYS_FILE: keysFile, GATEWAY_FINISH_LINK_SECRET: SECRET });
  expect(config.apiKeysFile).toBe(keysFile);
  expect(config.apiKeys).toEqual([
    {
      name: 'crm',
      sha256Hex: sha256Hex('crm-key'),
      where: 'GATEWAY_API_KEYS_FILE line 2',
      scope: {
        tenancies: ['acme', 'globex'],
        businessKeyPrefixes: ['lease-', 'nda-'],
        permissions: ['start', 'read', 'interview'],
      },
    },
    {
      name: 'ops',
      sha256Hex: OPS_HASH,
      where: 'GATEWAY_API_KEYS_FILE line 3',
      scope: { tenancies: '*', permissions: ['admin'] },
    },
    // No scope at all: every tenancy, every permission (the gateway warns about it).
    { name: 'legacy', sha256Hex: sha256Hex('legacy-key'), where: 'GATEWAY_API_KEYS_FILE line 4' },
  ]);
});

test('scoped entries in GATEWAY_API_KEYS are separated by ; (commas belong to the lists)', () => {
  const config = loadGatewayConfig({
    GATEWAY_API_KEYS: `crm:${sha256Hex('crm-key')} tenancies=acme,globex permissions=read; ops:${OPS_HASH}`,
    GATEWAY_FINISH_LINK_SECRET: SECRET,
  });
  expect(config.apiKeys.map((k) => [k.name, k.scope?.tenancies ?? 'unscoped'])).toEqual([
    ['crm', ['acme', 'globex']],
    ['ops', 'unscoped'],
  ]);
});

test('bad key lines: a typed problem per line and setting, never the hash', async () => {
  const keysFile = path.join(scratch, 'bad-scoped-keys');
  const crm = sha256Hex('crm-key');
  await writeFile(
    keysFile,
    [
      `a:${crm} tenancies=acme`,
      `b:${sha256Hex('b')} permissions=read`,
      `c:${sha256Hex('c')} tenancies=acme permissions=read,delete`,
      `d:${sha256Hex('d')} tenancy=acme permissions=read`,
      `e:${sha256Hex('e')} tenancies=Acme&Co permissions=read`,
      `f:${sha256Hex('f')} tenancies=*,acme permissions=read`,
      `g:${sha256Hex('g')} tenancies=acme permissions=read prefixes=lease-,`,
      `h:${sha256Hex('h')} tenancies=acme tenancies=globex permissions=read`,
      `i:${sha256Hex('i')} tenancies=acme permissions=read prefixes=lease~`,
    ].join('\n'),
  );
  const problems = problemsOf({ GATEWAY_API_KEYS_FILE: keysFile, GATEWAY_FINISH_LINK_SECRET: SECRET });
  expect(problems).toEqual([
    'GATEWAY_API_KEYS_FILE line 1 (key "a"): a scoped key needs permissions= (start, read, interview, follow-up, finish, cancel, documents, repair, admin)',
    'GATEWAY_API_KEYS_FILE line 2 (key "b"): a scoped key needs tenancies= (tenancies=* for every tenancy)',
    'GATEWAY_API_KEYS_FILE line 3 (key "c"): permissions: "delete" is not one of start, read, interview, follow-up, finish, cancel, documents, repair, admin',
    'GATEWAY_API_KEYS_FILE line 4 (key "d"): unknown setting "tenancy" (known: tenancies, prefixes, permissions; write name=a,b)',
    'GATEWAY_API_KEYS_FILE line 4 (key "d"): a scoped key needs tenancies= (tenancies=* for every tenancy)',
    'GATEWAY_API_KEYS_FILE line 5 (key "e"): tenancies: "Acme&Co" is not a tenancy name (letters, digits, . : -)',
    'GATEWAY_API_KEYS_FILE line 6 (key "f"): tenancies=* stands alone',
    'GATEWAY_API_KEYS_FILE line 7 (key "g"): prefixes needs a comma-separated list without empty items',
    'GATEWAY_API_KEYS_FILE line 8 (key "h"): tenancies is given twice',
    'GATEWAY_API_KEYS_FILE line 9 (key "i"): prefixes: "lease~" is not a business-key prefix (letters, digits, . _ : @ / -)',
  ]);
  expect(problems.join('\n')).not.toContain(crm);
  // Old and new separators mixed up: the entry is named and the fix said.
  expect(
    problemsOf({
      GATEWAY_API_KEYS: `ops:${OPS_HASH},crm:${crm} permissions=read tenancies=acme`,
      GATEWAY_FINISH_LINK_SECRET: SECRET,
    }),
  ).toEqual([
    expect.stringMatching(
      /^GATEWAY_API_KEYS entry 1 must be .*separate the entries of GATEWAY_API_KEYS with ;$/,
    ),
  ]);
});

test('GATEWAY_TRUST_PROXY: addresses and ranges, or a hop count; anything else named', () => {
  const base = { GATEWAY_API_KEYS: `ops:${OPS_HASH}`, GATEWAY_FINISH_LINK_SECRET: SECRET };
  expect(loadGatewayConfig({ ...base, GATEWAY_TRUST_PROXY: '2' }).trustProxy).toEqual({ hops: 2 });
  expect(loadGatewayConfig({ ...base, GATEWAY_TRUST_PROXY: '::1,192.168.0.0/16' }).trustProxy).toEqual({
    addresses: ['::1', '192.168.0.0/16'],
  });
  expect(loadGatewayConfig(base).trustProxy).toBeUndefined();
  const notAnAddress = (value: string) =>
    `GATEWAY_TRUST_PROXY: "${value}" is not an IP address, a CIDR range (10.0.0.0/8) or one of loopback, linklocal, uniquelocal; or give a hop count such as 1`;
  for (const [value, expected] of [
    ['true', [notAnAddress('true')]],
    ['0', ['GATEWAY_TRUST_PROXY: a hop count must be from 1 to 10']],
    ['11', ['GATEWAY_TRUST_PROXY: a hop count must be from 1 to 10']],
    ['10.0.0.0/33', [notAnAddress('10.0.0.0/33')]],
    ['10.0.0.1,,proxy.example.com', [notAnAddress(''), notAnAddress('proxy.example.com')]],
  ] as const) {
    expect([value, problemsOf({ ...base, GATEWAY_TRUST_PROXY: value })]).toEqual([value, expected]);
  }
});

test('GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE is bounded', () => {
  expect(
    problemsOf({
      GATEWAY_API_KEYS: `ops:${OPS_HASH}`,
      GATEWAY_FINISH_LINK_SECRET: SECRET,
      GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE: '0',
    }),
  ).toEqual(['GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 10000']);
});

test('GATEWAY_ADVANCE_CALLBACK_SECRET shorter than 32 characters is refused at start, without echoing it', () => {
  const base = { GATEWAY_API_KEYS: `ops:${OPS_HASH}`, GATEWAY_FINISH_LINK_SECRET: SECRET };
  const short = 'x'.repeat(31);
  const problems = problemsOf({ ...base, GATEWAY_ADVANCE_CALLBACK_SECRET: short });
  expect(problems).toEqual([
    'GATEWAY_ADVANCE_CALLBACK_SECRET must be at least 32 characters (for example: openssl rand -hex 32)',
  ]);
  expect(problems.join('\n')).not.toContain(short);
  expect(
    loadGatewayConfig({ ...base, GATEWAY_ADVANCE_CALLBACK_SECRET: 'y'.repeat(32) }).advanceCallbackSecret,
  ).toBe('y'.repeat(32));
});
