import { readFileSync } from 'node:fs';
import type { AzureBlobDocumentStoreOptions } from './azure-blob-store';
import type { DocumentStore } from './document-store';
import type { S3DocumentStoreOptions } from './s3-store';

/**
 * Which document store the worker (and later the gateway) uses, from the environment. Problems are
 * collected by variable name, never with a secret's value. The store modules are loaded only for
 * the kind chosen, so a filesystem worker does not load the cloud SDKs (`createDocumentStore`).
 */

export type Env = Record<string, string | undefined>;

export const DOCUMENT_STORE_KINDS = ['filesystem', 's3', 'azure-blob'] as const;
export type DocumentStoreKind = (typeof DOCUMENT_STORE_KINDS)[number];

export const DEFAULT_DOCUMENT_STORE_KIND: DocumentStoreKind = 'filesystem';
export const DEFAULT_DOCUMENT_STORE_DIR = '.data/documents';

export type DocumentStoreConfig =
  | { kind: 'filesystem'; dir: string }
  | { kind: 's3'; s3: S3DocumentStoreOptions }
  | { kind: 'azure-blob'; azure: AzureBlobDocumentStoreOptions };

/** Every variable the document stores read, with its meaning and default (README table, docs/documents.md). */
export const DOCUMENT_STORE_VARIABLES = {
  DOCUMENT_STORE: `where assembled documents go: filesystem, s3 or azure-blob (default ${DEFAULT_DOCUMENT_STORE_KIND})`,
  DOCUMENT_STORE_DIR: `filesystem: the directory documents are stored under (default ${DEFAULT_DOCUMENT_STORE_DIR})`,
  DOCUMENT_STORE_S3_BUCKET: 's3: the bucket (required; it must exist)',
  DOCUMENT_STORE_S3_PREFIX: 's3: key prefix of every document, such as lifecycles/ (default: none)',
  DOCUMENT_STORE_S3_REGION:
    "s3: the bucket's region (default: AWS_REGION or the profile; us-east-1 with DOCUMENT_STORE_S3_ENDPOINT)",
  DOCUMENT_STORE_S3_ENDPOINT: "s3: an S3-compatible server's URL, such as http://objects:7070 (default: AWS)",
  DOCUMENT_STORE_S3_FORCE_PATH_STYLE:
    's3: "true" for path-style URLs (endpoint/bucket/key), which most S3-compatible servers need (default false)',
  DOCUMENT_STORE_S3_ACCESS_KEY_ID:
    "s3: access key id (default: the AWS SDK's chain: AWS_* variables, profile, container or instance role)",
  DOCUMENT_STORE_S3_SECRET_ACCESS_KEY:
    's3: secret access key, required with DOCUMENT_STORE_S3_ACCESS_KEY_ID (or DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE)',
  DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE: 's3: file holding the secret access key',
  DOCUMENT_STORE_S3_SSE:
    "s3: server-side encryption requested per object: AES256, aws:kms or aws:kms:dsse (default: the bucket's default)",
  DOCUMENT_STORE_S3_SSE_KMS_KEY_ID:
    "s3: KMS key for aws:kms / aws:kms:dsse (default: the account's AWS managed key)",
  DOCUMENT_STORE_S3_PUBLIC_ENDPOINT:
    's3: the endpoint presigned download URLs name, when clients reach the server under another name (default: the endpoint)',
  DOCUMENT_STORE_AZURE_CONTAINER: 'azure-blob: the container (required; it must exist)',
  DOCUMENT_STORE_AZURE_PREFIX:
    'azure-blob: blob name prefix of every document, such as lifecycles/ (default: none)',
  DOCUMENT_STORE_AZURE_CONNECTION_STRING:
    'azure-blob: storage connection string with the account key (or DOCUMENT_STORE_AZURE_CONNECTION_STRING_FILE); required unless DOCUMENT_STORE_AZURE_ACCOUNT_URL is set',
  DOCUMENT_STORE_AZURE_CONNECTION_STRING_FILE: 'azure-blob: file holding the connection string',
  DOCUMENT_STORE_AZURE_ACCOUNT_URL:
    'azure-blob: account URL such as https://acme.blob.core.windows.net, required without a connection string; signs in with DOCUMENT_STORE_AZURE_ACCOUNT_KEY or else Microsoft Entra ID (DefaultAzureCredential: managed identity, AZURE_* variables)',
  DOCUMENT_STORE_AZURE_ACCOUNT_KEY:
    'azure-blob: an access key of the account, with DOCUMENT_STORE_AZURE_ACCOUNT_URL (or DOCUMENT_STORE_AZURE_ACCOUNT_KEY_FILE; default: Microsoft Entra ID)',
  DOCUMENT_STORE_AZURE_ACCOUNT_KEY_FILE: 'azure-blob: file holding the account key',
  DOCUMENT_STORE_AZURE_ENCRYPTION_SCOPE:
    "azure-blob: encryption scope blobs are written with (default: the container's; Azure always encrypts at rest)",
  DOCUMENT_STORE_AZURE_PUBLIC_URL:
    'azure-blob: the account URL signed (SAS) download URLs name, when clients reach the service under another name (default: the account URL)',
} as const;

const S3_ENCRYPTION = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;

/** The document store's configuration; every problem is added to `problems` by variable name. */
export function loadDocumentStoreConfig(env: Env, problems: string[]): DocumentStoreConfig {
  const raw = value(env, 'DOCUMENT_STORE') ?? DEFAULT_DOCUMENT_STORE_KIND;
  const kind = (DOCUMENT_STORE_KINDS as readonly string[]).includes(raw)
    ? (raw as DocumentStoreKind)
    : undefined;
  if (kind === undefined) {
    problems.push(`DOCUMENT_STORE must be one of ${DOCUMENT_STORE_KINDS.join(', ')}`);
    return { kind: 'filesystem', dir: DEFAULT_DOCUMENT_STORE_DIR };
  }
  // A variable of another store is a forgotten DOCUMENT_STORE more often than not. (Not
  // DOCUMENT_STORE_DIR: images set it as the filesystem default, whatever store is chosen.)
  for (const name of Object.keys(DOCUMENT_STORE_VARIABLES)) {
    const theirs = name.startsWith('DOCUMENT_STORE_S3_')
      ? 's3'
      : name.startsWith('DOCUMENT_STORE_AZURE_')
        ? 'azure-blob'
        : undefined;
    if (theirs === undefined || theirs === kind || value(env, name) === undefined) continue;
    problems.push(
      `${name} is set but DOCUMENT_STORE is ${kind}: set DOCUMENT_STORE=${theirs}, or remove ${name}`,
    );
  }
  if (kind === 'filesystem')
    return { kind, dir: value(env, 'DOCUMENT_STORE_DIR') ?? DEFAULT_DOCUMENT_STORE_DIR };
  if (kind === 's3') return { kind, s3: loadS3(env, problems) };
  return { kind, azure: loadAzure(env, problems) };
}

function loadS3(env: Env, problems: string[]): S3DocumentStoreOptions {
  const bucket = value(env, 'DOCUMENT_STORE_S3_BUCKET');
  if (bucket === undefined) problems.push('DOCUMENT_STORE_S3_BUCKET is required with DOCUMENT_STORE=s3');
  else if (!/^[A-Za-z0-9._-]{1,255}$/.test(bucket))
    problems.push('DOCUMENT_STORE_S3_BUCKET must be a bucket name (letters, digits, . _ -), without slashes');
  const prefix = loadPrefix(env, 'DOCUMENT_STORE_S3_PREFIX', problems);
  const region = value(env, 'DOCUMENT_STORE_S3_REGION');
  if (region !== undefined && !/^[a-z0-9-]{2,40}$/.test(region))
    problems.push('DOCUMENT_STORE_S3_REGION must be a region name such as eu-central-1');
  const endpoint = httpUrl(env, 'DOCUMENT_STORE_S3_ENDPOINT', problems);
  const publicEndpoint = httpUrl(env, 'DOCUMENT_STORE_S3_PUBLIC_ENDPOINT', problems);
  const forcePathStyle = flag(env, 'DOCUMENT_STORE_S3_FORCE_PATH_STYLE', problems);
  const accessKeyId = value(env, 'DOCUMENT_STORE_S3_ACCESS_KEY_ID');
  const secretAccessKey = secretVariable(env, 'DOCUMENT_STORE_S3_SECRET_ACCESS_KEY', problems);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    if (!problems.some((p) => p.startsWith('DOCUMENT_STORE_S3_SECRET_ACCESS_KEY')))
      problems.push(
        'DOCUMENT_STORE_S3_ACCESS_KEY_ID and DOCUMENT_STORE_S3_SECRET_ACCESS_KEY (or _FILE) go together: ' +
          "set both, or neither to use the AWS SDK's default credentials",
      );
  }
  const sse = value(env, 'DOCUMENT_STORE_S3_SSE');
  if (sse !== undefined && !(S3_ENCRYPTION as readonly string[]).includes(sse))
    problems.push(`DOCUMENT_STORE_S3_SSE must be one of ${S3_ENCRYPTION.join(', ')}`);
  const kmsKeyId = value(env, 'DOCUMENT_STORE_S3_SSE_KMS_KEY_ID');
  if (kmsKeyId !== undefined && !sse?.startsWith('aws:kms'))
    problems.push('DOCUMENT_STORE_S3_SSE_KMS_KEY_ID needs DOCUMENT_STORE_S3_SSE=aws:kms or aws:kms:dsse');
  return {
    bucket: bucket ?? '',
    ...(prefix !== undefined && { prefix }),
    ...(region !== undefined && { region }),
    ...(endpoint !== undefined && { endpoint }),
    ...(publicEndpoint !== undefined && { publicEndpoint }),
    ...(forcePathStyle !== undefined && { forcePathStyle }),
    ...(accessKeyId !== undefined &&
      secretAccessKey !== undefined && { credentials: { accessKeyId, secretAccessKey } }),
    ...(sse !== undefined && { serverSideEncryption: sse as (typeof S3_ENCRYPTION)[number] }),
    ...(kmsKeyId !== undefined && { kmsKeyId }),
  };
}

function loadAzure(env: Env, problems: string[]): AzureBlobDocumentStoreOptions {
  const container = value(env, 'DOCUMENT_STORE_AZURE_CONTAINER');
  if (container === undefined)
    problems.push('DOCUMENT_STORE_AZURE_CONTAINER is required with DOCUMENT_STORE=azure-blob');
  else if (!/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(container))
    problems.push(
      'DOCUMENT_STORE_AZURE_CONTAINER must be a container name: 3 to 63 lower-case letters, digits and single hyphens',
    );
  const prefix = loadPrefix(env, 'DOCUMENT_STORE_AZURE_PREFIX', problems);
  const encryptionScope = value(env, 'DOCUMENT_STORE_AZURE_ENCRYPTION_SCOPE');
  const publicUrl = httpUrl(env, 'DOCUMENT_STORE_AZURE_PUBLIC_URL', problems);
  const connectionString = secretVariable(env, 'DOCUMENT_STORE_AZURE_CONNECTION_STRING', problems);
  const accountUrl = httpUrl(env, 'DOCUMENT_STORE_AZURE_ACCOUNT_URL', problems);
  const accountKey = secretVariable(env, 'DOCUMENT_STORE_AZURE_ACCOUNT_KEY', problems);
  const common = {
    container: container ?? '',
    ...(prefix !== undefined && { prefix }),
    ...(encryptionScope !== undefined && { encryptionScope }),
    ...(publicUrl !== undefined && { publicUrl }),
  };
  if (connectionString !== undefined) {
    if (accountUrl !== undefined || accountKey !== undefined)
      problems.push(
        'DOCUMENT_STORE_AZURE_CONNECTION_STRING replaces DOCUMENT_STORE_AZURE_ACCOUNT_URL and _ACCOUNT_KEY: set one way',
      );
    if (
      !/(^|;)\s*(AccountName=|UseDevelopmentStorage=true)/i.test(connectionString) ||
      !/(^|;)\s*(AccountKey=|SharedAccessSignature=|UseDevelopmentStorage=true)/i.test(connectionString)
    )
      problems.push(
        'DOCUMENT_STORE_AZURE_CONNECTION_STRING is not a storage connection string ' +
          '(DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…;BlobEndpoint=…)',
      );
    return { ...common, connectionString };
  }
  if (accountUrl === undefined) {
    if (!problems.some((p) => /^DOCUMENT_STORE_AZURE_(CONNECTION_STRING|ACCOUNT_URL|ACCOUNT_KEY)/.test(p)))
      problems.push(
        'DOCUMENT_STORE_AZURE_CONNECTION_STRING (or _FILE) or DOCUMENT_STORE_AZURE_ACCOUNT_URL is required with DOCUMENT_STORE=azure-blob',
      );
    return { ...common, accountUrl: '' };
  }
  return accountKey === undefined ? { ...common, accountUrl } : { ...common, accountUrl, accountKey };
}

/**
 * The store for a configuration. Only the chosen store's module (and SDK) is loaded: the S3 and
 * Azure SDKs together cost a process about 35 MB and 0.2 s, which a filesystem worker need not pay.
 * `require` rather than `import()`: synchronous, and resolved the same way under tsc's CommonJS
 * output, ts-jest and `node --require tsx/cjs` (which has no hook for a dynamic ESM import).
 */
export function createDocumentStore(config: DocumentStoreConfig): DocumentStore {
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy loading, see above */
  switch (config.kind) {
    case 'filesystem': {
      const { FileSystemDocumentStore } =
        require('./filesystem-store') as typeof import('./filesystem-store');
      return new FileSystemDocumentStore(config.dir);
    }
    case 's3': {
      const { S3DocumentStore } = require('./s3-store') as typeof import('./s3-store');
      return new S3DocumentStore(config.s3);
    }
    case 'azure-blob': {
      const { AzureBlobDocumentStore } = require('./azure-blob-store') as typeof import('./azure-blob-store');
      return new AzureBlobDocumentStore(config.azure);
    }
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** A set variable's trimmed value; unset and empty (compose's `${X:-}`) are the same. */
function value(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text === undefined || text === '' ? undefined : text;
}

function loadPrefix(env: Env, name: string, problems: string[]): string | undefined {
  const prefix = value(env, name);
  if (prefix === undefined) return undefined;
  const segments = prefix.replace(/^\/+|\/+$/g, '').split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..') || /[\\\s]/.test(prefix))
    problems.push(
      `${name} must be a path such as lifecycles/ or tenants/acme/ (no empty, . or .. parts, no spaces)`,
    );
  return prefix;
}

function httpUrl(env: Env, name: string, problems: string[]): string | undefined {
  const text = value(env, name);
  if (text === undefined) return undefined;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (
    url === undefined ||
    !/^https?:$/.test(url.protocol) ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== ''
  ) {
    problems.push(`${name} must be an http(s) URL without credentials, query or fragment`);
    return undefined;
  }
  return text.replace(/\/+$/, '');
}

function flag(env: Env, name: string, problems: string[]): boolean | undefined {
  const text = value(env, name)?.toLowerCase();
  if (text === undefined) return undefined;
  if (text !== 'true' && text !== 'false') {
    problems.push(`${name} must be "true" or "false"`);
    return undefined;
  }
  return text === 'true';
}

/** NAME or NAME_FILE (not both); the value is never put into a problem. */
function secretVariable(env: Env, name: string, problems: string[]): string | undefined {
  const direct = value(env, name);
  const file = value(env, `${name}_FILE`);
  if (direct !== undefined && file !== undefined) {
    problems.push(`${name} and ${name}_FILE are both set: use one`);
    return undefined;
  }
  if (file === undefined) return direct;
  try {
    const text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    if (text === '') problems.push(`${name}_FILE: ${file} is empty`);
    return text === '' ? undefined : text;
  } catch (error) {
    problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}
