import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  ADVANCE_CLIENT_DEFAULTS,
  AdvanceConfigError,
  resolveAdvanceClientOptions,
  type ResolvedAdvanceClientOptions,
} from '../advance';
import { given, read, setting, type Env, type SettingsTable } from './env';
import { httpBaseUrl, seconds, text } from './parsers';

/** Shorter is guessable enough to forge callback URLs offline. */
const MIN_CALLBACK_SECRET_LENGTH = 32;

/**
 * HotDocs Advance connection: the worker's tenancies, from variables or from a tenancies file.
 * One tenancy's variables, keyed by the client option each sets (`AdvanceClientOptions`), which
 * checks them: the same rules for variables and for the tenancies file.
 */
const ADVANCE_TENANCY_SETTINGS = {
  deployment: setting({
    name: 'ADVANCE_DEPLOYMENT',
    description: '"cloud" or "onpremise"; leave out with `ADVANCE_BASE_URL`/`ADVANCE_AUTH_URL`',
    whenUnset: 'required unless `ADVANCE_BASE_URL` and `ADVANCE_AUTH_URL` are given',
    parse: text,
  }),
  tenancy: setting({
    name: 'ADVANCE_TENANCY',
    description: 'tenancy moniker (acme in acme.hotdocsadvance.com)',
    whenUnset: 'required with `ADVANCE_DEPLOYMENT`',
    parse: text,
  }),
  domain: setting({
    name: 'ADVANCE_DOMAIN',
    description: 'on-premise domain (example.com)',
    whenUnset: 'required for onpremise',
    parse: text,
  }),
  baseUrl: setting({
    name: 'ADVANCE_BASE_URL',
    description: 'explicit REST base URL (…/api/rest/v1.1), with `ADVANCE_AUTH_URL`',
    whenUnset: 'derived from the deployment',
    parse: text,
  }),
  authUrl: setting({
    name: 'ADVANCE_AUTH_URL',
    description: 'explicit auth service URL (…/auth), with `ADVANCE_BASE_URL`',
    whenUnset: 'derived from the deployment',
    parse: text,
  }),
  clientName: setting({
    name: 'ADVANCE_CLIENT_NAME',
    description: 'Advance API client name',
    whenUnset: 'required',
    parse: text,
  }),
  principalName: setting({
    name: 'ADVANCE_PRINCIPAL_NAME',
    description: 'service principal name',
    whenUnset: 'required',
    parse: text,
  }),
  principalPassword: setting({
    name: 'ADVANCE_PRINCIPAL_PASSWORD',
    description:
      'service principal password; its `_FILE` is read again at every login, so a rotated password needs no restart',
    whenUnset: 'required',
    parse: text,
    secret: true,
  }),
  tokenLifetimeSeconds: setting({
    name: 'ADVANCE_TOKEN_LIFETIME_SECONDS',
    description: "the API client's token life span in Advance, in seconds",
    default: String(ADVANCE_CLIENT_DEFAULTS.tokenLifetimeSeconds),
    parse: seconds,
  }),
  apiVersion: setting({
    name: 'ADVANCE_API_VERSION',
    description:
      'REST API version the tenancy speaks: v1.1 or v2.0 ([docs/advance-v2.md](docs/advance-v2.md))',
    default: ADVANCE_CLIENT_DEFAULTS.apiVersion,
    parse: text,
  }),
  createAndAssemble: setting({
    name: 'ADVANCE_CREATE_AND_ASSEMBLE',
    description: 'v2.0 batch assembly in one CreateAndAssemble call: auto, on or off',
    default: ADVANCE_CLIENT_DEFAULTS.createAndAssemble,
    parse: text,
  }),
  coreUrl: setting({
    name: 'ADVANCE_CORE_URL',
    description: "v2.0: the Core API's origin, where an interview is finished before Complete",
    whenUnset: "the origin of the session's interviewJsUrl",
    parse: text,
  }),
} as const satisfies SettingsTable;

/** The tenancies a process talks to: one tenancy's variables, or the tenancies file. */
export const ADVANCE_SETTINGS = {
  ...ADVANCE_TENANCY_SETTINGS,
  tenanciesFile: setting({
    name: 'ADVANCE_TENANCIES_FILE',
    description:
      'JSON file with several tenancies, instead of the variables above (its form: README, Configuration)',
    whenUnset: 'one tenancy, from the variables above',
    parse: text,
  }),
} as const satisfies SettingsTable;

/** Advance v2.0 calling the worker's lifecycles back through the gateway. */
export const ADVANCE_CALLBACK_SETTINGS = {
  callbackUrl: setting({
    name: 'ADVANCE_CALLBACK_URL',
    description: "v2.0: the gateway's public URL, where Advance posts when a version is completed",
    whenUnset: 'none: the lifecycle polls',
    parse: httpBaseUrl,
  }),
  callbackSecret: setting({
    name: 'ADVANCE_CALLBACK_SECRET',
    description: `v2.0 callbacks: a secret of at least ${MIN_CALLBACK_SECRET_LENGTH} characters, the gateway's \`GATEWAY_ADVANCE_CALLBACK_SECRET\``,
    whenUnset: 'required with `ADVANCE_CALLBACK_URL`',
    parse: text,
    secret: true,
  }),
} as const satisfies SettingsTable;

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
  const secret = read(ADVANCE_CALLBACK_SETTINGS.callbackSecret, env, problems);
  // The secret alone (compose always mounts it) leaves callbacks off; the URL needs the secret.
  if (given(env, ADVANCE_CALLBACK_SETTINGS.callbackUrl.name) === undefined) return undefined;
  if (secret === undefined) {
    problems.push('ADVANCE_CALLBACK_SECRET (or _FILE) is required with ADVANCE_CALLBACK_URL');
    return undefined;
  }
  if (secret.length < MIN_CALLBACK_SECRET_LENGTH) {
    problems.push(`ADVANCE_CALLBACK_SECRET must be at least ${MIN_CALLBACK_SECRET_LENGTH} characters`);
  }
  const baseUrl = read(ADVANCE_CALLBACK_SETTINGS.callbackUrl, env, problems);
  return baseUrl === undefined ? undefined : { baseUrl, secret };
}

export interface AdvanceConfig {
  defaultTenancy: string;
  tenancies: Map<string, ResolvedAdvanceClientOptions>;
}

type TenancyOption = keyof typeof ADVANCE_TENANCY_SETTINGS;

export function loadAdvanceConfig(env: Env, problems: string[]): AdvanceConfig | undefined {
  const file = given(env, ADVANCE_SETTINGS.tenanciesFile.name);
  if (file !== undefined) {
    const clashing = Object.values(ADVANCE_TENANCY_SETTINGS)
      .map((s) => s.name)
      .filter((name) => given(env, name) !== undefined);
    if (clashing.length > 0) problems.push(`ADVANCE_TENANCIES_FILE is set: unset ${clashing.join(', ')}`);
    return advanceFromFile(file, problems);
  }
  return advanceFromVariables(env, problems);
}

/** Rewrites the client's field names in its problems into the variable names a user sets. */
function inVariableNames(problems: readonly string[]): string[] {
  // "for a cloud deployment" speaks of the kind of deployment, not of the field.
  const pattern = new RegExp(
    `(?<!(cloud|onpremise|an?) )\\b(${Object.keys(ADVANCE_TENANCY_SETTINGS).join('|')})\\b`,
    'g',
  );
  return problems.map((p) =>
    p.replace(pattern, (field: string) => ADVANCE_TENANCY_SETTINGS[field as TenancyOption]?.name ?? field),
  );
}

function advanceFromVariables(env: Env, problems: string[]): AdvanceConfig | undefined {
  const clientProblems: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [option, variable] of Object.entries(ADVANCE_TENANCY_SETTINGS)) {
    // The password's problems (both forms, unreadable file) are the environment's: listed first.
    const value = read<unknown>(variable, env, option === 'principalPassword' ? problems : clientProblems);
    if (value !== undefined) raw[option] = value;
  }
  // Read again at every login: a rotated password is picked up without a restart.
  const passwordFile = given(env, `${ADVANCE_TENANCY_SETTINGS.principalPassword.name}_FILE`);
  if (passwordFile !== undefined) raw['principalPasswordFile'] = passwordFile;
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
