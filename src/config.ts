import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { EncryptionKey } from './codec/aes-gcm-codec';
import { parseEncryptionKeys } from './codec/keys';
import { parseDuration } from './workflows/duration';
import {
  AdvanceConfigError,
  resolveAdvanceClientOptions,
  type ResolvedAdvanceClientOptions,
} from './advance';
import {
  DEFAULT_DOCUMENT_STORE_DIR,
  loadDocumentStoreConfig,
  type DocumentStoreConfig,
} from './documents/store-config';

export { DEFAULT_DOCUMENT_STORE_DIR };

/**
 * Environment → validated, typed configuration, in one place. Every problem is collected and
 * reported at once, by variable name, so a deployment is fixed in one pass. Secrets come from the
 * environment or from files (`*_FILE`), and never appear in a message.
 *
 * The Temporal connection itself (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`,
 * `TEMPORAL_TLS_*`, `TEMPORAL_PROFILE`, `TEMPORAL_CONFIG_FILE`) is read by `@temporalio/envconfig`.
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_TASK_QUEUE = 'hotdocs-assembly';
export const DEFAULT_GATEWAY_PORT = 8080;
export const DEFAULT_GATEWAY_HOST = '127.0.0.1';
export const DEFAULT_FINISH_LINK_TTL = '24h';
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 120;
export const DEFAULT_BODY_LIMIT_BYTES = 2 * 1024 * 1024;
export const DEFAULT_GATEWAY_WAIT_LIMIT = '30s';
/** An HMAC key shorter than this is guessable enough to forge finish links offline. */
export const MIN_FINISH_LINK_SECRET_LENGTH = 32;

/** The variables our own code reads (beside the `TEMPORAL_*` connection ones), with meaning and default. */
export const CONFIG_VARIABLES = {
  TEMPORAL_TASK_QUEUE: `task queue the worker polls (default ${DEFAULT_TASK_QUEUE})`,
  ADVANCE_DEPLOYMENT: '"cloud" or "onpremise"; leave out with ADVANCE_BASE_URL/ADVANCE_AUTH_URL',
  ADVANCE_TENANCY: 'tenancy moniker (acme in acme.hotdocsadvance.com)',
  ADVANCE_DOMAIN: 'on-premise domain (example.com)',
  ADVANCE_BASE_URL: 'explicit REST base URL (…/api/rest/v1.1)',
  ADVANCE_AUTH_URL: 'explicit auth service URL (…/auth)',
  ADVANCE_CLIENT_NAME: 'Advance API client name',
  ADVANCE_PRINCIPAL_NAME: 'service principal name',
  ADVANCE_PRINCIPAL_PASSWORD: 'service principal password (or ADVANCE_PRINCIPAL_PASSWORD_FILE)',
  ADVANCE_PRINCIPAL_PASSWORD_FILE: 'file holding the service principal password',
  ADVANCE_TOKEN_LIFETIME_SECONDS: "the API client's token life span in Advance (default 3600)",
  ADVANCE_TENANCIES_FILE: 'JSON file with several tenancies, instead of the ADVANCE_* variables',
  DOCUMENT_STORE_DIR: `where assembled documents are stored (default ${DEFAULT_DOCUMENT_STORE_DIR})`,
  REMINDER_WEBHOOK_URL: 'where interview reminders are posted (optional)',
  REMINDER_WEBHOOK_SECRET: 'HMAC key that signs reminder notices (or REMINDER_WEBHOOK_SECRET_FILE)',
  REMINDER_WEBHOOK_SECRET_FILE: 'file holding the reminder HMAC key',
  WORKER_SHUTDOWN_GRACE_TIME: 'how long running activities may finish on shutdown (default 30s)',
  WORKFLOW_BUNDLE_PATH: 'prebuilt workflow bundle (default dist/workflow-bundle.js when it exists)',
  WORKER_MAX_CACHED_WORKFLOWS:
    'lifecycles the worker keeps in memory between steps (default 250; parked lifecycles need none)',
  LOG_LEVEL: 'worker log level: TRACE, DEBUG, INFO, WARN, ERROR (default INFO); JSON lines',
  WORKER_HTTP_PORT: 'port of the worker\'s /healthz, /readyz and /metrics (default 8090; "off" disables)',
  WORKER_HTTP_HOST: 'interface of those endpoints (default 127.0.0.1; 0.0.0.0 in containers)',
  PAYLOAD_ENCRYPTION_KEYS:
    'payload encryption keys "id:base64,id2:base64"; the first encrypts, all decrypt (or PAYLOAD_ENCRYPTION_KEYS_FILE)',
  PAYLOAD_ENCRYPTION_KEYS_FILE: 'file holding the payload encryption keys, one "id:base64" per line',
  CODEC_PORT: 'port of the codec endpoint (hotdocs-temporal codec-server; default 8888)',
  CODEC_HOST: 'interface of the codec endpoint (default 127.0.0.1)',
  CODEC_AUTH_TOKEN_HASHES: 'SHA-256 hex digests of the bearer tokens allowed to call the codec endpoint',
  CODEC_CORS_ORIGINS: 'browser origins allowed to call the codec endpoint (default http://localhost:8233)',
  CODEC_ALLOW_UNAUTHENTICATED: '"true" allows calls without a token; only with a loopback CODEC_HOST',
  GATEWAY_PORT: `port the HTTP gateway listens on (default ${DEFAULT_GATEWAY_PORT}; 0 picks a free one)`,
  GATEWAY_HOST: `interface the HTTP gateway listens on (default ${DEFAULT_GATEWAY_HOST})`,
  GATEWAY_PUBLIC_URL: 'base URL of links the gateway hands out (default: http://<host>:<port> it listens on)',
  GATEWAY_API_KEYS: 'API keys as "name:sha256hex,name2:sha256hex" (printf %s "$KEY" | sha256sum)',
  GATEWAY_API_KEYS_FILE: 'file with one "name:sha256hex" per line (# comments); adds to GATEWAY_API_KEYS',
  GATEWAY_FINISH_LINK_SECRET: `HMAC key of the signed finish links, at least ${MIN_FINISH_LINK_SECRET_LENGTH} characters (or _FILE); required`,
  GATEWAY_FINISH_LINK_SECRET_FILE: 'file holding the finish-link HMAC key',
  GATEWAY_FINISH_LINK_TTL: `how long a finish link stays valid (default ${DEFAULT_FINISH_LINK_TTL})`,
  GATEWAY_RATE_LIMIT_PER_MINUTE: `requests per minute and API key (default ${DEFAULT_RATE_LIMIT_PER_MINUTE})`,
  GATEWAY_BODY_LIMIT_BYTES: `largest request body in bytes (default ${DEFAULT_BODY_LIMIT_BYTES}, 2 MiB)`,
  GATEWAY_CORS_ORIGINS: 'comma-separated origins allowed to call the gateway from a browser (default: none)',
  GATEWAY_WAIT_LIMIT: `longest a ?wait=true request waits before answering (default ${DEFAULT_GATEWAY_WAIT_LIMIT})`,
} as const;

export interface AdvanceConfig {
  defaultTenancy: string;
  tenancies: Map<string, ResolvedAdvanceClientOptions>;
}

export interface WorkerConfig {
  taskQueue: string;
  /** Empty: payloads are not encrypted. */
  encryptionKeys: EncryptionKey[];
  advance: AdvanceConfig;
  /** Where documents go: DOCUMENT_STORE and its variables (src/documents/store-config.ts). */
  documentStore: DocumentStoreConfig;
  reminderWebhook?: { url: string; secret: string };
  shutdownGraceTimeMs: number;
  workflowBundlePath?: string;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Sticky cache size: a lifecycle waits days, caching it buys nothing, and each costs memory. */
  maxCachedWorkflows: number;
  /** Health and metrics endpoints; undefined when switched off. */
  http?: { host: string; port: number };
}

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

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

/** Reads `NAME`, or the contents of the file named by `NAME_FILE` (trailing newline dropped). */
function secretFrom(env: Env, name: string, problems: string[]): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file !== undefined && file !== '') {
    problems.push(`${name} and ${name}_FILE are both set: use one`);
    return undefined;
  }
  if (file !== undefined && file !== '') {
    try {
      const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (value === '') problems.push(`${name}_FILE: ${file} is empty`);
      return value === '' ? undefined : value;
    } catch (error) {
      problems.push(
        `${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      return undefined;
    }
  }
  return direct === '' ? undefined : direct;
}

const FIELD_TO_VARIABLE: Record<string, string> = {
  deployment: 'ADVANCE_DEPLOYMENT',
  tenancy: 'ADVANCE_TENANCY',
  domain: 'ADVANCE_DOMAIN',
  baseUrl: 'ADVANCE_BASE_URL',
  authUrl: 'ADVANCE_AUTH_URL',
  clientName: 'ADVANCE_CLIENT_NAME',
  principalName: 'ADVANCE_PRINCIPAL_NAME',
  principalPassword: 'ADVANCE_PRINCIPAL_PASSWORD',
  tokenLifetimeSeconds: 'ADVANCE_TOKEN_LIFETIME_SECONDS',
};

/** Rewrites the client's field names in its problems into the variable names a user sets. */
function inVariableNames(problems: readonly string[]): string[] {
  // "for a cloud deployment" speaks of the kind of deployment, not of the field.
  const pattern = new RegExp(
    `(?<!(cloud|onpremise|an?) )\\b(${Object.keys(FIELD_TO_VARIABLE).join('|')})\\b`,
    'g',
  );
  return problems.map((p) => p.replace(pattern, (field: string) => FIELD_TO_VARIABLE[field] ?? field));
}

function integer(env: Env, name: string, problems: string[]): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw.trim())) {
    problems.push(`${name} must be a whole number of seconds`);
    return undefined;
  }
  return Number(raw);
}

function advanceFromVariables(env: Env, problems: string[]): AdvanceConfig | undefined {
  const clientProblems: string[] = [];
  const password = secretFrom(env, 'ADVANCE_PRINCIPAL_PASSWORD', problems);
  const raw = {
    deployment: env['ADVANCE_DEPLOYMENT'] || undefined,
    tenancy: env['ADVANCE_TENANCY'] || undefined,
    domain: env['ADVANCE_DOMAIN'] || undefined,
    baseUrl: env['ADVANCE_BASE_URL'] || undefined,
    authUrl: env['ADVANCE_AUTH_URL'] || undefined,
    clientName: env['ADVANCE_CLIENT_NAME'] || undefined,
    principalName: env['ADVANCE_PRINCIPAL_NAME'] || undefined,
    principalPassword: password,
    tokenLifetimeSeconds: integer(env, 'ADVANCE_TOKEN_LIFETIME_SECONDS', clientProblems),
  };
  try {
    const resolved = resolveAdvanceClientOptions(raw);
    problems.push(...clientProblems);
    return { defaultTenancy: resolved.tenancy, tenancies: new Map([[resolved.tenancy, resolved]]) };
  } catch (error) {
    if (!(error instanceof AdvanceConfigError)) throw error;
    problems.push(...clientProblems, ...inVariableNames(error.problems));
    return undefined;
  }
}

const tenancyEntry = z.record(z.string(), z.unknown());
const tenanciesFileSchema = z
  .object({
    defaultTenancy: z.string().min(1).optional(),
    tenancies: z.record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, 'tenancy names: letters, digits, . : -'),
      tenancyEntry,
    ),
  })
  .strict();

function advanceFromFile(file: string, problems: string[]): AdvanceConfig | undefined {
  const where = `ADVANCE_TENANCIES_FILE (${file})`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`${where}: ${error instanceof SyntaxError ? 'not valid JSON' : 'cannot be read'}`);
    return undefined;
  }
  const parsed = tenanciesFileSchema.safeParse(json);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((i) => `${where}: ${i.path.join('.') || 'file'}: ${i.message}`));
    return undefined;
  }
  const tenancies = new Map<string, ResolvedAdvanceClientOptions>();
  for (const [name, entry] of Object.entries(parsed.data.tenancies)) {
    const { principalPasswordFile, ...options } = entry as Record<string, unknown>;
    if (typeof principalPasswordFile === 'string') {
      try {
        options['principalPassword'] = readFileSync(
          path.resolve(path.dirname(file), principalPasswordFile),
          'utf8',
        ).replace(/\r?\n$/, '');
      } catch {
        problems.push(`${where}: tenancies.${name}.principalPasswordFile cannot be read`);
        continue;
      }
    }
    try {
      tenancies.set(name, resolveAdvanceClientOptions(options));
    } catch (error) {
      if (!(error instanceof AdvanceConfigError)) throw error;
      problems.push(...error.problems.map((p) => `${where}: tenancies.${name}: ${p}`));
    }
  }
  const names = Object.keys(parsed.data.tenancies);
  const defaultTenancy = parsed.data.defaultTenancy ?? names[0];
  if (defaultTenancy === undefined) {
    problems.push(`${where}: no tenancies configured`);
    return undefined;
  }
  if (!names.includes(defaultTenancy))
    problems.push(`${where}: defaultTenancy "${defaultTenancy}" is not in tenancies`);
  return { defaultTenancy, tenancies };
}

export function loadAdvanceConfig(env: Env, problems: string[]): AdvanceConfig | undefined {
  const file = env['ADVANCE_TENANCIES_FILE'];
  if (file !== undefined && file !== '') {
    const clashing = Object.keys(FIELD_TO_VARIABLE)
      .map((f) => FIELD_TO_VARIABLE[f] as string)
      .filter((v) => env[v] !== undefined && env[v] !== '');
    if (clashing.length > 0) problems.push(`ADVANCE_TENANCIES_FILE is set: unset ${clashing.join(', ')}`);
    return advanceFromFile(file, problems);
  }
  return advanceFromVariables(env, problems);
}

function loadReminderWebhook(env: Env, problems: string[]): WorkerConfig['reminderWebhook'] {
  const url = env['REMINDER_WEBHOOK_URL'];
  const secret = secretFrom(env, 'REMINDER_WEBHOOK_SECRET', problems);
  if (url === undefined || url === '') {
    return undefined;
  }
  if (!/^https?:\/\/[^\s]+$/i.test(url) || !URL.canParse(url))
    problems.push('REMINDER_WEBHOOK_URL must be an http(s) URL');
  if (secret === undefined)
    problems.push('REMINDER_WEBHOOK_SECRET (or _FILE) is required with REMINDER_WEBHOOK_URL');
  return secret === undefined ? undefined : { url, secret };
}

/** The worker's configuration, or a `ConfigError` listing every problem. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const advance = loadAdvanceConfig(env, problems);
  const encryptionKeys = loadEncryptionKeys(env, problems);
  const reminderWebhook = loadReminderWebhook(env, problems);
  const documentStore = loadDocumentStoreConfig(env, problems);
  const grace = parseDuration(env['WORKER_SHUTDOWN_GRACE_TIME'] || '30s');
  if (grace === undefined)
    problems.push('WORKER_SHUTDOWN_GRACE_TIME must be a duration such as 30s, 2m or 500ms');
  const logLevel = ((env['LOG_LEVEL'] ?? '').trim() || 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const http = loadWorkerHttp(env, problems);
  const cacheText = (env['WORKER_MAX_CACHED_WORKFLOWS'] ?? '').trim() || '250';
  if (!/^\d+$/.test(cacheText)) problems.push('WORKER_MAX_CACHED_WORKFLOWS must be a whole number');
  const bundle = env['WORKFLOW_BUNDLE_PATH'] || undefined;
  if (bundle !== undefined) {
    try {
      readFileSync(bundle, { flag: 'r' });
    } catch {
      problems.push(`WORKFLOW_BUNDLE_PATH: cannot read ${bundle} (run npm run build)`);
    }
  }
  if (problems.length > 0 || advance === undefined) throw new ConfigError(problems);
  return {
    taskQueue: env['TEMPORAL_TASK_QUEUE'] || DEFAULT_TASK_QUEUE,
    encryptionKeys,
    advance,
    documentStore,
    reminderWebhook,
    shutdownGraceTimeMs: grace ?? 30_000,
    workflowBundlePath: bundle,
    logLevel: logLevel as WorkerConfig['logLevel'],
    maxCachedWorkflows: Number(cacheText),
    http,
  };
}

// ---- the HTTP gateway -----------------------------------------------------------------------

/** An API key as configured: a name (for logs and rate limits) and the SHA-256 of the key. */
export interface GatewayApiKey {
  name: string;
  /** Lower-case hex SHA-256 of the key; the key itself is never configured or stored. */
  sha256Hex: string;
}

export interface GatewayConfig {
  host: string;
  port: number;
  /** Base of the links the gateway hands out; undefined = the address it listens on. */
  publicUrl?: string;
  apiKeys: GatewayApiKey[];
  finishLinkSecret: string;
  finishLinkTtlMs: number;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  corsOrigins: string[];
  /** The longest a `?wait=true` request is held open. */
  waitLimitMs: number;
}

const API_KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** `name:sha256hex` entries from a list; `where(i)` names entry i in a problem, never its value. */
function parseApiKeyEntries(entries: { text: string; where: string }[], problems: string[]): GatewayApiKey[] {
  const keys: GatewayApiKey[] = [];
  for (const { text, where } of entries) {
    const colon = text.indexOf(':');
    const name = colon < 0 ? '' : text.slice(0, colon).trim();
    const hash = colon < 0 ? '' : text.slice(colon + 1).trim();
    if (colon < 0 || !API_KEY_NAME.test(name) || !SHA256_HEX.test(hash)) {
      problems.push(
        `${where} must be "name:sha256hex" (name of letters, digits, . _ -; 64 hex digits, ` +
          'as printed by: printf %s "$KEY" | sha256sum)',
      );
      continue;
    }
    keys.push({ name, sha256Hex: hash.toLowerCase() });
  }
  return keys;
}

function loadApiKeys(env: Env, problems: string[]): GatewayApiKey[] {
  const entries: { text: string; where: string }[] = [];
  const inline = env['GATEWAY_API_KEYS'] ?? '';
  inline
    .split(',')
    .map((text) => text.trim())
    .forEach((text, index) => {
      if (text !== '') entries.push({ text, where: `GATEWAY_API_KEYS entry ${index + 1}` });
    });
  const file = env['GATEWAY_API_KEYS_FILE'];
  if (file !== undefined && file !== '') {
    try {
      readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .forEach((line, index) => {
          const text = line.trim();
          if (text !== '' && !text.startsWith('#'))
            entries.push({ text, where: `GATEWAY_API_KEYS_FILE line ${index + 1}` });
        });
    } catch (error) {
      problems.push(
        `GATEWAY_API_KEYS_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      return [];
    }
  }
  const keys = parseApiKeyEntries(entries, problems);
  if (entries.length === 0) {
    problems.push('GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE is required: at least one API key');
  }
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const key of keys) {
    if (names.has(key.name)) problems.push(`API key name "${key.name}" is configured twice`);
    if (hashes.has(key.sha256Hex)) problems.push(`API key "${key.name}" has the same key as another one`);
    names.add(key.name);
    hashes.add(key.sha256Hex);
  }
  return keys;
}

function wholeNumber(
  env: Env,
  name: string,
  fallback: number,
  { min, max }: { min: number; max: number },
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function durationVariable(
  env: Env,
  name: string,
  fallback: string,
  maxMs: number,
  problems: string[],
): number {
  const ms = parseDuration(env[name] || fallback);
  if (ms === undefined || ms <= 0 || ms > maxMs) {
    problems.push(`${name} must be a duration such as 30s, 15m or 24h, at most ${formatMs(maxMs)}`);
    return parseDuration(fallback) ?? 0;
  }
  return ms;
}

function formatMs(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${ms / 60_000}m`;
}

/** An http(s) URL without query or fragment, trailing slash dropped; undefined (and a problem) otherwise. */
function baseUrl(raw: string, name: string, problems: string[]): string | undefined {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== '') {
    problems.push(
      `${name} must be an http(s) URL without query or fragment, such as https://docs.example.com`,
    );
    return undefined;
  }
  return url.href.replace(/\/+$/, '');
}

function corsOrigins(env: Env, problems: string[]): string[] {
  const raw = env['GATEWAY_CORS_ORIGINS'] ?? '';
  const origins: string[] = [];
  for (const text of raw.split(',').map((o) => o.trim().replace(/\/$/, ''))) {
    if (text === '') continue;
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== text) {
      problems.push(`GATEWAY_CORS_ORIGINS: "${text}" is not an origin such as https://app.example.com`);
      continue;
    }
    origins.push(text);
  }
  return origins;
}

/** The gateway's configuration, or a `ConfigError` listing every problem. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const problems: string[] = [];
  const host = (env['GATEWAY_HOST'] ?? '').trim() || DEFAULT_GATEWAY_HOST;
  const port = wholeNumber(env, 'GATEWAY_PORT', DEFAULT_GATEWAY_PORT, { min: 0, max: 65_535 }, problems);
  const rawPublicUrl = (env['GATEWAY_PUBLIC_URL'] ?? '').trim();
  const publicUrl = rawPublicUrl === '' ? undefined : baseUrl(rawPublicUrl, 'GATEWAY_PUBLIC_URL', problems);
  const apiKeys = loadApiKeys(env, problems);
  const secret = secretFrom(env, 'GATEWAY_FINISH_LINK_SECRET', problems);
  if (secret === undefined) {
    if (!problems.some((p) => p.startsWith('GATEWAY_FINISH_LINK_SECRET')))
      problems.push('GATEWAY_FINISH_LINK_SECRET (or _FILE) is required: the HMAC key of the finish links');
  } else if (secret.length < MIN_FINISH_LINK_SECRET_LENGTH) {
    problems.push(
      `GATEWAY_FINISH_LINK_SECRET must be at least ${MIN_FINISH_LINK_SECRET_LENGTH} characters ` +
        '(for example: openssl rand -hex 32)',
    );
  }
  const finishLinkTtlMs = durationVariable(
    env,
    'GATEWAY_FINISH_LINK_TTL',
    DEFAULT_FINISH_LINK_TTL,
    90 * 86_400_000,
    problems,
  );
  const rateLimitPerMinute = wholeNumber(
    env,
    'GATEWAY_RATE_LIMIT_PER_MINUTE',
    DEFAULT_RATE_LIMIT_PER_MINUTE,
    { min: 1, max: 1_000_000 },
    problems,
  );
  const bodyLimitBytes = wholeNumber(
    env,
    'GATEWAY_BODY_LIMIT_BYTES',
    DEFAULT_BODY_LIMIT_BYTES,
    { min: 1024, max: 64 * 1024 * 1024 },
    problems,
  );
  const waitLimitMs = durationVariable(
    env,
    'GATEWAY_WAIT_LIMIT',
    DEFAULT_GATEWAY_WAIT_LIMIT,
    10 * 60_000,
    problems,
  );
  const cors = corsOrigins(env, problems);
  if (problems.length > 0 || secret === undefined) throw new ConfigError(problems);
  return {
    host,
    port,
    ...(publicUrl !== undefined && { publicUrl }),
    apiKeys,
    finishLinkSecret: secret,
    finishLinkTtlMs,
    rateLimitPerMinute,
    bodyLimitBytes,
    corsOrigins: cors,
    waitLimitMs,
  };
}

/**
 * Payload encryption keys, shared by every process that reads or writes lifecycle payloads
 * (worker, clients, gateway, codec endpoint). Unset: no encryption.
 */
export function loadEncryptionKeys(env: Env, problems: string[]): EncryptionKey[] {
  const text = secretFrom(env, 'PAYLOAD_ENCRYPTION_KEYS', problems);
  if (text === undefined) return [];
  const source = env['PAYLOAD_ENCRYPTION_KEYS_FILE']
    ? 'PAYLOAD_ENCRYPTION_KEYS_FILE'
    : 'PAYLOAD_ENCRYPTION_KEYS';
  return parseEncryptionKeys(text, source, problems);
}

export interface CodecServerConfig {
  host: string;
  port: number;
  keys: EncryptionKey[];
  tokenHashes: string[];
  corsOrigins: string[];
  allowUnauthenticated: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The codec endpoint's configuration: keys are required; so is authentication off loopback. */
export function loadCodecServerConfig(env: Env = process.env): CodecServerConfig {
  const problems: string[] = [];
  const keys = loadEncryptionKeys(env, problems);
  if (keys.length === 0 && problems.length === 0)
    problems.push('PAYLOAD_ENCRYPTION_KEYS (or _FILE) is required');
  const host = env['CODEC_HOST'] || '127.0.0.1';
  const portText = env['CODEC_PORT'] || '8888';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) problems.push('CODEC_PORT must be a port number');
  const tokenHashes = (env['CODEC_AUTH_TOKEN_HASHES'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  if (tokenHashes.some((h) => !/^[0-9a-f]{64}$/.test(h))) {
    problems.push('CODEC_AUTH_TOKEN_HASHES must be SHA-256 hex digests (printf %s "$TOKEN" | sha256sum)');
  }
  const allowUnauthenticated = env['CODEC_ALLOW_UNAUTHENTICATED'] === 'true';
  if (allowUnauthenticated && !LOOPBACK.has(host)) {
    problems.push('CODEC_ALLOW_UNAUTHENTICATED=true is only allowed with a loopback CODEC_HOST');
  }
  if (!allowUnauthenticated && tokenHashes.length === 0) {
    problems.push('CODEC_AUTH_TOKEN_HASHES is required (or CODEC_ALLOW_UNAUTHENTICATED=true on loopback)');
  }
  const corsOrigins = (env['CODEC_CORS_ORIGINS'] || 'http://localhost:8233')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  if (problems.length > 0) throw new ConfigError(problems);
  return { host, port, keys, tokenHashes, corsOrigins, allowUnauthenticated };
}
