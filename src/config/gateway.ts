import { loadDocumentStoreConfig, type DocumentStoreConfig } from '../documents/store-config';
import { compile as compileTrustedProxies } from '@fastify/proxy-addr';
import { loadApiKeys, type GatewayApiKey } from './api-keys';
import { loadPayloadEncryption } from './encryption';
import {
  booleanFlag,
  ConfigError,
  duration,
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
export const DEFAULT_FINISH_LINK_RATE_LIMIT_PER_MINUTE = 10;
export const DEFAULT_FINISH_ACCEPT_WITHIN = '5s';
/** An HMAC key shorter than this is guessable enough to forge finish links offline. */
export const MIN_FINISH_LINK_SECRET_LENGTH = 32;

export const GATEWAY_VARIABLES: VariableDocs = {
  GATEWAY_PORT: `port the HTTP gateway listens on (default ${DEFAULT_GATEWAY_PORT}; 0 picks a free one)`,
  GATEWAY_HOST: `interface the HTTP gateway listens on (default ${DEFAULT_GATEWAY_HOST})`,
  GATEWAY_PUBLIC_URL:
    'base URL of links the gateway hands out (default: http://<host>:<port> it listens on); on the worker: document links in completion webhook events (default: none)',
  GATEWAY_API_KEYS:
    'API keys "name:sha256hex [tenancies=a,b|*] [prefixes=p-] [permissions=read,start,…]", separated by ; (bare "name:sha256hex": every tenancy and permission)',
  GATEWAY_API_KEYS_FILE:
    'file with one API key per line, as in GATEWAY_API_KEYS (# comments); adds to it; re-read on SIGHUP and when it changes',
  GATEWAY_FINISH_LINK_SECRET: `HMAC key of the signed finish links, at least ${MIN_FINISH_LINK_SECRET_LENGTH} characters (or _FILE); required`,
  GATEWAY_FINISH_LINK_SECRET_FILE: 'file holding the finish-link HMAC key',
  GATEWAY_FINISH_LINK_TTL: `how long a finish link stays valid (default ${DEFAULT_FINISH_LINK_TTL})`,
  GATEWAY_RATE_LIMIT_PER_MINUTE: `requests per minute and API key, or client address on the finish link (default ${DEFAULT_RATE_LIMIT_PER_MINUTE})`,
  GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE: `finish posts per minute for one interview session, whatever the address (default ${DEFAULT_FINISH_LINK_RATE_LIMIT_PER_MINUTE})`,
  GATEWAY_FINISH_ACCEPT_WITHIN: `how long a Finish waits for a worker to accept it before it is sent as a signal instead (default ${DEFAULT_FINISH_ACCEPT_WITHIN}, at most 1m)`,
  GATEWAY_TRUST_PROXY:
    'proxies whose X-Forwarded-For is believed: addresses/CIDRs "10.0.0.0/8,::1" (or loopback, linklocal, uniquelocal), or a hop count (default: none)',
  GATEWAY_BODY_LIMIT_BYTES: `largest request body in bytes (default ${DEFAULT_BODY_LIMIT_BYTES}, 2 MiB)`,
  GATEWAY_CORS_ORIGINS: 'comma-separated origins allowed to call the gateway from a browser (default: none)',
  GATEWAY_WAIT_LIMIT: `longest a ?wait=true request waits before answering (default ${DEFAULT_GATEWAY_WAIT_LIMIT})`,
  GATEWAY_ADVANCE_CALLBACK_SECRET:
    "the workers' ADVANCE_CALLBACK_SECRET: enables the route HotDocs Advance v2.0 calls back on (or _FILE; optional)",
  GATEWAY_ADVANCE_CALLBACK_SECRET_FILE: 'file holding GATEWAY_ADVANCE_CALLBACK_SECRET',
  GATEWAY_DOCUMENT_REDIRECT:
    '"true": document downloads answer 302 to a short-lived signed URL of the store (s3, azure-blob) instead of streaming (default false)',
  GATEWAY_DOCUMENT_LINK_TTL: `how long such a signed document URL works (default ${DEFAULT_DOCUMENT_LINK_TTL}, at most 7d)`,
  GATEWAY_METRICS_PORT:
    'port of the Prometheus /metrics endpoint, a listener of its own (default "off"; 0 picks a free one)',
  GATEWAY_METRICS_HOST: `interface of that endpoint (default ${DEFAULT_GATEWAY_HOST}; 0.0.0.0 in containers)`,
};

/** Trusted proxies: by address (recommended), or the nearest `hops` whatever their address. */
export type TrustProxy = { addresses: string[] } | { hops: number };

export interface GatewayConfig {
  /** `GATEWAY_HOST`. @default '127.0.0.1' */
  host: string;
  /** `GATEWAY_PORT`; 0 picks a free port. @default 8080 */
  port: number;
  /** `GATEWAY_PUBLIC_URL`: base of the links the gateway hands out. @default the address it listens on */
  publicUrl?: string;
  /** `GATEWAY_API_KEYS` and `GATEWAY_API_KEYS_FILE`: at least one key is required. */
  apiKeys: GatewayApiKey[];
  /** `GATEWAY_API_KEYS_FILE`: re-read on SIGHUP and when it changes. @default none */
  apiKeysFile?: string;
  /** `GATEWAY_FINISH_LINK_SECRET`: required, at least 32 characters. */
  finishLinkSecret: string;
  /** `GATEWAY_FINISH_LINK_TTL`. @default 24h */
  finishLinkTtlMs: number;
  /** `GATEWAY_RATE_LIMIT_PER_MINUTE`, per API key (per address on the finish route). @default 120 */
  rateLimitPerMinute: number;
  /**
   * `GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE`: finish posts per interview session (the link's
   * lifecycle and version), beside the per-address limit. @default 10
   */
  finishLinkRateLimitPerMinute: number;
  /**
   * `GATEWAY_FINISH_ACCEPT_WITHIN`: how long a Finish waits for a worker to accept the
   * `completeInterview` update; then the route sends the `interviewCompleted` signal, which needs
   * only Temporal's server, and tells the person the answers were received. @default 5s
   */
  finishAcceptWithinMs: number;
  /**
   * `GATEWAY_TRUST_PROXY`: whose `X-Forwarded-For` gives the client address (rate limits, logs).
   * @default undefined: none, the client address is the peer's
   */
  trustProxy?: TrustProxy;
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
  /**
   * `GATEWAY_METRICS_HOST`/`_PORT`: where `/metrics` is served, apart from the API.
   * @default undefined: off (host 127.0.0.1 once a port is given)
   */
  metrics?: { host: string; port: number };
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
  const apiKeysFile = (env['GATEWAY_API_KEYS_FILE'] ?? '').trim();
  const secret = loadFinishLinkSecret(env, problems);
  const config = {
    host,
    port,
    ...(publicUrl !== undefined && { publicUrl }),
    apiKeys,
    ...(apiKeysFile !== '' && { apiKeysFile }),
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
    finishLinkRateLimitPerMinute: wholeNumber(
      env,
      'GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE',
      DEFAULT_FINISH_LINK_RATE_LIMIT_PER_MINUTE,
      { min: 1, max: 10_000 },
      problems,
    ),
    finishAcceptWithinMs: duration(
      env,
      'GATEWAY_FINISH_ACCEPT_WITHIN',
      DEFAULT_FINISH_ACCEPT_WITHIN,
      60_000,
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
  const trustProxy = trustedProxies(env, problems);
  const metrics = metricsListener(env, problems);
  // The gateway's lifecycle client encrypts with these (LifecycleClient.connect): checked here so
  // that PAYLOAD_ENCRYPTION_REQUIRED without keys stops the gateway with the other problems.
  loadPayloadEncryption(env, problems);
  if (problems.length > 0 || secret === undefined) throw new ConfigError(problems);
  return {
    ...config,
    ...(trustProxy !== undefined && { trustProxy }),
    ...(metrics !== undefined && { metrics }),
  };
}

function metricsListener(env: Env, problems: string[]): GatewayConfig['metrics'] {
  const raw = (env['GATEWAY_METRICS_PORT'] ?? '').trim();
  if (raw === '' || raw === 'off') return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    problems.push('GATEWAY_METRICS_PORT must be a port number or "off"');
    return undefined;
  }
  return { host: (env['GATEWAY_METRICS_HOST'] ?? '').trim() || DEFAULT_GATEWAY_HOST, port };
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

/**
 * `GATEWAY_TRUST_PROXY`: a hop count, or addresses and CIDR ranges as fastify's `trustProxy` (and
 * proxy-addr) take them. `true` ("trust everyone") is refused: any client could then choose its
 * own address, and with it its rate-limit bucket.
 */
function trustedProxies(env: Env, problems: string[]): TrustProxy | undefined {
  const raw = (env['GATEWAY_TRUST_PROXY'] ?? '').trim();
  if (raw === '') return undefined;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops >= 1 && hops <= 10) return { hops };
    problems.push('GATEWAY_TRUST_PROXY: a hop count must be from 1 to 10');
    return undefined;
  }
  const addresses = raw.split(',').map((a) => a.trim());
  const bad = addresses.filter((address) => {
    try {
      compileTrustedProxies(address);
      return false;
    } catch {
      return true;
    }
  });
  for (const address of bad) {
    problems.push(
      `GATEWAY_TRUST_PROXY: "${address}" is not an IP address, a CIDR range (10.0.0.0/8) or one of ` +
        'loopback, linklocal, uniquelocal; or give a hop count such as 1',
    );
  }
  return bad.length > 0 ? undefined : { addresses };
}
