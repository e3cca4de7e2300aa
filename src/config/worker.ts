import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EncryptionKey } from '../codec/aes-gcm-codec';
import { bundleMismatch, PREBUILT_BUNDLES } from '../codec/workflow-bundles';
import {
  loadAdvanceCallbacks,
  loadAdvanceConfig,
  type AdvanceCallbackConfig,
  type AdvanceConfig,
} from './advance';
import { loadDocumentStoreConfig, type DocumentStoreConfig } from './document-store';
import { loadPayloadEncryption } from './encryption';
import {
  ConfigError,
  given,
  read,
  secretGiven,
  setting,
  type Env,
  type Parser,
  type SettingsTable,
} from './env';
import { duration, httpBaseUrl, httpUrl, oneOf, portOrOff, text, wholeNumber } from './parsers';
import { readTemporalConnection, TEMPORAL_SETTINGS, type TemporalConnection } from './temporal';

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/**
 * A worker deployment name or build id as the server accepts them: not starting with "__", no
 * "." or ":" in a deployment name (the server joins the two with them), and short enough for
 * the id of the server's per-version workflow — at most 108 characters under the
 * `limit.maxIDLength` of 255 that deploy/temporal/dynamicconfig sets ((255 - 39) / 2, Temporal
 * 1.32). No spaces either, so that it reads as one word in logs and metrics.
 */
const MAX_VERSION_FIELD = 108;

function versionField(banned: RegExp, bannedText: string): Parser<string> {
  return (value, name, problems) => {
    if (value.length <= MAX_VERSION_FIELD && !value.startsWith('__') && !banned.test(value)) return value;
    problems.push(
      `${name} must be at most ${MAX_VERSION_FIELD} characters, ${bannedText}, not starting with "__"`,
    );
    return undefined;
  };
}

const bundleName = (file: string) => `dist/${path.basename(file)}`;

/** The worker's own variables (beside the Temporal connection, Advance, the document store, encryption). */
export const WORKER_SETTINGS = {
  reminderWebhookUrl: setting({
    name: 'REMINDER_WEBHOOK_URL',
    description: 'where interview reminders are posted, signed',
    whenUnset: 'none: reminders are only recorded in the status',
    parse: httpUrl,
  }),
  reminderWebhookSecret: setting({
    name: 'REMINDER_WEBHOOK_SECRET',
    description: 'HMAC key that signs reminder notices',
    whenUnset: 'required with `REMINDER_WEBHOOK_URL`',
    parse: text,
    secret: true,
  }),
  completionWebhookUrl: setting({
    name: 'COMPLETION_WEBHOOK_URL',
    description:
      'where lifecycle events (`session.completed`, `lifecycle.completed`/`expired`/`failed`/`cancelled`) are posted, signed',
    whenUnset: 'none: events are recorded as `not-configured`, nothing is sent',
    parse: httpUrl,
  }),
  completionWebhookSecret: setting({
    name: 'COMPLETION_WEBHOOK_SECRET',
    description: 'HMAC key that signs lifecycle events',
    whenUnset: 'required with `COMPLETION_WEBHOOK_URL`',
    parse: text,
    secret: true,
  }),
  completionWebhookTimeout: setting({
    name: 'COMPLETION_WEBHOOK_TIMEOUT',
    description:
      "how long one delivery attempt waits for the receiver's answer (at most 1m); failed attempts are retried for 24h",
    default: '10s',
    parse: duration(60_000),
  }),
  gatewayPublicUrl: setting({
    name: 'GATEWAY_PUBLIC_URL',
    description: "the gateway's public URL: lifecycle events then link each document to its download",
    whenUnset: 'none: events carry no links',
    parse: httpBaseUrl,
  }),
  shutdownGraceTime: setting({
    name: 'WORKER_SHUTDOWN_GRACE_TIME',
    description: 'how long running activities may finish on SIGINT/SIGTERM',
    default: '30s',
    parse: duration(86_400_000),
  }),
  workflowBundlePath: setting({
    name: 'WORKFLOW_BUNDLE_PATH',
    description: 'the prebuilt workflow bundle to run, checked to fit the encryption setting',
    whenUnset: `${bundleName(PREBUILT_BUNDLES.plain)} (${bundleName(PREBUILT_BUNDLES.encrypted)} with \`PAYLOAD_ENCRYPTION_KEYS\`) when it exists, else the sources`,
    parse: text,
  }),
  maxCachedWorkflows: setting({
    name: 'WORKER_MAX_CACHED_WORKFLOWS',
    description: 'lifecycles the worker keeps in memory between steps (parked lifecycles need none)',
    default: '100',
    parse: wholeNumber(0, 1_000_000),
  }),
  logLevel: setting({
    name: 'LOG_LEVEL',
    description: `the worker's log level, of ${LOG_LEVELS.join(', ')}; JSON lines`,
    default: 'INFO',
    parse: oneOf(LOG_LEVELS, { caseless: true }),
  }),
  httpPort: setting({
    name: 'WORKER_HTTP_PORT',
    description: 'port of the worker\'s /healthz, /readyz and /metrics; "off" switches them off',
    default: '8090',
    parse: portOrOff,
  }),
  httpHost: setting({
    name: 'WORKER_HTTP_HOST',
    description: 'interface of those endpoints (0.0.0.0 in containers)',
    default: '127.0.0.1',
    parse: text,
  }),
  deploymentName: setting({
    name: 'WORKER_DEPLOYMENT_NAME',
    description:
      'the Temporal worker deployment of this worker: Worker Versioning with auto-upgrade, a new build takes tasks once made current',
    whenUnset: 'none: an unversioned worker',
    parse: versionField(/[.:\s]/, 'no ".", ":" or spaces'),
  }),
  buildId: setting({
    name: 'WORKER_BUILD_ID',
    description:
      "this build's id in histories, logs and /metrics; required with `WORKER_DEPLOYMENT_NAME` when the worker runs workflow sources",
    whenUnset: "`<package version>+<12 hex digits of the workflow bundle's SHA-256>`",
    parse: versionField(/\s/, 'no spaces'),
  }),
} as const satisfies SettingsTable;

export interface WorkerConfig {
  /** Where Temporal is (`TEMPORAL_SETTINGS`). */
  temporal: TemporalConnection;
  /** `TEMPORAL_TASK_QUEUE`. */
  taskQueue: string;
  /** `PAYLOAD_ENCRYPTION_KEYS`; empty: payloads are not encrypted. */
  encryptionKeys: EncryptionKey[];
  /** `PAYLOAD_ENCRYPTION_REQUIRED=true`: keys required, unencrypted payloads refused. */
  encryptionRequired: boolean;
  /** `ADVANCE_*` or `ADVANCE_TENANCIES_FILE`: required. */
  advance: AdvanceConfig;
  /** `ADVANCE_CALLBACK_URL` + `_SECRET`: v2.0 callbacks through the gateway; absent: polling only. */
  advanceCallbacks?: AdvanceCallbackConfig;
  /** Where documents go: `DOCUMENT_STORE` and its variables (src/config/document-store.ts). */
  documentStore: DocumentStoreConfig;
  /** `REMINDER_WEBHOOK_URL` + `_SECRET`; absent: reminders are recorded only. */
  reminderWebhook?: { url: string; secret: string };
  /** `COMPLETION_WEBHOOK_URL` + `_SECRET` + `_TIMEOUT`; absent: events are recorded as not delivered. */
  completionWebhook?: { url: string; secret: string; timeoutMs: number };
  /** `GATEWAY_PUBLIC_URL`, read by the worker too: lifecycle events then link each document. */
  gatewayPublicUrl?: string;
  /** `WORKER_SHUTDOWN_GRACE_TIME`: running activities may finish this long on SIGTERM. */
  shutdownGraceTimeMs: number;
  /** `WORKFLOW_BUNDLE_PATH`, checked to fit the encryption setting; undefined: see src/worker.ts. */
  workflowBundlePath?: string;
  /** `LOG_LEVEL`. */
  logLevel: (typeof LOG_LEVELS)[number];
  /**
   * `WORKER_MAX_CACHED_WORKFLOWS`: sticky cache size. A lifecycle waits days, caching it buys
   * nothing, and each costs memory (≈0.3 MB). A lifecycle evicted while active is replayed from
   * its short history (14–24 events) on its next task: with 200 in flight, a cache of 100 cost
   * no throughput (docs/benchmarks.md).
   */
  maxCachedWorkflows: number;
  /** `WORKER_HTTP_HOST`/`_PORT`: health and metrics; undefined when switched off. */
  http?: { host: string; port: number };
  /** `WORKER_DEPLOYMENT_NAME`: the worker deployment this worker polls as (src/worker-version.ts). */
  deploymentName?: string;
  /** `WORKER_BUILD_ID`; undefined: derived from the package version and the workflow bundle. */
  buildId?: string;
}

/** The worker's configuration, or a `ConfigError` listing every problem. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const S = WORKER_SETTINGS;
  const temporal = readTemporalConnection(env, problems);
  const taskQueue = read(TEMPORAL_SETTINGS.taskQueue, env, problems);
  const advance = loadAdvanceConfig(env, problems);
  const advanceCallbacks = loadAdvanceCallbacks(env, problems);
  const { keys: encryptionKeys, required: encryptionRequired } = loadPayloadEncryption(env, problems);
  const reminderWebhook = loadReminderWebhook(env, problems);
  const completionWebhook = loadCompletionWebhook(env, problems);
  const gatewayPublicUrl = read(S.gatewayPublicUrl, env, problems);
  const documentStore = loadDocumentStoreConfig(env, problems);
  const shutdownGraceTimeMs = read(S.shutdownGraceTime, env, problems);
  const logLevel = read(S.logLevel, env, problems);
  const httpPort = read(S.httpPort, env, problems);
  const httpHost = read(S.httpHost, env, problems);
  const maxCachedWorkflows = read(S.maxCachedWorkflows, env, problems);
  const workflowBundlePath = readableBundle(env, encryptionKeys.length > 0, problems);
  const deploymentName = read(S.deploymentName, env, problems);
  const buildId = read(S.buildId, env, problems);
  if (problems.length > 0 || advance === undefined) throw new ConfigError(problems);
  return {
    temporal,
    taskQueue,
    encryptionKeys,
    encryptionRequired,
    advance,
    ...(advanceCallbacks !== undefined && { advanceCallbacks }),
    documentStore,
    reminderWebhook,
    completionWebhook,
    gatewayPublicUrl,
    shutdownGraceTimeMs,
    workflowBundlePath,
    logLevel,
    maxCachedWorkflows,
    http: httpPort === 'off' ? undefined : { host: httpHost, port: httpPort },
    deploymentName,
    buildId,
  };
}

function loadReminderWebhook(env: Env, problems: string[]): WorkerConfig['reminderWebhook'] {
  const url = read(WORKER_SETTINGS.reminderWebhookUrl, env, problems);
  const secret = read(WORKER_SETTINGS.reminderWebhookSecret, env, problems);
  if (given(env, WORKER_SETTINGS.reminderWebhookUrl.name) === undefined) return undefined;
  if (secret === undefined)
    problems.push('REMINDER_WEBHOOK_SECRET (or _FILE) is required with REMINDER_WEBHOOK_URL');
  return url === undefined || secret === undefined ? undefined : { url, secret };
}

function loadCompletionWebhook(env: Env, problems: string[]): WorkerConfig['completionWebhook'] {
  const S = WORKER_SETTINGS;
  const url = read(S.completionWebhookUrl, env, problems);
  const secret = read(S.completionWebhookSecret, env, problems);
  const timeoutMs = read(S.completionWebhookTimeout, env, problems);
  if (given(env, S.completionWebhookUrl.name) === undefined) return undefined;
  // A secret that was given but unusable (unreadable file, both forms) is reported by read().
  if (secret === undefined && !secretGiven(env, S.completionWebhookSecret.name))
    problems.push('COMPLETION_WEBHOOK_SECRET (or _FILE) is required with COMPLETION_WEBHOOK_URL');
  return url === undefined || secret === undefined ? undefined : { url, secret, timeoutMs };
}

/** A prebuilt bundle that can be read and fits the deployment (its failure converter). */
function readableBundle(env: Env, encrypted: boolean, problems: string[]): string | undefined {
  const bundle = read(WORKER_SETTINGS.workflowBundlePath, env, problems);
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
