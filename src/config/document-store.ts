import type { AzureBlobDocumentStoreOptions } from '../documents/azure-blob-store';
import type { S3DocumentStoreOptions } from '../documents/s3-store';
import {
  defined,
  given,
  read,
  readAll,
  setting,
  type Env,
  type Parser,
  type Setting,
  type SettingsTable,
} from './env';
import { flag, httpBaseUrl, oneOf, text } from './parsers';

/**
 * Which document store the worker and the gateway use (they must use the same one). The store
 * modules are loaded only for the kind chosen (`createDocumentStore`), so reading the
 * configuration loads no cloud SDK.
 */

const DOCUMENT_STORE_KINDS = ['filesystem', 's3', 'azure-blob'] as const;
type DocumentStoreKind = (typeof DOCUMENT_STORE_KINDS)[number];

export type DocumentStoreConfig =
  | { kind: 'filesystem'; dir: string }
  | { kind: 's3'; s3: S3DocumentStoreOptions }
  | { kind: 'azure-blob'; azure: AzureBlobDocumentStoreOptions };

const S3_ENCRYPTION = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;

/** A key or blob-name prefix such as `lifecycles/`: no empty, `.` or `..` parts, no spaces. */
const prefix: Parser<string> = (value, name, problems) => {
  const segments = value.replace(/^\/+|\/+$/g, '').split('/');
  if (!segments.some((s) => s === '' || s === '.' || s === '..') && !/[\\\s]/.test(value)) return value;
  problems.push(
    `${name} must be a path such as lifecycles/ or tenants/acme/ (no empty, . or .. parts, no spaces)`,
  );
  return undefined;
};

function matching(pattern: RegExp, what: string): Parser<string> {
  return (value, name, problems) => {
    if (pattern.test(value)) return value;
    problems.push(`${name} must be ${what}`);
    return undefined;
  };
}

const azureConnectionString: Parser<string> = (value, name, problems) => {
  if (
    /(^|;)\s*(AccountName=|UseDevelopmentStorage=true)/i.test(value) &&
    /(^|;)\s*(AccountKey=|SharedAccessSignature=|UseDevelopmentStorage=true)/i.test(value)
  )
    return value;
  problems.push(
    `${name} is not a storage connection string ` +
      '(DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…;BlobEndpoint=…)',
  );
  return undefined;
};

/** S3's variables. */
const S3_SETTINGS = {
  s3Bucket: setting({
    name: 'DOCUMENT_STORE_S3_BUCKET',
    description: 's3: the bucket; it must exist',
    whenUnset: 'required with s3',
    parse: matching(/^[A-Za-z0-9._-]{1,255}$/, 'a bucket name (letters, digits, . _ -), without slashes'),
  }),
  s3Prefix: setting({
    name: 'DOCUMENT_STORE_S3_PREFIX',
    description: 's3: key prefix of every document, such as `lifecycles/`',
    whenUnset: 'none',
    parse: prefix,
  }),
  s3Region: setting({
    name: 'DOCUMENT_STORE_S3_REGION',
    description: "s3: the bucket's region",
    whenUnset: '`AWS_REGION` or the profile; us-east-1 with an endpoint',
    parse: matching(/^[a-z0-9-]{2,40}$/, 'a region name such as eu-central-1'),
  }),
  s3Endpoint: setting({
    name: 'DOCUMENT_STORE_S3_ENDPOINT',
    description: "s3: an S3-compatible server's URL, such as `http://objects:7070`",
    whenUnset: 'AWS',
    parse: httpBaseUrl,
  }),
  s3ForcePathStyle: setting({
    name: 'DOCUMENT_STORE_S3_FORCE_PATH_STYLE',
    description:
      's3: "true" for path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need',
    default: 'false',
    parse: flag,
  }),
  s3AccessKeyId: setting({
    name: 'DOCUMENT_STORE_S3_ACCESS_KEY_ID',
    description: 's3: access key id, with the secret access key',
    whenUnset:
      "the AWS SDK's chain: `AWS_ACCESS_KEY_ID`…, `AWS_PROFILE`, container or instance role, web identity",
    parse: text,
  }),
  s3SecretAccessKey: setting({
    name: 'DOCUMENT_STORE_S3_SECRET_ACCESS_KEY',
    description: 's3: secret access key, with the access key id',
    whenUnset: "the AWS SDK's chain",
    parse: text,
    secret: true,
  }),
  s3Sse: setting({
    name: 'DOCUMENT_STORE_S3_SSE',
    description: `s3: server-side encryption requested per object: ${S3_ENCRYPTION.join(', ')}`,
    whenUnset: "the bucket's default",
    parse: oneOf(S3_ENCRYPTION),
  }),
  s3SseKmsKeyId: setting({
    name: 'DOCUMENT_STORE_S3_SSE_KMS_KEY_ID',
    description: 's3: KMS key for aws:kms / aws:kms:dsse',
    whenUnset: "the account's AWS managed key",
    parse: text,
  }),
  s3PublicEndpoint: setting({
    name: 'DOCUMENT_STORE_S3_PUBLIC_ENDPOINT',
    description:
      's3: the endpoint presigned download URLs name, when clients reach the server under another name than the worker',
    whenUnset: 'the endpoint',
    parse: httpBaseUrl,
  }),
} as const satisfies SettingsTable;

/** Azure Blob's variables. */
const AZURE_SETTINGS = {
  azureContainer: setting({
    name: 'DOCUMENT_STORE_AZURE_CONTAINER',
    description: 'azure-blob: the container; it must exist',
    whenUnset: 'required with azure-blob',
    parse: matching(
      /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      'a container name: 3 to 63 lower-case letters, digits and single hyphens',
    ),
  }),
  azurePrefix: setting({
    name: 'DOCUMENT_STORE_AZURE_PREFIX',
    description: 'azure-blob: blob name prefix of every document, such as `lifecycles/`',
    whenUnset: 'none',
    parse: prefix,
  }),
  azureConnectionString: setting({
    name: 'DOCUMENT_STORE_AZURE_CONNECTION_STRING',
    description: 'azure-blob: storage connection string with the account key; or use the account URL',
    whenUnset: 'required without `DOCUMENT_STORE_AZURE_ACCOUNT_URL`',
    parse: azureConnectionString,
    secret: true,
  }),
  azureAccountUrl: setting({
    name: 'DOCUMENT_STORE_AZURE_ACCOUNT_URL',
    description:
      'azure-blob: account URL such as `https://acme.blob.core.windows.net`; signs in with the account key, or else Microsoft Entra ID (`DefaultAzureCredential`: managed identity, `AZURE_*` variables)',
    whenUnset: 'required without a connection string',
    parse: httpBaseUrl,
  }),
  azureAccountKey: setting({
    name: 'DOCUMENT_STORE_AZURE_ACCOUNT_KEY',
    description: 'azure-blob: an access key of the account, with the account URL',
    whenUnset: 'Microsoft Entra ID',
    parse: text,
    secret: true,
  }),
  azureEncryptionScope: setting({
    name: 'DOCUMENT_STORE_AZURE_ENCRYPTION_SCOPE',
    description:
      'azure-blob: encryption scope blobs are written with, for example one with a customer-managed key (Azure always encrypts at rest)',
    whenUnset: "the container's",
    parse: text,
  }),
  azurePublicUrl: setting({
    name: 'DOCUMENT_STORE_AZURE_PUBLIC_URL',
    description:
      'azure-blob: the account URL signed (SAS) download URLs name, when clients reach the service under another name than the worker',
    whenUnset: 'the account URL',
    parse: httpBaseUrl,
  }),
} as const satisfies SettingsTable;

/** Every variable of the document stores, by store: the general ones, then S3's, then Azure's. */
export const DOCUMENT_STORE_SETTINGS = {
  kind: setting({
    name: 'DOCUMENT_STORE',
    description: `where assembled documents go: ${DOCUMENT_STORE_KINDS.join(', ')}; the worker and the gateway need the same store`,
    default: 'filesystem',
    parse: oneOf(DOCUMENT_STORE_KINDS),
  }),
  dir: setting({
    name: 'DOCUMENT_STORE_DIR',
    description: 'filesystem: the directory documents are stored under (created when missing)',
    default: '.data/documents',
    parse: text,
  }),
  ...S3_SETTINGS,
  ...AZURE_SETTINGS,
} as const satisfies SettingsTable;

/** The document store's configuration; every problem is added to `problems` by variable name. */
export function loadDocumentStoreConfig(env: Env, problems: string[]): DocumentStoreConfig {
  const S = DOCUMENT_STORE_SETTINGS;
  const before = problems.length;
  const kind = read(S.kind, env, problems);
  if (problems.length > before) return { kind: 'filesystem', dir: S.dir.default };
  // A variable of another store is a forgotten DOCUMENT_STORE more often than not. (Not
  // DOCUMENT_STORE_DIR: images set it as the filesystem default, whatever store is chosen.)
  const storeSettings = [
    ['s3', S3_SETTINGS],
    ['azure-blob', AZURE_SETTINGS],
  ] as const;
  for (const [theirs, settings] of storeSettings) {
    if (theirs === kind) continue;
    for (const { name } of Object.values(settings)) {
      if (given(env, name) === undefined) continue;
      problems.push(
        `${name} is set but DOCUMENT_STORE is ${kind}: set DOCUMENT_STORE=${theirs}, or remove ${name}`,
      );
    }
  }
  if (kind === 'filesystem') return { kind, dir: read(S.dir, env, problems) };
  if (kind === 's3') return { kind, s3: loadS3(env, problems) };
  return { kind, azure: loadAzure(env, problems) };
}

/** A setting the chosen store cannot do without: a problem naming the store when it is unset. */
function requireSetting(
  setting: Setting<string>,
  kind: DocumentStoreKind,
  env: Env,
  problems: string[],
): void {
  if (given(env, setting.name) === undefined)
    problems.push(`${setting.name} is required with DOCUMENT_STORE=${kind}`);
}

function loadS3(env: Env, problems: string[]): S3DocumentStoreOptions {
  const S = S3_SETTINGS;
  requireSetting(S.s3Bucket, 's3', env, problems);
  const v = readAll(S, env, problems);
  if ((v.s3AccessKeyId === undefined) !== (v.s3SecretAccessKey === undefined)) {
    if (!problems.some((p) => p.startsWith(S.s3SecretAccessKey.name)))
      problems.push(
        'DOCUMENT_STORE_S3_ACCESS_KEY_ID and DOCUMENT_STORE_S3_SECRET_ACCESS_KEY (or _FILE) go together: ' +
          "set both, or neither to use the AWS SDK's default credentials",
      );
  }
  if (v.s3SseKmsKeyId !== undefined && !given(env, S.s3Sse.name)?.startsWith('aws:kms'))
    problems.push('DOCUMENT_STORE_S3_SSE_KMS_KEY_ID needs DOCUMENT_STORE_S3_SSE=aws:kms or aws:kms:dsse');
  return {
    bucket: v.s3Bucket ?? '',
    ...defined({
      prefix: v.s3Prefix,
      region: v.s3Region,
      endpoint: v.s3Endpoint,
      publicEndpoint: v.s3PublicEndpoint,
      serverSideEncryption: v.s3Sse,
      kmsKeyId: v.s3SseKmsKeyId,
    }),
    ...(given(env, S.s3ForcePathStyle.name) !== undefined && { forcePathStyle: v.s3ForcePathStyle }),
    ...(v.s3AccessKeyId !== undefined &&
      v.s3SecretAccessKey !== undefined && {
        credentials: { accessKeyId: v.s3AccessKeyId, secretAccessKey: v.s3SecretAccessKey },
      }),
  };
}

function loadAzure(env: Env, problems: string[]): AzureBlobDocumentStoreOptions {
  const S = AZURE_SETTINGS;
  requireSetting(S.azureContainer, 'azure-blob', env, problems);
  const v = readAll(S, env, problems);
  const common = {
    container: v.azureContainer ?? '',
    ...defined({
      prefix: v.azurePrefix,
      encryptionScope: v.azureEncryptionScope,
      publicUrl: v.azurePublicUrl,
    }),
  };
  // Given but malformed still counts as the chosen way: its own problem says what is wrong.
  if (v.azureConnectionString !== undefined || given(env, S.azureConnectionString.name) !== undefined) {
    if (v.azureAccountUrl !== undefined || v.azureAccountKey !== undefined)
      problems.push(
        'DOCUMENT_STORE_AZURE_CONNECTION_STRING replaces DOCUMENT_STORE_AZURE_ACCOUNT_URL and _ACCOUNT_KEY: set one way',
      );
    return { ...common, connectionString: v.azureConnectionString ?? '' };
  }
  if (v.azureAccountUrl === undefined) {
    if (!problems.some((p) => /^DOCUMENT_STORE_AZURE_(CONNECTION_STRING|ACCOUNT_URL|ACCOUNT_KEY)/.test(p)))
      problems.push(
        'DOCUMENT_STORE_AZURE_CONNECTION_STRING (or _FILE) or DOCUMENT_STORE_AZURE_ACCOUNT_URL is required with DOCUMENT_STORE=azure-blob',
      );
    return { ...common, accountUrl: '' };
  }
  return { ...common, accountUrl: v.azureAccountUrl, ...defined({ accountKey: v.azureAccountKey }) };
}
