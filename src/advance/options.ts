import { z } from 'zod';
import { DEFAULT_MAX_ANSWER_XML_BYTES } from './answer-xml';
import { AdvanceConfigError } from './errors';
import { FileSecret, Secret } from './secret';
import {
  ADVANCE_API_VERSIONS,
  advanceUrls,
  type AdvanceApiVersion,
  type AdvanceEndpoint,
  type AdvanceUrls,
} from './urls';

/**
 * Whether a new version is assembled with v2.0's single CreateAndAssemble call: `auto` tries it
 * and, on a `404`/`405`, falls back to create-version + Complete and remembers that per client;
 * `on` always uses it; `off` never does. v1.1 has no such call: there it is always `off`.
 */
export type CreateAndAssembleMode = 'auto' | 'on' | 'off';
export const CREATE_AND_ASSEMBLE_MODES = ['auto', 'on', 'off'] as const;

/** What a client uses when the option is left out (and the worker when its variable is unset). */
export const ADVANCE_CLIENT_DEFAULTS = {
  apiVersion: 'v1.1',
  createAndAssemble: 'auto',
  tokenLifetimeSeconds: 3600,
} as const satisfies Partial<AdvanceClientOptions>;

/** What a caller gives the client. Flat, so it maps one-to-one onto environment variables. */
export interface AdvanceClientOptions {
  /** `cloud` or `onpremise`; leave out when giving `baseUrl` and `authUrl`. */
  deployment?: 'cloud' | 'onpremise';
  /** The tenancy moniker (`acme` in `acme.hotdocsadvance.com`). */
  tenancy?: string;
  /** On-premise only: the domain Advance is served under (`example.com`). */
  domain?: string;
  /** Explicit REST base (`.../api/rest/v1.1`), for proxies, tests and the emulator. */
  baseUrl?: string;
  /**
   * The REST API version this tenancy speaks (variable `ADVANCE_API_VERSION`): `v1.1` (cloud
   * tenancies, older on-premise) or `v2.0` (on-premise v1.38 and later). An explicit `baseUrl`
   * ending in a version must end in this one. Default: `ADVANCE_CLIENT_DEFAULTS`.
   */
  apiVersion?: AdvanceApiVersion;
  /**
   * v2.0 only: use CreateAndAssemble for batch assembly (variable `ADVANCE_CREATE_AND_ASSEMBLE`).
   * Default: `ADVANCE_CLIENT_DEFAULTS`.
   */
  createAndAssemble?: CreateAndAssembleMode;
  /** Explicit auth service base (`.../auth`), with `baseUrl`. */
  authUrl?: string;
  /**
   * v2.0: the Core API's origin, where an interview's Core session is finished before Complete
   * (variable `ADVANCE_CORE_URL`). Its host is trusted with the bearer token. HotDocs does not
   * document where the Core API lives for an Advance tenancy.
   * @default the origin of the session's `interviewJsUrl` (the bearer token only when that is the API's origin)
   */
  coreUrl?: string;
  clientName: string;
  principalName: string;
  principalPassword: string;
  /**
   * The file `principalPassword` was read from: read again at every login, so that a rotated
   * password is used without a restart.
   */
  principalPasswordFile?: string;
  /** The API client's token life span in Advance (not returned with the token). Default: `ADVANCE_CLIENT_DEFAULTS`. */
  tokenLifetimeSeconds?: number;
  /** Renew this long before expiry (capped at a fifth of the lifetime). Default 60. */
  tokenRenewalMarginSeconds?: number;
  /**
   * After a refused login, logins with the same credentials are not tried again for this long:
   * the refusal is repeated without a request (src/advance/login-breaker.ts). Default 60.
   */
  loginBreakerSeconds?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Keep-alive connections per origin. Default 16. */
  connectionsPerOrigin?: number;
  keepAliveTimeoutMs?: number;
  maxAnswerXmlBytes?: number;
}

export interface ResolvedAdvanceClientOptions {
  endpoint: AdvanceEndpoint;
  urls: AdvanceUrls;
  apiVersion: AdvanceApiVersion;
  createAndAssemble: CreateAndAssembleMode;
  /** `coreUrl` without a trailing slash, when configured. */
  coreUrl?: string;
  /** The tenancy moniker, or the API host for an explicit base URL: labels logs and the token cache. */
  tenancy: string;
  credentials: { clientName: string; principalName: string; principalPassword: Secret };
  tokenLifetimeSeconds: number;
  tokenRenewalMarginSeconds: number;
  loginBreakerSeconds: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  connectionsPerOrigin: number;
  keepAliveTimeoutMs: number;
  maxAnswerXmlBytes: number;
}

const required = (what: string) => ({
  error: (issue: { input: unknown }) =>
    issue.input === undefined || issue.input === '' ? `${what} is required` : `${what} must be a string`,
});
const text = (what: string) => z.string(required(what)).trim().min(1, `${what} is required`);
const positiveInt = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be greater than 0`);
const httpUrl = (what: string) =>
  z
    .string({ error: `${what} must be a URL` })
    .url(`${what} must be an http(s) URL`)
    .refine((u) => /^https?:\/\//i.test(u), `${what} must be an http(s) URL`);

const TENANCY = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const schema = z
  .object({
    deployment: z
      .enum(['cloud', 'onpremise'], { error: 'deployment must be "cloud" or "onpremise"' })
      .optional(),
    tenancy: z
      .string()
      .trim()
      .regex(TENANCY, 'tenancy must be a tenancy moniker (letters, digits, -)')
      .optional(),
    domain: z.string().trim().regex(DOMAIN, 'domain must be a host name such as example.com').optional(),
    baseUrl: httpUrl('baseUrl').optional(),
    authUrl: httpUrl('authUrl').optional(),
    coreUrl: httpUrl('coreUrl').optional(),
    apiVersion: z
      .enum(ADVANCE_API_VERSIONS, { error: 'apiVersion must be "v1.1" or "v2.0"' })
      .default(ADVANCE_CLIENT_DEFAULTS.apiVersion),
    createAndAssemble: z
      .enum(CREATE_AND_ASSEMBLE_MODES, { error: 'createAndAssemble must be "auto", "on" or "off"' })
      .default(ADVANCE_CLIENT_DEFAULTS.createAndAssemble),
    clientName: text('clientName'),
    principalName: text('principalName'),
    principalPassword: z.string(required('principalPassword')).min(1, 'principalPassword is required'),
    principalPasswordFile: z.string().min(1).optional(),
    tokenLifetimeSeconds: positiveInt('tokenLifetimeSeconds').default(
      ADVANCE_CLIENT_DEFAULTS.tokenLifetimeSeconds,
    ),
    tokenRenewalMarginSeconds: z
      .number({ error: 'tokenRenewalMarginSeconds must be a number' })
      .nonnegative('tokenRenewalMarginSeconds must not be negative')
      .default(60),
    loginBreakerSeconds: z
      .number({ error: 'loginBreakerSeconds must be a number' })
      .nonnegative('loginBreakerSeconds must not be negative')
      .default(60),
    connectTimeoutMs: positiveInt('connectTimeoutMs').default(10_000),
    headersTimeoutMs: positiveInt('headersTimeoutMs').default(60_000),
    bodyTimeoutMs: positiveInt('bodyTimeoutMs').default(60_000),
    connectionsPerOrigin: positiveInt('connectionsPerOrigin').default(16),
    keepAliveTimeoutMs: positiveInt('keepAliveTimeoutMs').default(30_000),
    maxAnswerXmlBytes: positiveInt('maxAnswerXmlBytes').default(DEFAULT_MAX_ANSWER_XML_BYTES),
  })
  .strict();

/** Which combination of location fields is needed; checked even when single fields are invalid. */
function locationProblems(input: unknown): string[] {
  const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const given = (key: string) => o[key] !== undefined && o[key] !== '';
  const problems: string[] = [];
  if (given('baseUrl') || given('authUrl')) {
    const named = versionInUrl(o['baseUrl']);
    const wanted = o['apiVersion'] ?? ADVANCE_CLIENT_DEFAULTS.apiVersion;
    if (named !== undefined && typeof wanted === 'string' && named !== wanted.toLowerCase()) {
      problems.push(`baseUrl ends in /${named} but apiVersion is ${wanted}`);
    }
    if (!given('baseUrl')) problems.push('baseUrl is required with authUrl');
    if (!given('authUrl')) problems.push('authUrl is required with baseUrl');
    if (given('deployment')) problems.push('give either deployment or baseUrl/authUrl, not both');
    return problems;
  }
  if (!given('deployment')) {
    return ['deployment ("cloud" or "onpremise") is required unless baseUrl and authUrl are given'];
  }
  if (!given('tenancy')) {
    problems.push(
      `tenancy is required for ${o['deployment'] === 'onpremise' ? 'an onpremise' : 'a cloud'} deployment`,
    );
  }
  if (o['deployment'] === 'onpremise' && !given('domain')) {
    problems.push('domain is required for an onpremise deployment');
  }
  return problems;
}

/**
 * Validates client options and derives URLs. Throws `AdvanceConfigError` listing every problem.
 * Problems name fields, never values, so a password never lands in an error.
 */
export function resolveAdvanceClientOptions(input: unknown): ResolvedAdvanceClientOptions {
  const parsed = schema.safeParse(input ?? {});
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map(describeIssue)),
    ...locationProblems(input),
  ];
  if (!parsed.success || problems.length > 0) {
    throw new AdvanceConfigError(problems);
  }
  const o = parsed.data;
  const endpoint: AdvanceEndpoint =
    o.baseUrl !== undefined && o.authUrl !== undefined
      ? { deployment: 'explicit', baseUrl: o.baseUrl, authUrl: o.authUrl }
      : o.deployment === 'onpremise'
        ? { deployment: 'onpremise', tenancy: o.tenancy!, domain: o.domain! }
        : { deployment: 'cloud', tenancy: o.tenancy! };
  const urls = advanceUrls(endpoint, o.apiVersion);
  return {
    endpoint,
    urls,
    apiVersion: o.apiVersion,
    createAndAssemble: o.createAndAssemble,
    ...(o.coreUrl !== undefined && { coreUrl: o.coreUrl.replace(/\/+$/, '') }),
    tenancy: o.tenancy ?? new URL(urls.apiBase).host,
    credentials: {
      clientName: o.clientName,
      principalName: o.principalName,
      principalPassword:
        o.principalPasswordFile === undefined
          ? new Secret(o.principalPassword)
          : new FileSecret(o.principalPasswordFile, o.principalPassword),
    },
    tokenLifetimeSeconds: o.tokenLifetimeSeconds,
    tokenRenewalMarginSeconds: o.tokenRenewalMarginSeconds,
    loginBreakerSeconds: o.loginBreakerSeconds,
    connectTimeoutMs: o.connectTimeoutMs,
    headersTimeoutMs: o.headersTimeoutMs,
    bodyTimeoutMs: o.bodyTimeoutMs,
    connectionsPerOrigin: o.connectionsPerOrigin,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs,
    maxAnswerXmlBytes: o.maxAnswerXmlBytes,
  };
}

/** The API version an explicit base URL names in its last segment (`…/rest/v2.0`), if any. */
function versionInUrl(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  return /\/(v\d+\.\d+)\/*$/i.exec(url)?.[1]?.toLowerCase();
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown option(s): ${issue.keys.join(', ')}`;
  // Our messages already start with the field name; zod's own ones get it prefixed.
  const field = issue.path.join('.');
  return field === '' || issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`;
}
