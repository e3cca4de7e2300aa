import { compile as compileTrustedProxies } from '@fastify/proxy-addr';
import { loadApiKeys, type GatewayApiKey } from './api-keys';
import { loadDocumentStoreConfig, type DocumentStoreConfig } from './document-store';
import { loadPayloadEncryption } from './encryption';
import { ConfigError, defined, read, setting, type Env, type Parser, type SettingsTable } from './env';
import { duration, flag, httpBaseUrl, oneOf, origins, port, portOrOff, text, wholeNumber } from './parsers';

/**
 * An HMAC key shorter than this is guessable enough to forge finish links or Advance callback URLs
 * offline. The workers refuse an `ADVANCE_CALLBACK_SECRET` shorter than this too.
 */
export const MIN_FINISH_LINK_SECRET_LENGTH = 32;

const hmacSecret: Parser<string> = (value, name, problems) => {
  if (value.length >= MIN_FINISH_LINK_SECRET_LENGTH) return value;
  problems.push(
    `${name} must be at least ${MIN_FINISH_LINK_SECRET_LENGTH} characters (for example: openssl rand -hex 32)`,
  );
  return undefined;
};

/** The HMAC code of Advance's webhook: Advance makes it, we only refuse what cannot be one. */
const webhookCredential: Parser<string> = (value, name, problems) => {
  if (value.trim().length >= 16) return value.trim();
  problems.push(
    `${name} must be the webhook's HMAC code as HotDocs Advance shows it (at least 16 characters)`,
  );
  return undefined;
};

/**
 * `GATEWAY_TRUST_PROXY`: a hop count, or addresses and CIDR ranges as fastify's `trustProxy` (and
 * proxy-addr) take them. `true` ("trust everyone") is refused: any client could then choose its
 * own address, and with it its rate-limit bucket.
 */
const trustedProxies: Parser<TrustProxy> = (value, name, problems) => {
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops >= 1 && hops <= 10) return { hops };
    problems.push(`${name}: a hop count must be from 1 to 10`);
    return undefined;
  }
  const addresses = value.split(',').map((a) => a.trim());
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
      `${name}: "${address}" is not an IP address, a CIDR range (10.0.0.0/8) or one of ` +
        'loopback, linklocal, uniquelocal; or give a hop count such as 1',
    );
  }
  return bad.length > 0 ? undefined : { addresses };
};

/** The gateway's own variables (beside the Temporal connection, the document store, encryption). */
export const GATEWAY_SETTINGS = {
  port: setting({
    name: 'GATEWAY_PORT',
    description: 'port the gateway listens on (`0` picks a free one)',
    default: '8080',
    parse: port,
  }),
  host: setting({
    name: 'GATEWAY_HOST',
    description: 'interface the gateway listens on; `0.0.0.0` to serve other machines',
    default: '127.0.0.1',
    parse: text,
  }),
  publicUrl: setting({
    name: 'GATEWAY_PUBLIC_URL',
    description:
      'base of every link the gateway hands out (`links`, `finishUrl`, document links); set it behind a proxy or TLS terminator',
    whenUnset: '`http://<host>:<port>` it listens on',
    parse: httpBaseUrl,
  }),
  apiKeys: setting({
    name: 'GATEWAY_API_KEYS',
    description:
      'API keys "name:sha256hex [tenancies=a,b|*] [prefixes=p-] [permissions=read,start,…]", separated by `;` (bare "name:sha256hex": every tenancy and permission; [API keys](docs/gateway.md#api-keys-scopes-and-permissions)); the name appears in logs, keys the rate limit and becomes a lifecycle\'s owner',
    whenUnset: 'none; at least one key here or in the file is required',
    parse: text,
  }),
  apiKeysFile: setting({
    name: 'GATEWAY_API_KEYS_FILE',
    description:
      'file with one API key per line, as in `GATEWAY_API_KEYS` (`#` comments); adds to it; re-read on `SIGHUP` and when it changes',
    whenUnset: 'none',
    parse: text,
  }),
  finishLinkSecret: setting({
    name: 'GATEWAY_FINISH_LINK_SECRET',
    description: `HMAC key of the signed finish links, at least ${MIN_FINISH_LINK_SECRET_LENGTH} characters; rotating it invalidates every link handed out`,
    whenUnset: 'required',
    parse: hmacSecret,
    secret: true,
  }),
  finishLinkTtl: setting({
    name: 'GATEWAY_FINISH_LINK_TTL',
    description: 'how long a finish link stays valid (at most 90d)',
    default: '24h',
    parse: duration(90 * 86_400_000),
  }),
  rateLimitPerMinute: setting({
    name: 'GATEWAY_RATE_LIMIT_PER_MINUTE',
    description:
      'requests per minute and API key (a finish link or callback URL that does not verify: per client address); `429` with `Retry-After` beyond',
    default: '120',
    parse: wholeNumber(1, 1_000_000),
  }),
  addressRateLimitPerMinute: setting({
    name: 'GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE',
    description:
      'requests per minute and client address to the routes behind API keys, counted before the key is checked (behind a proxy set `GATEWAY_TRUST_PROXY`, or every client shares one address)',
    default: '600',
    parse: wholeNumber(1, 1_000_000),
  }),
  finishLinkRateLimitPerMinute: setting({
    name: 'GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE',
    description: 'finish posts per minute for one interview session (its links, from any address)',
    default: '10',
    parse: wholeNumber(1, 10_000),
  }),
  finishAcceptWithin: setting({
    name: 'GATEWAY_FINISH_ACCEPT_WITHIN',
    description:
      'how long a Finish waits for a worker to take it; then it goes as a signal, which needs only the Temporal server ([Finish](docs/gateway.md#finish-when-no-worker-is-there)) (at most 1m)',
    default: '5s',
    parse: duration(60_000),
  }),
  trustProxy: setting({
    name: 'GATEWAY_TRUST_PROXY',
    description:
      'proxies whose `X-Forwarded-For` names the client: addresses/CIDRs "10.0.0.0/8,::1" (or loopback, linklocal, uniquelocal), or a hop count ([behind a proxy](docs/gateway.md#behind-a-proxy))',
    whenUnset: "none: the client address is the peer's",
    parse: trustedProxies,
  }),
  bodyLimitBytes: setting({
    name: 'GATEWAY_BODY_LIMIT_BYTES',
    description:
      'largest request body in bytes (`413` beyond; 2097152 is 2 MiB); answer XML itself is limited to 1 Mi characters',
    default: '2097152',
    parse: wholeNumber(1024, 64 * 1024 * 1024),
  }),
  corsOrigins: setting({
    name: 'GATEWAY_CORS_ORIGINS',
    description: 'comma-separated origins allowed to call the gateway from browser scripts',
    whenUnset: 'none',
    parse: origins,
  }),
  waitLimit: setting({
    name: 'GATEWAY_WAIT_LIMIT',
    description: 'longest a `?wait=true` request waits before answering (at most 10m)',
    default: '30s',
    parse: duration(10 * 60_000),
  }),
  waitsPerApiKey: setting({
    name: 'GATEWAY_WAITS_PER_API_KEY',
    description:
      'held-open interview waits (`?wait=true`, `?wait=interview`) one API key may have at once; `429` with `Retry-After` beyond',
    default: '500',
    parse: wholeNumber(1, 100_000),
  }),
  waitsMax: setting({
    name: 'GATEWAY_WAITS_MAX',
    description:
      'held-open interview waits this gateway process holds at once, all keys together; `503` with `Retry-After` beyond',
    default: '2000',
    parse: wholeNumber(1, 1_000_000),
  }),
  advanceCallbackSecret: setting({
    name: 'GATEWAY_ADVANCE_CALLBACK_SECRET',
    description: `the workers' \`ADVANCE_CALLBACK_SECRET\`, at least ${MIN_FINISH_LINK_SECRET_LENGTH} characters: enables the route HotDocs Advance v2.0 calls back on`,
    whenUnset: 'none: that route answers 404',
    parse: hmacSecret,
    secret: true,
  }),
  advanceWebhookHmac: setting({
    name: 'GATEWAY_ADVANCE_WEBHOOK_HMAC',
    description:
      'the HMAC code HotDocs Advance shows for a webhook verified by HMAC (it posts it in the form field `token`): enables `POST /v1/advance-webhooks`',
    whenUnset: 'none: no webhook is accepted by HMAC',
    parse: webhookCredential,
    secret: true,
  }),
  advanceWebhookBearer: setting({
    name: 'GATEWAY_ADVANCE_WEBHOOK_BEARER',
    description: `the access token entered in a HotDocs Advance webhook verified by access token (it posts \`Authorization: Bearer <token>\`), at least ${MIN_FINISH_LINK_SECRET_LENGTH} characters: enables \`POST /v1/advance-webhooks\``,
    whenUnset: 'none: no webhook is accepted by access token',
    parse: hmacSecret,
    secret: true,
  }),
  advanceWebhookHmacCovers: setting({
    name: 'GATEWAY_ADVANCE_WEBHOOK_HMAC_COVERS',
    description:
      "what Advance's `token` is (undocumented, docs/advance-v2.md): `nothing` — the HMAC code itself, the same on every post; `work-item` — HMAC-SHA256 of the posted work item id keyed by the code, hex",
    default: 'nothing',
    parse: oneOf(['nothing', 'work-item'] as const),
  }),
  documentRedirect: setting({
    name: 'GATEWAY_DOCUMENT_REDIRECT',
    description:
      '"true": document downloads answer 302 to a short-lived signed URL of the store (s3, azure-blob) instead of streaming',
    default: 'false',
    parse: flag,
  }),
  documentLinkTtl: setting({
    name: 'GATEWAY_DOCUMENT_LINK_TTL',
    description: 'how long such a signed document URL works (at most 7d)',
    default: '5m',
    parse: duration(7 * 86_400_000),
  }),
  metricsPort: setting({
    name: 'GATEWAY_METRICS_PORT',
    description:
      'port of the Prometheus `/metrics` endpoint (`hotdocs_gateway_requests_total{route,method,code}`, `hotdocs_gateway_request_duration_seconds`), a listener of its own (`0` picks a free one); "off" switches it off',
    default: 'off',
    parse: portOrOff,
  }),
  metricsHost: setting({
    name: 'GATEWAY_METRICS_HOST',
    description: 'interface of that endpoint (`0.0.0.0` in containers)',
    default: '127.0.0.1',
    parse: text,
  }),
} as const satisfies SettingsTable;

/** Trusted proxies: by address (recommended), or the nearest `hops` whatever their address. */
export type TrustProxy = { addresses: string[] } | { hops: number };

export interface GatewayConfig {
  /** `GATEWAY_HOST`. */
  host: string;
  /** `GATEWAY_PORT`; 0 picks a free port. */
  port: number;
  /** `GATEWAY_PUBLIC_URL`: base of the links the gateway hands out. */
  publicUrl?: string;
  /** `GATEWAY_API_KEYS` and `GATEWAY_API_KEYS_FILE`: at least one key is required. */
  apiKeys: GatewayApiKey[];
  /** `GATEWAY_API_KEYS_FILE`: re-read on SIGHUP and when it changes. */
  apiKeysFile?: string;
  /** `GATEWAY_FINISH_LINK_SECRET`: required, at least 32 characters. */
  finishLinkSecret: string;
  /** `GATEWAY_FINISH_LINK_TTL`. */
  finishLinkTtlMs: number;
  /**
   * `GATEWAY_RATE_LIMIT_PER_MINUTE`, per API key (per address for a finish link or callback URL
   * that does not verify).
   */
  rateLimitPerMinute: number;
  /**
   * `GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE`: per client address on the routes behind API keys,
   * before the key is checked; at least the per-key limit times the keys used from one address.
   */
  addressRateLimitPerMinute: number;
  /**
   * `GATEWAY_FINISH_LINK_RATE_LIMIT_PER_MINUTE`: finish posts per interview session (the link's
   * lifecycle and version), beside the per-address limit.
   */
  finishLinkRateLimitPerMinute: number;
  /**
   * `GATEWAY_FINISH_ACCEPT_WITHIN`: how long a Finish waits for a worker to accept the
   * `completeInterview` update; then the route sends the `interviewCompleted` signal, which needs
   * only Temporal's server, and tells the person the answers were received.
   */
  finishAcceptWithinMs: number;
  /** `GATEWAY_TRUST_PROXY`: whose `X-Forwarded-For` gives the client address (rate limits, logs). */
  trustProxy?: TrustProxy;
  /** `GATEWAY_BODY_LIMIT_BYTES`. */
  bodyLimitBytes: number;
  /** `GATEWAY_CORS_ORIGINS`. */
  corsOrigins: string[];
  /** `GATEWAY_WAIT_LIMIT`: the longest a `?wait=true` request is held open. */
  waitLimitMs: number;
  /**
   * `GATEWAY_WAITS_PER_API_KEY` and `GATEWAY_WAITS_MAX`: interview waits held at once per API key
   * and in all (concurrent waits for one lifecycle share one `interviewReady` update, but each
   * holds a connection).
   */
  waitCaps: { perApiKey: number; total: number };
  /** `GATEWAY_ADVANCE_CALLBACK_SECRET`: Advance v2.0 callbacks are accepted; absent: the route answers 404. */
  advanceCallbackSecret?: string;
  /**
   * `GATEWAY_ADVANCE_WEBHOOK_*`: HotDocs Advance's own webhooks are accepted by HMAC code, by
   * access token, or both; absent (neither set): the route answers 404.
   */
  advanceWebhook?: AdvanceWebhookCredentials;
  /**
   * Where the documents the gateway serves are read: `DOCUMENT_STORE` and its variables, the same
   * as the worker's (src/config/document-store.ts).
   */
  documentStore: DocumentStoreConfig;
  /**
   * `GATEWAY_DOCUMENT_REDIRECT`: downloads answer `302` to a signed URL when the store can sign
   * (s3, azure-blob); the filesystem store is always streamed.
   */
  documentRedirect: boolean;
  /** `GATEWAY_DOCUMENT_LINK_TTL`: the life of those signed URLs. */
  documentLinkTtlMs: number;
  /** `GATEWAY_METRICS_HOST`/`_PORT`: where `/metrics` is served, apart from the API; undefined: off. */
  metrics?: { host: string; port: number };
}

/** The gateway's configuration, or a `ConfigError` listing every problem. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const problems: string[] = [];
  const S = GATEWAY_SETTINGS;
  const host = read(S.host, env, problems);
  const port = read(S.port, env, problems);
  const publicUrl = read(S.publicUrl, env, problems);
  const apiKeys = loadApiKeys(env, problems);
  const apiKeysFile = read(S.apiKeysFile, env, problems);
  const secret = read(S.finishLinkSecret, env, problems);
  if (secret === undefined && !problems.some((p) => p.startsWith(S.finishLinkSecret.name)))
    problems.push('GATEWAY_FINISH_LINK_SECRET (or _FILE) is required: the HMAC key of the finish links');
  const config = {
    host,
    port,
    ...(publicUrl !== undefined && { publicUrl }),
    apiKeys,
    ...(apiKeysFile !== undefined && { apiKeysFile }),
    finishLinkSecret: secret ?? '',
    finishLinkTtlMs: read(S.finishLinkTtl, env, problems),
    rateLimitPerMinute: read(S.rateLimitPerMinute, env, problems),
    addressRateLimitPerMinute: read(S.addressRateLimitPerMinute, env, problems),
    finishLinkRateLimitPerMinute: read(S.finishLinkRateLimitPerMinute, env, problems),
    finishAcceptWithinMs: read(S.finishAcceptWithin, env, problems),
    bodyLimitBytes: read(S.bodyLimitBytes, env, problems),
    waitLimitMs: read(S.waitLimit, env, problems),
    waitCaps: {
      perApiKey: read(S.waitsPerApiKey, env, problems),
      total: read(S.waitsMax, env, problems),
    },
    corsOrigins: read(S.corsOrigins, env, problems) ?? [],
    ...defined({ advanceCallbackSecret: read(S.advanceCallbackSecret, env, problems) }),
    ...defined({ advanceWebhook: readAdvanceWebhook(env, problems) }),
    documentStore: loadDocumentStoreConfig(env, problems),
    documentRedirect: read(S.documentRedirect, env, problems),
    documentLinkTtlMs: read(S.documentLinkTtl, env, problems),
  };
  const trustProxy = read(S.trustProxy, env, problems);
  const metricsPort = read(S.metricsPort, env, problems);
  const metricsHost = read(S.metricsHost, env, problems);
  // The gateway's lifecycle client encrypts with these (LifecycleClient.connect): checked here so
  // that PAYLOAD_ENCRYPTION_REQUIRED without keys stops the gateway with the other problems.
  loadPayloadEncryption(env, problems);
  if (problems.length > 0 || secret === undefined) throw new ConfigError(problems);
  return {
    ...config,
    ...(trustProxy !== undefined && { trustProxy }),
    ...(metricsPort !== 'off' && { metrics: { host: metricsHost, port: metricsPort } }),
  };
}

/** How the gateway recognises HotDocs Advance's own webhooks (src/security/advance-webhooks.ts). */
export interface AdvanceWebhookCredentials {
  /** `GATEWAY_ADVANCE_WEBHOOK_HMAC`: the HMAC code Advance shows for the webhook. */
  hmacCode?: string;
  /** `GATEWAY_ADVANCE_WEBHOOK_BEARER`: the access token Advance sends as `Authorization: Bearer`. */
  bearerToken?: string;
  /** `GATEWAY_ADVANCE_WEBHOOK_HMAC_COVERS`: what the posted `token` is. @default 'nothing' */
  hmacCovers: 'nothing' | 'work-item';
}

function readAdvanceWebhook(env: Env, problems: string[]): AdvanceWebhookCredentials | undefined {
  const S = GATEWAY_SETTINGS;
  const hmacCode = read(S.advanceWebhookHmac, env, problems);
  const bearerToken = read(S.advanceWebhookBearer, env, problems);
  const hmacCovers = read(S.advanceWebhookHmacCovers, env, problems);
  if (hmacCode === undefined && bearerToken === undefined) return undefined;
  return { ...defined({ hmacCode, bearerToken }), hmacCovers };
}
