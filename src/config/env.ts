import { readFileSync } from 'node:fs';
import { parseDuration } from '../workflows/duration';

/**
 * Shared parsing of environment variables for every product's loader. Each loader collects every
 * problem, by variable name, and throws one `ConfigError`, so a deployment is fixed in one pass.
 * Secrets come from the variable or from a file (`NAME_FILE`) and never appear in a message.
 */

export type Env = Record<string, string | undefined>;

/** Variable name → what it means and its default, for `--help`, the README and the docs test. */
export type VariableDocs = Readonly<Record<string, string>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `NAME`, or the contents of the file named by `NAME_FILE` (trailing newline dropped). */
export function secretFrom(env: Env, name: string, problems: string[]): string | undefined {
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
      problems.push(`${name}_FILE: cannot read ${file} (${errorCode(error)})`);
      return undefined;
    }
  }
  return direct === '' ? undefined : direct;
}

/** A whole number of seconds, or undefined when unset. */
export function seconds(env: Env, name: string, problems: string[]): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw.trim())) {
    problems.push(`${name} must be a whole number of seconds`);
    return undefined;
  }
  return Number(raw);
}

/** A whole number within bounds; `fallback` when unset. */
export function wholeNumber(
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

/** "true" or "false" (any case); `fallback` when unset. */
export function booleanFlag(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const text = (env[name] ?? '').trim().toLowerCase();
  if (text === '') return fallback;
  if (text !== 'true' && text !== 'false') {
    problems.push(`${name} must be "true" or "false"`);
    return fallback;
  }
  return text === 'true';
}

/** A duration such as "30s" or "24h", in milliseconds, at most `maxMs`; `fallback` when unset. */
export function duration(
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

/** An http(s) URL without query or fragment, trailing slash dropped; undefined (and a problem) otherwise. */
export function httpBaseUrl(raw: string, name: string, problems: string[]): string | undefined {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== '') {
    problems.push(
      `${name} must be an http(s) URL without query or fragment, such as https://docs.example.com`,
    );
    return undefined;
  }
  return url.href.replace(/\/+$/, '');
}

/** Comma-separated browser origins such as https://app.example.com. */
export function origins(env: Env, name: string, problems: string[]): string[] {
  const found: string[] = [];
  for (const text of (env[name] ?? '').split(',').map((o) => o.trim().replace(/\/$/, ''))) {
    if (text === '') continue;
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== text) {
      problems.push(`${name}: "${text}" is not an origin such as https://app.example.com`);
      continue;
    }
    found.push(text);
  }
  return found;
}

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

function formatMs(ms: number): string {
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${ms / 60_000}m`;
}
