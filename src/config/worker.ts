import { readFileSync } from 'node:fs';
import type { EncryptionKey } from '../codec/aes-gcm-codec';
import { bundleMismatch } from '../codec/workflow-bundles';
import { DEFAULT_TASK_QUEUE } from '../workflows/messages';
import { parseDuration } from '../workflows/duration';
import { loadDocumentStoreConfig, type DocumentStoreConfig } from '../documents/store-config';
import {
  loadAdvanceCallbacks,
  loadAdvanceConfig,
  type AdvanceCallbackConfig,
  type AdvanceConfig,
} from './advance';
import { loadPayloadEncryption } from './encryption';
import { ConfigError, duration, httpBaseUrl, secretFrom, type Env, type VariableDocs } from './env';

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export const WORKER_VARIABLES: VariableDocs = {
  TEMPORAL_TASK_QUEUE: `task queue the worker polls (default ${DEFAULT_TASK_QUEUE})`,
  REMINDER_WEBHOOK_URL: 'where interview reminders are posted (optional)',
  REMINDER_WEBHOOK_SECRET: 'HMAC key that signs reminder notices (or REMINDER_WEBHOOK_SECRET_FILE)',
  REMINDER_WEBHOOK_SECRET_FILE: 'file holding the reminder HMAC key',
  COMPLETION_WEBHOOK_URL:
    'where lifecycle events (session.completed, lifecycle.completed/expired/failed/cancelled) are posted, signed (optional; docs/webhooks.md)',
  COMPLETION_WEBHOOK_SECRET:
    'HMAC key that signs lifecycle events (or COMPLETION_WEBHOOK_SECRET_FILE); required with COMPLETION_WEBHOOK_URL',
  COMPLETION_WEBHOOK_SECRET_FILE: 'file holding the lifecycle events HMAC key',
  COMPLETION_WEBHOOK_TIMEOUT:
    "how long one delivery attempt waits for the receiver's answer (default 10s, at most 1m); failed attempts are retried for 24h",
  WORKER_SHUTDOWN_GRACE_TIME: 'how long running activities may finish on shutdown (default 30s)',
  WORKFLOW_BUNDLE_PATH:
    'prebuilt workflow bundle (default when it exists: dist/workflow-bundle.js, or dist/workflow-bundle.encrypted.js with PAYLOAD_ENCRYPTION_KEYS)',
  WORKER_MAX_CACHED_WORKFLOWS:
    'lifecycles the worker keeps in memory between steps (default 100; parked lifecycles need none)',
  LOG_LEVEL: 'worker log level: TRACE, DEBUG, INFO, WARN, ERROR (default INFO); JSON lines',
  WORKER_HTTP_PORT: 'port of the worker\'s /healthz, /readyz and /metrics (default 8090; "off" disables)',
  WORKER_HTTP_HOST: 'interface of those endpoints (default 127.0.0.1; 0.0.0.0 in containers)',
  WORKER_DEPLOYMENT_NAME:
    'Temporal worker deployment of this worker; when set, Worker Versioning with auto-upgrade: a new build takes tasks once made current (default unset: unversioned)',
  WORKER_BUILD_ID:
    "this build's id in histories, logs and /metrics (default <package version>+<12 hex of the workflow bundle's SHA-256>; required with WORKER_DEPLOYMENT_NAME when the worker runs workflow sources)",
};

export interface WorkerConfig {
  /** `TEMPORAL_TASK_QUEUE`. @default 'hotdocs-assembly' */
  taskQueue: string;
  /** `PAYLOAD_ENCRYPTION_KEYS`; empty: payloads are not encrypted. @default [] */
  encryptionKeys: EncryptionKey[];
  /** `PAYLOAD_ENCRYPTION_REQUIRED=true`: keys required, unencrypted payloads refused. @default false */
  encryptionRequired: boolean;
  /** `ADVANCE_*` or `ADVANCE_TENANCIES_FILE`: required. */
  advance: AdvanceConfig;
  /** `ADVANCE_CALLBACK_URL` + `_SECRET`: v2.0 callbacks through the gateway; absent: polling only. */
  advanceCallbacks?: AdvanceCallbackConfig;
  /** Where documents go: `DOCUMENT_STORE` and its variables (src/documents/store-config.ts). */
  documentStore: DocumentStoreConfig;
  /** `REMINDER_WEBHOOK_URL` + `_SECRET`; absent: reminders are recorded only. */
  reminderWebhook?: { url: string; secret: string };
  /**
   * `COMPLETION_WEBHOOK_URL` + `_SECRET` + `_TIMEOUT` (timeoutMs @default 10_000); absent: lifecycle
   * events are recorded as not delivered ("not configured") and nothing is retried.
   */
  completionWebhook?: { url: string; secret: string; timeoutMs: number };
  /**
   * `GATEWAY_PUBLIC_URL`, read by the worker too: lifecycle events then link each document to the
   * gateway's download route. @default none: events carry no links
   */
  gatewayPublicUrl?: string;
  /** `WORKER_SHUTDOWN_GRACE_TIME`: running activities may finish this long on SIGTERM. @default 30_000 */
  shutdownGraceTimeMs: number;
  /**
   * `WORKFLOW_BUNDLE_PATH`, checked to fit the encryption setting.
   * @default dist/workflow-bundle.js (dist/workflow-bundle.encrypted.js with encryption) when it exists, else the sources
   */
  workflowBundlePath?: string;
  /** `LOG_LEVEL`. @default 'INFO' */
  logLevel: (typeof LOG_LEVELS)[number];
  /**
   * `WORKER_MAX_CACHED_WORKFLOWS`: sticky cache size. A lifecycle waits days, caching it buys
   * nothing, and each costs memory (≈0.3 MB). A lifecycle evicted while active is replayed from
   * its short history (14–24 events) on its next task: with 200 in flight, a cache of 100 cost
   * no throughput (docs/benchmarks.md). @default 100
   */
  maxCachedWorkflows: number;
  /** `WORKER_HTTP_HOST`/`_PORT`: health and metrics; undefined when switched off. @default 127.0.0.1:8090 */
  http?: { host: string; port: number };
  /**
   * `WORKER_DEPLOYMENT_NAME`: the worker deployment (Worker Versioning) this worker polls as;
   * undefined: an unversioned worker. See src/worker-version.ts. @default undefined
   */
  deploymentName?: string;
  /**
   * `WORKER_BUILD_ID`: this build's id. @default undefined: derived from the package version and
   * the workflow bundle (src/worker-version.ts)
   */
  buildId?: string;
}

/** The worker's configuration, or a `ConfigError` listing every problem. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const advance = loadAdvanceConfig(env, problems);
  const advanceCallbacks = loadAdvanceCallbacks(env, problems);
  const { keys: encryptionKeys, required: encryptionRequired } = loadPayloadEncryption(env, problems);
  const reminderWebhook = loadReminderWebhook(env, problems);
  const completionWebhook = loadCompletionWebhook(env, problems);
  const publicUrl = (env['GATEWAY_PUBLIC_URL'] ?? '').trim();
  const gatewayPublicUrl =
    publicUrl === '' ? undefined : httpBaseUrl(publicUrl, 'GATEWAY_PUBLIC_URL', problems);
  const documentStore = loadDocumentStoreConfig(env, problems);
  const grace = parseDuration(env['WORKER_SHUTDOWN_GRACE_TIME'] || '30s');
  if (grace === undefined)
    problems.push('WORKER_SHUTDOWN_GRACE_TIME must be a duration such as 30s, 2m or 500ms');
  const logLevel = ((env['LOG_LEVEL'] ?? '').trim() || 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const http = loadWorkerHttp(env, problems);
  const cacheText = (env['WORKER_MAX_CACHED_WORKFLOWS'] ?? '').trim() || '100';
  if (!/^\d+$/.test(cacheText)) problems.push('WORKER_MAX_CACHED_WORKFLOWS must be a whole number');
  const workflowBundlePath = readableBundle(env, encryptionKeys.length > 0, problems);
  const deploymentName = versionField(env, 'WORKER_DEPLOYMENT_NAME', problems);
  const buildId = versionField(env, 'WORKER_BUILD_ID', problems);
  if (problems.length > 0 || advance === undefined) throw new ConfigError(problems);
  return {
    taskQueue: env['TEMPORAL_TASK_QUEUE'] || DEFAULT_TASK_QUEUE,
    encryptionKeys,
    encryptionRequired,
    advance,
    ...(advanceCallbacks !== undefined && { advanceCallbacks }),
    documentStore,
    reminderWebhook,
    completionWebhook,
    gatewayPublicUrl,
    shutdownGraceTimeMs: grace ?? 30_000,
    workflowBundlePath,
    logLevel: logLevel as WorkerConfig['logLevel'],
    maxCachedWorkflows: Number(cacheText),
    http,
    deploymentName,
    buildId,
  };
}

/**
 * A worker deployment name or build id as the server accepts them: not starting with "__", no
 * "." or ":" in a deployment name (the server joins the two with them), and short enough for
 * the id of the server's per-version workflow — at most 108 characters under the
 * `limit.maxIDLength` of 255 that deploy/temporal/dynamicconfig sets ((255 - 39) / 2, Temporal
 * 1.32). No spaces either, so that it reads as one word in logs and metrics.
 */
const MAX_VERSION_FIELD = 108;

function versionField(env: Env, name: string, problems: string[]): string | undefined {
  const value = (env[name] ?? '').trim();
  if (value === '') return undefined;
  const separators = name === 'WORKER_DEPLOYMENT_NAME' ? /[.:\s]/ : /\s/;
  if (value.length > MAX_VERSION_FIELD || value.startsWith('__') || separators.test(value)) {
    const banned = name === 'WORKER_DEPLOYMENT_NAME' ? 'no ".", ":" or spaces' : 'no spaces';
    problems.push(
      `${name} must be at most ${MAX_VERSION_FIELD} characters, ${banned}, not starting with "__"`,
    );
    return undefined;
  }
  return value;
}

function loadWorkerHttp(env: Env, problems: string[]): WorkerConfig['http'] {
  const raw = (env['WORKER_HTTP_PORT'] ?? '').trim() || '8090';
  if (raw === 'off') return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    problems.push('WORKER_HTTP_PORT must be a port number or "off"');
    return undefined;
  }
  return { host: (env['WORKER_HTTP_HOST'] ?? '').trim() || '127.0.0.1', port };
}

function loadReminderWebhook(env: Env, problems: string[]): WorkerConfig['reminderWebhook'] {
  const url = env['REMINDER_WEBHOOK_URL'];
  const secret = secretFrom(env, 'REMINDER_WEBHOOK_SECRET', problems);
  if (url === undefined || url === '') return undefined;
  if (!/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url))
    problems.push('REMINDER_WEBHOOK_URL must be an http(s) URL');
  if (secret === undefined)
    problems.push('REMINDER_WEBHOOK_SECRET (or _FILE) is required with REMINDER_WEBHOOK_URL');
  return secret === undefined ? undefined : { url, secret };
}

function loadCompletionWebhook(env: Env, problems: string[]): WorkerConfig['completionWebhook'] {
  const url = (env['COMPLETION_WEBHOOK_URL'] ?? '').trim();
  const secret = secretFrom(env, 'COMPLETION_WEBHOOK_SECRET', problems);
  const timeoutMs = duration(env, 'COMPLETION_WEBHOOK_TIMEOUT', '10s', 60_000, problems);
  if (url === '') return undefined;
  if (!/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url))
    problems.push('COMPLETION_WEBHOOK_URL must be an http(s) URL');
  // A secret that was given but unusable (unreadable file, both forms) is reported by secretFrom.
  const given = [env['COMPLETION_WEBHOOK_SECRET'], env['COMPLETION_WEBHOOK_SECRET_FILE']].some(
    (value) => value !== undefined && value !== '',
  );
  if (secret === undefined && !given)
    problems.push('COMPLETION_WEBHOOK_SECRET (or _FILE) is required with COMPLETION_WEBHOOK_URL');
  return secret === undefined ? undefined : { url, secret, timeoutMs };
}

/** A prebuilt bundle that can be read and fits the deployment (its failure converter). */
function readableBundle(env: Env, encrypted: boolean, problems: string[]): string | undefined {
  const bundle = env['WORKFLOW_BUNDLE_PATH'] || undefined;
  if (bundle === undefined) return undefined;
  let code: string;
  try {
    code = readFileSync(bundle, 'utf8');
  } catch {
    problems.push(`WORKFLOW_BUNDLE_PATH: cannot read ${bundle} (run npm run build)`);
    return bundle;
  }
  const mismatch = bundleMismatch(code, encrypted);
  if (mismatch !== undefined) problems.push(`WORKFLOW_BUNDLE_PATH: ${bundle} does not fit: ${mismatch}`);
  return bundle;
}
