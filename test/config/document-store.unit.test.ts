import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  loadDocumentStoreConfig,
  loadWorkerConfig,
  type DocumentStoreConfig,
  type Env,
} from '../../src/config';
import { createDocumentStore } from '../../src/documents/create-store';

const ROOT = path.resolve(__dirname, '..', '..');
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ACCOUNT_KEY = 'c2VjcmV0LWFjY291bnQta2V5LXRoYXQtbXVzdC1uZXZlci1sZWFr';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hotdocs-store-config-'));
  await writeFile(path.join(dir, 's3-secret'), `${SECRET}\n`);
  await writeFile(path.join(dir, 'account-key'), ACCOUNT_KEY);
  await writeFile(path.join(dir, 'empty'), '');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function load(env: Env): { config: DocumentStoreConfig; problems: string[] } {
  const problems: string[] = [];
  const config = loadDocumentStoreConfig(env, problems);
  for (const problem of problems) {
    expect(problem).not.toContain(SECRET);
    expect(problem).not.toContain(ACCOUNT_KEY);
  }
  return { config, problems };
}

test('the filesystem is the default, under .data/documents unless DOCUMENT_STORE_DIR says otherwise', () => {
  expect(load({})).toEqual({ config: { kind: 'filesystem', dir: '.data/documents' }, problems: [] });
  expect(load({ DOCUMENT_STORE: 'filesystem', DOCUMENT_STORE_DIR: '/srv/documents' }).config).toEqual({
    kind: 'filesystem',
    dir: '/srv/documents',
  });
  // Empty is unset, as compose passes ${X:-}.
  expect(load({ DOCUMENT_STORE: ' ', DOCUMENT_STORE_S3_BUCKET: '' })).toEqual({
    config: { kind: 'filesystem', dir: '.data/documents' },
    problems: [],
  });
});

test('s3: every variable, the secret key from a file', () => {
  expect(
    load({
      DOCUMENT_STORE: 's3',
      DOCUMENT_STORE_S3_BUCKET: 'acme-documents',
      DOCUMENT_STORE_S3_PREFIX: 'lifecycles/',
      DOCUMENT_STORE_S3_REGION: 'eu-central-1',
      DOCUMENT_STORE_S3_ENDPOINT: 'https://s3.example.com/',
      DOCUMENT_STORE_S3_FORCE_PATH_STYLE: 'TRUE',
      DOCUMENT_STORE_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE: path.join(dir, 's3-secret'),
      DOCUMENT_STORE_S3_SSE: 'aws:kms',
      DOCUMENT_STORE_S3_SSE_KMS_KEY_ID: 'alias/documents',
      DOCUMENT_STORE_S3_PUBLIC_ENDPOINT: 'https://files.example.com',
      DOCUMENT_STORE_DIR: '/data/documents',
    }),
  ).toEqual({
    config: {
      kind: 's3',
      s3: {
        bucket: 'acme-documents',
        prefix: 'lifecycles/',
        region: 'eu-central-1',
        endpoint: 'https://s3.example.com',
        forcePathStyle: true,
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET },
        serverSideEncryption: 'aws:kms',
        kmsKeyId: 'alias/documents',
        publicEndpoint: 'https://files.example.com',
      },
    },
    problems: [],
  });
  // Nothing but the bucket: AWS, the SDK's default credentials and region.
  expect(load({ DOCUMENT_STORE: 's3', DOCUMENT_STORE_S3_BUCKET: 'b' })).toEqual({
    config: { kind: 's3', s3: { bucket: 'b' } },
    problems: [],
  });
});

test('s3: every problem at once, named by variable, without the secret', () => {
  expect(
    load({
      DOCUMENT_STORE: 's3',
      DOCUMENT_STORE_S3_PREFIX: 'a/../b',
      DOCUMENT_STORE_S3_REGION: 'Europe (Frankfurt)',
      DOCUMENT_STORE_S3_ENDPOINT: `https://AKIA:${SECRET}@s3.example.com`,
      DOCUMENT_STORE_S3_PUBLIC_ENDPOINT: 'ftp://files',
      DOCUMENT_STORE_S3_FORCE_PATH_STYLE: 'yes',
      DOCUMENT_STORE_S3_SECRET_ACCESS_KEY: SECRET,
      DOCUMENT_STORE_S3_SSE: 'aes',
      DOCUMENT_STORE_S3_SSE_KMS_KEY_ID: 'alias/x',
      DOCUMENT_STORE_AZURE_CONTAINER: 'documents',
    }).problems,
  ).toEqual([
    'DOCUMENT_STORE_AZURE_CONTAINER is set but DOCUMENT_STORE is s3: set DOCUMENT_STORE=azure-blob, or remove DOCUMENT_STORE_AZURE_CONTAINER',
    'DOCUMENT_STORE_S3_BUCKET is required with DOCUMENT_STORE=s3',
    'DOCUMENT_STORE_S3_PREFIX must be a path such as lifecycles/ or tenants/acme/ (no empty, . or .. parts, no spaces)',
    'DOCUMENT_STORE_S3_REGION must be a region name such as eu-central-1',
    'DOCUMENT_STORE_S3_ENDPOINT must be an http(s) URL without credentials, query or fragment',
    'DOCUMENT_STORE_S3_FORCE_PATH_STYLE must be "true" or "false"',
    'DOCUMENT_STORE_S3_SSE must be one of AES256, aws:kms, aws:kms:dsse',
    'DOCUMENT_STORE_S3_PUBLIC_ENDPOINT must be an http(s) URL without credentials, query or fragment',
    "DOCUMENT_STORE_S3_ACCESS_KEY_ID and DOCUMENT_STORE_S3_SECRET_ACCESS_KEY (or _FILE) go together: set both, or neither to use the AWS SDK's default credentials",
    'DOCUMENT_STORE_S3_SSE_KMS_KEY_ID needs DOCUMENT_STORE_S3_SSE=aws:kms or aws:kms:dsse',
  ]);
  expect(
    load({
      DOCUMENT_STORE: 's3',
      DOCUMENT_STORE_S3_BUCKET: 'a/b',
      DOCUMENT_STORE_S3_ACCESS_KEY_ID: 'AKIA',
      DOCUMENT_STORE_S3_SECRET_ACCESS_KEY: SECRET,
      DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE: path.join(dir, 's3-secret'),
    }).problems,
  ).toEqual([
    'DOCUMENT_STORE_S3_BUCKET must be a bucket name (letters, digits, . _ -), without slashes',
    'DOCUMENT_STORE_S3_SECRET_ACCESS_KEY and DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE are both set: use one',
  ]);
  expect(
    load({
      DOCUMENT_STORE: 's3',
      DOCUMENT_STORE_S3_BUCKET: 'b',
      DOCUMENT_STORE_S3_ACCESS_KEY_ID: 'AKIA',
      DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE: path.join(dir, 'missing'),
    }).problems,
  ).toEqual([`DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE: cannot read ${path.join(dir, 'missing')} (ENOENT)`]);
});

test('azure-blob: a connection string, an account URL with a key, or an account URL alone (Entra ID)', () => {
  const connectionString = `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${ACCOUNT_KEY};EndpointSuffix=core.windows.net`;
  expect(
    load({
      DOCUMENT_STORE: 'azure-blob',
      DOCUMENT_STORE_AZURE_CONTAINER: 'documents',
      DOCUMENT_STORE_AZURE_PREFIX: 'tenants/acme/',
      DOCUMENT_STORE_AZURE_CONNECTION_STRING: connectionString,
      DOCUMENT_STORE_AZURE_ENCRYPTION_SCOPE: 'documents-cmk',
      DOCUMENT_STORE_AZURE_PUBLIC_URL: 'https://files.example.com/acme',
    }),
  ).toEqual({
    config: {
      kind: 'azure-blob',
      azure: {
        container: 'documents',
        prefix: 'tenants/acme/',
        connectionString,
        encryptionScope: 'documents-cmk',
        publicUrl: 'https://files.example.com/acme',
      },
    },
    problems: [],
  });
  expect(
    load({
      DOCUMENT_STORE: 'azure-blob',
      DOCUMENT_STORE_AZURE_CONTAINER: 'documents',
      DOCUMENT_STORE_AZURE_ACCOUNT_URL: 'https://acme.blob.core.windows.net',
      DOCUMENT_STORE_AZURE_ACCOUNT_KEY_FILE: path.join(dir, 'account-key'),
    }).config,
  ).toEqual({
    kind: 'azure-blob',
    azure: {
      container: 'documents',
      accountUrl: 'https://acme.blob.core.windows.net',
      accountKey: ACCOUNT_KEY,
    },
  });
  expect(
    load({
      DOCUMENT_STORE: 'azure-blob',
      DOCUMENT_STORE_AZURE_CONTAINER: 'documents',
      DOCUMENT_STORE_AZURE_ACCOUNT_URL: 'https://acme.blob.core.windows.net',
    }).config,
  ).toEqual({
    kind: 'azure-blob',
    azure: { container: 'documents', accountUrl: 'https://acme.blob.core.windows.net' },
  });
});

test('azure-blob: problems named by variable, never with the key', () => {
  expect(load({ DOCUMENT_STORE: 'azure-blob' }).problems).toEqual([
    'DOCUMENT_STORE_AZURE_CONTAINER is required with DOCUMENT_STORE=azure-blob',
    'DOCUMENT_STORE_AZURE_CONNECTION_STRING (or _FILE) or DOCUMENT_STORE_AZURE_ACCOUNT_URL is required with DOCUMENT_STORE=azure-blob',
  ]);
  expect(
    load({
      DOCUMENT_STORE: 'azure-blob',
      DOCUMENT_STORE_AZURE_CONTAINER: 'Documents_2026',
      DOCUMENT_STORE_AZURE_CONNECTION_STRING: `AccountKey=${ACCOUNT_KEY}`,
      DOCUMENT_STORE_AZURE_ACCOUNT_URL: 'https://acme.blob.core.windows.net',
      DOCUMENT_STORE_S3_BUCKET: 'documents',
    }).problems,
  ).toEqual([
    'DOCUMENT_STORE_S3_BUCKET is set but DOCUMENT_STORE is azure-blob: set DOCUMENT_STORE=s3, or remove DOCUMENT_STORE_S3_BUCKET',
    'DOCUMENT_STORE_AZURE_CONTAINER must be a container name: 3 to 63 lower-case letters, digits and single hyphens',
    'DOCUMENT_STORE_AZURE_CONNECTION_STRING is not a storage connection string (DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…;BlobEndpoint=…)',
    'DOCUMENT_STORE_AZURE_CONNECTION_STRING replaces DOCUMENT_STORE_AZURE_ACCOUNT_URL and _ACCOUNT_KEY: set one way',
  ]);
  expect(
    load({
      DOCUMENT_STORE: 'azure-blob',
      DOCUMENT_STORE_AZURE_CONTAINER: 'documents',
      DOCUMENT_STORE_AZURE_CONNECTION_STRING_FILE: path.join(dir, 'empty'),
    }).problems,
  ).toEqual([`DOCUMENT_STORE_AZURE_CONNECTION_STRING_FILE: ${path.join(dir, 'empty')} is empty`]);
  expect(load({ DOCUMENT_STORE: 'gcs' }).problems).toEqual([
    'DOCUMENT_STORE must be one of filesystem, s3, azure-blob',
  ]);
});

test("the worker's configuration reports the store's problems with all the others", () => {
  expect.assertions(2);
  try {
    loadWorkerConfig({
      ADVANCE_DEPLOYMENT: 'cloud',
      ADVANCE_TENANCY: 'acme',
      ADVANCE_CLIENT_NAME: 'orchestrator',
      ADVANCE_PRINCIPAL_NAME: 'svc-assembly',
      ADVANCE_PRINCIPAL_PASSWORD: 'pr1ncipal',
      DOCUMENT_STORE: 's3',
      DOCUMENT_STORE_S3_SECRET_ACCESS_KEY: SECRET,
      DOCUMENT_STORE_S3_ACCESS_KEY_ID: 'AKIA',
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'Configuration problems:\n  - DOCUMENT_STORE_S3_BUCKET is required with DOCUMENT_STORE=s3',
    );
  }
});

test('describe names the target without secrets', () => {
  const s3 = createDocumentStore(
    load({
      DOCUMENT_STORE: 's3',
      DOCUMENT_STORE_S3_BUCKET: 'acme-documents',
      DOCUMENT_STORE_S3_PREFIX: 'lifecycles',
      DOCUMENT_STORE_S3_ENDPOINT: 'http://127.0.0.1:9',
      DOCUMENT_STORE_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      DOCUMENT_STORE_S3_SECRET_ACCESS_KEY: SECRET,
      DOCUMENT_STORE_S3_SSE: 'AES256',
    }).config,
  );
  expect(s3.describe()).toBe(
    's3 bucket acme-documents at http://127.0.0.1:9, prefix lifecycles/, encryption AES256',
  );
  const azure = createDocumentStore(
    load({
      DOCUMENT_STORE: 'azure-blob',
      DOCUMENT_STORE_AZURE_CONTAINER: 'documents',
      DOCUMENT_STORE_AZURE_CONNECTION_STRING: `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${ACCOUNT_KEY};EndpointSuffix=core.windows.net`,
    }).config,
  );
  expect(azure.describe()).toBe('azure-blob container documents at https://acme.blob.core.windows.net/');
  for (const text of [s3.describe(), azure.describe()]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(ACCOUNT_KEY);
  }
});

test('a filesystem worker does not load the S3 or Azure SDKs', () => {
  const loaded = execFileSync(
    process.execPath,
    [
      '--require',
      'tsx/cjs',
      '-e',
      "require('./src/documents/create-store').createDocumentStore({ kind: 'filesystem', dir: '.data/x' });" +
        "const ids = Object.keys(require.cache); console.log(JSON.stringify({ store: ids.some((id) => id.includes('filesystem-store')), sdks: ids.filter((id) => /@aws-sdk|@azure/.test(id)).length }));",
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(JSON.parse(loaded)).toEqual({ store: true, sdks: 0 });
});
