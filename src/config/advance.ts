import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  AdvanceConfigError,
  resolveAdvanceClientOptions,
  type ResolvedAdvanceClientOptions,
} from '../advance';
import { httpBaseUrl, seconds, secretFrom, type Env, type VariableDocs } from './env';

/** Shorter is guessable enough to forge callback URLs offline. */
const MIN_CALLBACK_SECRET_LENGTH = 32;

/** HotDocs Advance connection: the worker's tenancies, from variables or from a tenancies file. */

export const ADVANCE_VARIABLES: VariableDocs = {
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
  ADVANCE_API_VERSION: 'REST API version the tenancy speaks: v1.1 or v2.0 (default v1.1)',
  ADVANCE_CREATE_AND_ASSEMBLE:
    'v2.0 batch assembly in one CreateAndAssemble call: auto, on or off (default auto)',
  ADVANCE_TENANCIES_FILE: 'JSON file with several tenancies, instead of the ADVANCE_* variables',
  ADVANCE_CALLBACK_URL:
    "v2.0: the gateway's public URL, where Advance posts when a version is completed (optional; without it the lifecycle polls)",
  ADVANCE_CALLBACK_SECRET: `v2.0 callbacks: a secret of at least ${MIN_CALLBACK_SECRET_LENGTH} characters, the gateway's GATEWAY_ADVANCE_CALLBACK_SECRET (or _FILE)`,
  ADVANCE_CALLBACK_SECRET_FILE: 'file holding ADVANCE_CALLBACK_SECRET',
};

export interface AdvanceCallbackConfig {
  /** `ADVANCE_CALLBACK_URL`: the gateway's public base URL, which Advance can reach. */
  baseUrl: string;
  /**
   * `ADVANCE_CALLBACK_SECRET`: signs callback URLs and derives each version's callback secret; the
   * gateway holds the same secret as `GATEWAY_ADVANCE_CALLBACK_SECRET`.
   */
  secret: string;
}

/** v2.0 callbacks for the worker. Without `ADVANCE_CALLBACK_URL` lifecycles poll the version's status. */
export function loadAdvanceCallbacks(env: Env, problems: string[]): AdvanceCallbackConfig | undefined {
  const rawUrl = (env['ADVANCE_CALLBACK_URL'] ?? '').trim();
  const secret = secretFrom(env, 'ADVANCE_CALLBACK_SECRET', problems);
  // The secret alone (compose always mounts it) leaves callbacks off; the URL needs the secret.
  if (rawUrl === '') return undefined;
  if (secret === undefined) {
    problems.push('ADVANCE_CALLBACK_SECRET (or _FILE) is required with ADVANCE_CALLBACK_URL');
    return undefined;
  }
  if (secret.length < MIN_CALLBACK_SECRET_LENGTH) {
    problems.push(`ADVANCE_CALLBACK_SECRET must be at least ${MIN_CALLBACK_SECRET_LENGTH} characters`);
  }
  const baseUrl = httpBaseUrl(rawUrl, 'ADVANCE_CALLBACK_URL', problems);
  return baseUrl === undefined ? undefined : { baseUrl, secret };
}

export interface AdvanceConfig {
  defaultTenancy: string;
  tenancies: Map<string, ResolvedAdvanceClientOptions>;
}

/** The client option each single-tenancy variable sets. */
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
  apiVersion: 'ADVANCE_API_VERSION',
  createAndAssemble: 'ADVANCE_CREATE_AND_ASSEMBLE',
};

export function loadAdvanceConfig(env: Env, problems: string[]): AdvanceConfig | undefined {
  const file = env['ADVANCE_TENANCIES_FILE'];
  if (file !== undefined && file !== '') {
    const clashing = Object.values(FIELD_TO_VARIABLE).filter((v) => env[v] !== undefined && env[v] !== '');
    if (clashing.length > 0) problems.push(`ADVANCE_TENANCIES_FILE is set: unset ${clashing.join(', ')}`);
    return advanceFromFile(file, problems);
  }
  return advanceFromVariables(env, problems);
}

/** Rewrites the client's field names in its problems into the variable names a user sets. */
function inVariableNames(problems: readonly string[]): string[] {
  // "for a cloud deployment" speaks of the kind of deployment, not of the field.
  const pattern = new RegExp(
    `(?<!(cloud|onpremise|an?) )\\b(${Object.keys(FIELD_TO_VARIABLE).join('|')})\\b`,
    'g',
  );
  return problems.map((p) => p.replace(pattern, (field: string) => FIELD_TO_VARIABLE[field] ?? field));
}

function advanceFromVariables(env: Env, problems: string[]): AdvanceConfig | undefined {
  const clientProblems: string[] = [];
  const raw = {
    deployment: env['ADVANCE_DEPLOYMENT'] || undefined,
    tenancy: env['ADVANCE_TENANCY'] || undefined,
    domain: env['ADVANCE_DOMAIN'] || undefined,
    baseUrl: env['ADVANCE_BASE_URL'] || undefined,
    authUrl: env['ADVANCE_AUTH_URL'] || undefined,
    clientName: env['ADVANCE_CLIENT_NAME'] || undefined,
    principalName: env['ADVANCE_PRINCIPAL_NAME'] || undefined,
    principalPassword: secretFrom(env, 'ADVANCE_PRINCIPAL_PASSWORD', problems),
    // Read again at every login: a rotated password is picked up without a restart.
    principalPasswordFile: env['ADVANCE_PRINCIPAL_PASSWORD_FILE'] || undefined,
    tokenLifetimeSeconds: seconds(env, 'ADVANCE_TOKEN_LIFETIME_SECONDS', clientProblems),
    apiVersion: env['ADVANCE_API_VERSION'] || undefined,
    createAndAssemble: env['ADVANCE_CREATE_AND_ASSEMBLE'] || undefined,
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

const tenanciesFileSchema = z
  .object({
    defaultTenancy: z.string().min(1).optional(),
    tenancies: z.record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, 'tenancy names: letters, digits, . : -'),
      z.record(z.string(), z.unknown()),
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
    const resolved = tenancyFromFileEntry(file, name, entry, problems);
    if (resolved !== undefined) tenancies.set(name, resolved);
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

/** One tenancy of the file; `principalPasswordFile` is read relative to the file. */
function tenancyFromFileEntry(
  file: string,
  name: string,
  entry: Record<string, unknown>,
  problems: string[],
): ResolvedAdvanceClientOptions | undefined {
  const where = `ADVANCE_TENANCIES_FILE (${file})`;
  const { principalPasswordFile, ...options } = entry;
  if (typeof principalPasswordFile === 'string') {
    const passwordFile = path.resolve(path.dirname(file), principalPasswordFile);
    try {
      options['principalPassword'] = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
      options['principalPasswordFile'] = passwordFile;
    } catch {
      problems.push(`${where}: tenancies.${name}.principalPasswordFile cannot be read`);
      return undefined;
    }
  }
  try {
    return resolveAdvanceClientOptions(options);
  } catch (error) {
    if (!(error instanceof AdvanceConfigError)) throw error;
    problems.push(...error.problems.map((p) => `${where}: tenancies.${name}: ${p}`));
    return undefined;
  }
}
