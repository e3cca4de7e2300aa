import { readFileSync } from 'node:fs';
import { loadDocumentStoreConfig, type DocumentStoreConfig } from '../documents/store-config';
import {
  booleanFlag,
  ConfigError,
  duration,
  errorCode,
  httpBaseUrl,
  origins,
  secretFrom,
  wholeNumber,
  type Env,
  type VariableDocs,
} from './env';

export const DEFAULT_GATEWAY_PORT = 8080;
export const DEFAULT_GATEWAY_HOST = '127.0.0.1';
export const DEFAULT_FINISH_LINK_TTL = '24h';
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 120;
export const DEFAULT_BODY_LIMIT_BYTES = 2 * 1024 * 1024;
export const DEFAULT_GATEWAY_WAIT_LIMIT = '30s';
export const DEFAULT_DOCUMENT_LINK_TTL = '5m';
/** An HMAC key shorter than this is guessable enough to forge finish links offline. */
export const MIN_FINISH_LINK_SECRET_LENGTH = 32;

export const GATEWAY_VARIABLES: VariableDocs = {
  GATEWAY_PORT: `port the HTTP gateway listens on (default ${DEFAULT_GATEWAY_PORT}; 0 picks a free one)`,
  GATEWAY_HOST: `interface the HTTP gateway listens on (default ${DEFAULT_GATEWAY_HOST})`,
  GATEWAY_PUBLIC_URL:
    'base URL of links the gateway hands out (default: http://<host>:<port> it listens on); on the worker: document links in completion webhook events (default: none)',
  GATEWAY_API_KEYS: 'API keys as "name:sha256hex,name2:sha256hex" (printf %s "$KEY" | sha256sum)',
  GATEWAY_API_KEYS_FILE: 'file with one "name:sha256hex" per line (# comments); adds to GATEWAY_API_KEYS',
  GATEWAY_FINISH_LINK_SECRET: `HMAC key of the signed finish links, at least ${MIN_FINISH_LINK_SECRET_LENGTH} characters (or _FILE); required`,
  GATEWAY_FINISH_LINK_SECRET_FILE: 'file holding the finish-link HMAC key',
  GATEWAY_FINISH_LINK_TTL: `how long a finish link stays valid (default ${DEFAULT_FINISH_LINK_TTL})`,
  GATEWAY_RATE_LIMIT_PER_MINUTE: `requests per minute and API key (default ${DEFAULT_RATE_LIMIT_PER_MINUTE})`,
  GATEWAY_BODY_LIMIT_BYTES: `largest request body in bytes (default ${DEFAULT_BODY_LIMIT_BYTES}, 2 MiB)`,
  GATEWAY_CORS_ORIGINS: 'comma-separated origins allowed to call the gateway from a browser (default: none)',
  GATEWAY_WAIT_LIMIT: `longest a ?wait=true request waits before answering (default ${DEFAULT_GATEWAY_WAIT_LIMIT})`,
  GATEWAY_ADVANCE_CALLBACK_SECRET:
    "the workers' ADVANCE_CALLBACK_SECRET: enables the route HotDocs Advance v2.0 calls back on (or _FILE; optional)",
  GATEWAY_ADVANCE_CALLBACK_SECRET_FILE: 'file holding GATEWAY_ADVANCE_CALLBACK_SECRET',
  GATEWAY_DOCUMENT_REDIRECT:
    '"true": document downloads answer 302 to a short-lived signed URL of the store (s3, azure-blob) instead of streaming (default false)',
  GATEWAY_DOCUMENT_LINK_TTL: `how long such a signed document URL works (default ${DEFAULT_DOCUMENT_LINK_TTL}, at most 7d)`,
};

/** An API key as configured: a name (for logs and rate limits) and the SHA-256 of the key. */
export interface GatewayApiKey {
  name: string;
  /** Lower-case hex SHA-256 of the key; the key itself is never configured or stored. */
  sha256Hex: string;
}

export interface GatewayConfig {
  /** `GATEWAY_HOST`. @default '127.0.0.1' */
  host: string;
  /** `GATEWAY_PORT`; 0 picks a free port. @default 8080 */
  port: number;
  /** `GATEWAY_PUBLIC_URL`: base of the links the gateway hands out. @default the address it listens on */
  publicUrl?: string;
  /** `GATEWAY_API_KEYS` and `GATEWAY_API_KEYS_FILE`: at least one is required. */
  apiKeys: GatewayApiKey[];
  /** `GATEWAY_FINISH_LINK_SECRET`: required, at least 32 characters. */
  finishLinkSecret: string;
  /** `GATEWAY_FINISH_LINK_TTL`. @default 24h */
  finishLinkTtlMs: number;
  /** `GATEWAY_RATE_LIMIT_PER_MINUTE`, per API key (per address on the finish route). @default 120 */
  rateLimitPerMinute: number;
  /** `GATEWAY_BODY_LIMIT_BYTES`. @default 2 MiB */
  bodyLimitBytes: number;
  /** `GATEWAY_CORS_ORIGINS`. @default [] (no browser calls) */
  corsOrigins: string[];
  /** `GATEWAY_WAIT_LIMIT`: the longest a `?wait=true` request is held open. @default 30s */
  waitLimitMs: number;
  /** `GATEWAY_ADVANCE_CALLBACK_SECRET`: Advance v2.0 callbacks are accepted; absent: the route answers 404. */
  advanceCallbackSecret?: string;
  /**
   * Where the documents the gateway serves are read: `DOCUMENT_STORE` and its variables, the same
   * as the worker's (src/documents/store-config.ts). @default filesystem .data/documents
   */
  documentStore: DocumentStoreConfig;
  /**
   * `GATEWAY_DOCUMENT_REDIRECT`: downloads answer `302` to a signed URL when the store can sign
   * (s3, azure-blob); the filesystem store is always streamed. @default false
   */
  documentRedirect: boolean;
  /** `GATEWAY_DOCUMENT_LINK_TTL`: the life of those signed URLs. @default 5m */
  documentLinkTtlMs: number;
}

/** The gateway's configuration, or a `ConfigError` listing every problem. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const problems: string[] = [];
  const host = (env['GATEWAY_HOST'] ?? '').trim() || DEFAULT_GATEWAY_HOST;
  const port = wholeNumber(env, 'GATEWAY_PORT', DEFAULT_GATEWAY_PORT, { min: 0, max: 65_535 }, problems);
  const rawPublicUrl = (env['GATEWAY_PUBLIC_URL'] ?? '').trim();
  const publicUrl =
    rawPublicUrl === '' ? undefined : httpBaseUrl(rawPublicUrl, 'GATEWAY_PUBLIC_URL', problems);
  const apiKeys = loadApiKeys(env, problems);
  const secret = loadFinishLinkSecret(env, problems);
  const config = {
    host,
    port,
    ...(publicUrl !== undefined && { publicUrl }),
    apiKeys,
    finishLinkSecret: secret ?? '',
    finishLinkTtlMs: duration(
      env,
      'GATEWAY_FINISH_LINK_TTL',
      DEFAULT_FINISH_LINK_TTL,
      90 * 86_400_000,
      problems,
    ),
    rateLimitPerMinute: wholeNumber(
      env,
      'GATEWAY_RATE_LIMIT_PER_MINUTE',
      DEFAULT_RATE_LIMIT_PER_MINUTE,
      { min: 1, max: 1_000_000 },
      problems,
    ),
    bodyLimitBytes: wholeNumber(
      env,
      'GATEWAY_BODY_LIMIT_BYTES',
      DEFAULT_BODY_LIMIT_BYTES,
      { min: 1024, max: 64 * 1024 * 1024 },
      problems,
    ),
    // Evaluated in this order so that problems are listed as before: wait limit, then origins.
    waitLimitMs: duration(env, 'GATEWAY_WAIT_LIMIT', DEFAULT_GATEWAY_WAIT_LIMIT, 10 * 60_000, problems),
    corsOrigins: origins(env, 'GATEWAY_CORS_ORIGINS', problems),
    ...optionalEntry('advanceCallbackSecret', secretFrom(env, 'GATEWAY_ADVANCE_CALLBACK_SECRET', problems)),
    documentStore: loadDocumentStoreConfig(env, problems),
    documentRedirect: booleanFlag(env, 'GATEWAY_DOCUMENT_REDIRECT', false, problems),
    documentLinkTtlMs: duration(
      env,
      'GATEWAY_DOCUMENT_LINK_TTL',
      DEFAULT_DOCUMENT_LINK_TTL,
      7 * 86_400_000,
      problems,
    ),
  };
  if (problems.length > 0 || secret === undefined) throw new ConfigError(problems);
  return config;
}

function optionalEntry<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function loadFinishLinkSecret(env: Env, problems: string[]): string | undefined {
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
  return secret;
}

const API_KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

function loadApiKeys(env: Env, problems: string[]): GatewayApiKey[] {
  const entries = apiKeyEntries(env, problems);
  if (entries === undefined) return [];
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

/** The entries of both sources, each with where it came from; undefined when the file cannot be read. */
function apiKeyEntries(env: Env, problems: string[]): { text: string; where: string }[] | undefined {
  const entries: { text: string; where: string }[] = [];
  (env['GATEWAY_API_KEYS'] ?? '')
    .split(',')
    .map((text) => text.trim())
    .forEach((text, index) => {
      if (text !== '') entries.push({ text, where: `GATEWAY_API_KEYS entry ${index + 1}` });
    });
  const file = env['GATEWAY_API_KEYS_FILE'];
  if (file === undefined || file === '') return entries;
  try {
    readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .forEach((line, index) => {
        const text = line.trim();
        if (text !== '' && !text.startsWith('#'))
          entries.push({ text, where: `GATEWAY_API_KEYS_FILE line ${index + 1}` });
      });
    return entries;
  } catch (error) {
    problems.push(`GATEWAY_API_KEYS_FILE: cannot read ${file} (${errorCode(error)})`);
    return undefined;
  }
}

/** `name:sha256hex` entries; a problem names the entry by where it came from, never its value. */
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
