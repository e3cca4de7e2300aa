import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './workflows/duration';
import {
  AdvanceConfigError,
  resolveAdvanceClientOptions,
  type ResolvedAdvanceClientOptions,
} from './advance';

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
export const DEFAULT_DOCUMENT_STORE_DIR = '.data/documents';

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
} as const;

export interface AdvanceConfig {
  defaultTenancy: string;
  tenancies: Map<string, ResolvedAdvanceClientOptions>;
}

export interface WorkerConfig {
  taskQueue: string;
  advance: AdvanceConfig;
  documentStoreDir: string;
  reminderWebhook?: { url: string; secret: string };
  shutdownGraceTimeMs: number;
  workflowBundlePath?: string;
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
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
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
  const reminderWebhook = loadReminderWebhook(env, problems);
  const grace = parseDuration(env['WORKER_SHUTDOWN_GRACE_TIME'] || '30s');
  if (grace === undefined)
    problems.push('WORKER_SHUTDOWN_GRACE_TIME must be a duration such as 30s, 2m or 500ms');
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
    advance,
    documentStoreDir: env['DOCUMENT_STORE_DIR'] || DEFAULT_DOCUMENT_STORE_DIR,
    reminderWebhook,
    shutdownGraceTimeMs: grace ?? 30_000,
    workflowBundlePath: bundle,
  };
}
