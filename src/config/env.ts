import { readFileSync } from 'node:fs';

/**
 * Reading the environment, shared by every product's loader. A product's variables are a table of
 * `Setting`s — name, description, default, parser — and the loader, its `--help`, the README's
 * configuration tables and the list of known variables all come from that table, so a default is
 * written once. Each loader collects every problem, by variable name, and throws one
 * `ConfigError`, so a deployment is fixed in one pass. Secrets come from the variable or from a
 * file (`NAME_FILE`) and never appear in a message.
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Turns a variable's text into a value; undefined after adding a problem that names the variable. */
export type Parser<T> = (text: string, name: string, problems: string[]) => T | undefined;

/** One environment variable a product reads. */
export interface Setting<T> {
  readonly name: string;
  /** What it is for, in a phrase (Markdown backticks allowed): `--help`, the README, the docs. */
  readonly description: string;
  /** The value when unset, written as an operator would set it, and parsed like one. */
  readonly default?: string;
  /** Without a `default`: what happens when it is unset ("required", "none: not encrypted"). */
  readonly whenUnset?: string;
  readonly parse: Parser<T>;
  /** Also read from the file `NAME_FILE` names (never both); the value never enters a message. */
  readonly secret?: boolean;
}

/** A setting that always has a value: unset, or set wrongly (then with a problem), it is the default. */
export type DefaultedSetting<T> = Setting<T> & { readonly default: string };

/** A product's table: its settings by the key its loader reads them with. */
export type SettingsTable = Readonly<Record<string, Setting<unknown>>>;

export function setting<T>(spec: DefaultedSetting<T>): DefaultedSetting<T>;
export function setting<T>(spec: Setting<T>): Setting<T>;
export function setting<T>(spec: Setting<T>): Setting<T> {
  return spec;
}

/**
 * The setting's value: parsed from the variable (or its `_FILE` for a secret), else the default.
 * A malformed value adds a problem and yields the default, so that every other problem is still
 * found.
 */
export function read<T>(setting: DefaultedSetting<T>, env: Env, problems: string[]): T;
export function read<T>(setting: Setting<T>, env: Env, problems: string[]): T | undefined;
export function read<T>(setting: Setting<T>, env: Env, problems: string[]): T | undefined {
  const text = setting.secret ? secretFrom(env, setting.name, problems) : given(env, setting.name);
  const value = text === undefined ? undefined : setting.parse(text, setting.name, problems);
  if (value !== undefined || setting.default === undefined) return value;
  return setting.parse(setting.default, setting.name, problems);
}

/** Several settings read at once: their values by the same keys. */
export function readAll<T extends SettingsTable>(
  settings: T,
  env: Env,
  problems: string[],
): {
  [K in keyof T]: T[K] extends DefaultedSetting<infer V>
    ? V
    : T[K] extends Setting<infer V>
      ? V | undefined
      : never;
} {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings)) values[key] = read(setting, env, problems);
  return values as ReturnType<typeof readAll<T>>;
}

/** The variable names a table reads, a secret's `_FILE` included. */
export function variableNames(table: SettingsTable): string[] {
  return Object.values(table).flatMap((s) => (s.secret ? [s.name, `${s.name}_FILE`] : [s.name]));
}

/** A variable's trimmed text; unset and empty (compose's `${X:-}`) are the same. */
export function given(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text === undefined || text === '' ? undefined : text;
}

/** The entries whose value is defined: spread into a config, an unset option leaves no key. */
export function defined<T extends Record<string, unknown>>(
  entries: T,
): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Partial<{
    [K in keyof T]: Exclude<T[K], undefined>;
  }>;
}

/** Reads `NAME`, or the contents of the file named by `NAME_FILE` (trailing newline dropped). */
function secretFrom(env: Env, name: string, problems: string[]): string | undefined {
  const direct = env[name];
  const file = given(env, `${name}_FILE`);
  if (direct !== undefined && direct !== '' && file !== undefined) {
    problems.push(`${name} and ${name}_FILE are both set: use one`);
    return undefined;
  }
  if (file !== undefined) {
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

/** True when the secret was given in either form, even if it could not be read. */
export function secretGiven(env: Env, name: string): boolean {
  return given(env, name) !== undefined || given(env, `${name}_FILE`) !== undefined;
}

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}
