import { readFileSync } from 'node:fs';
import { PATTERNS } from '../workflows/input-rules';
import { errorCode, type Env } from './env';

/**
 * The gateway's API keys and what each may do. One line (file) or entry (variable) per key:
 *
 *   name:sha256hex [tenancies=acme,globex|*] [prefixes=lease-,nda-] [permissions=read,start,...]
 *
 * A bare `name:sha256hex` is an unscoped key: every tenancy, every business key, every
 * permission, so that keys configured without scopes keep working; the gateway warns about such
 * a key at start. Once a key
 * names any setting it is scoped, and `tenancies` and `permissions` must both be given: a typo
 * must not widen a key. Problems name the line or entry, never the hash.
 */

/** What a key may do, one word per route family. `admin` is every permission. */
export const PERMISSIONS = [
  'start',
  'read',
  'interview',
  'follow-up',
  'finish',
  'cancel',
  'documents',
  'repair',
  'admin',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export interface ApiKeyScope {
  /** Tenancies whose lifecycles the key may see and start; `'*'`: all of them. */
  tenancies: '*' | string[];
  /** Business-key prefixes the key is limited to; undefined: any business key. */
  businessKeyPrefixes?: string[];
  /** As written; `admin` grants every permission. */
  permissions: Permission[];
}

/** An API key as configured: a name (for logs, rate limits and the owner), the SHA-256 of the key, a scope. */
export interface GatewayApiKey {
  name: string;
  /** Lower-case hex SHA-256 of the key; the key itself is never configured or stored. */
  sha256Hex: string;
  /** Where it is configured, for messages: `GATEWAY_API_KEYS entry 2`, `GATEWAY_API_KEYS_FILE line 7`. */
  where: string;
  /** Undefined for an unscoped key (a bare `name:sha256hex`): every tenancy and permission. */
  scope?: ApiKeyScope;
}

const API_KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** A hash on a line that may not parse: 64 hex digits, not part of a longer run. */
const HASH_ANYWHERE = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/gi;
const SETTINGS = ['tenancies', 'prefixes', 'permissions'] as const;
type Setting = (typeof SETTINGS)[number];

interface Entry {
  text: string;
  where: string;
}

/** The keys of `GATEWAY_API_KEYS` and `GATEWAY_API_KEYS_FILE`, every problem listed by where it is. */
export function loadApiKeys(env: Env, problems: string[]): GatewayApiKey[] {
  const entries = [...variableEntries(env['GATEWAY_API_KEYS'] ?? '')];
  const file = (env['GATEWAY_API_KEYS_FILE'] ?? '').trim();
  if (file !== '') {
    const fromFile = readApiKeyFile(file, problems);
    if (fromFile === undefined) return [];
    entries.push(...fromFile);
  }
  if (entries.length === 0) {
    problems.push('GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE is required: at least one API key');
  }
  const keys = entries.flatMap((entry) => parseApiKeyEntry(entry, problems) ?? []);
  problems.push(...duplicateProblems(keys));
  return keys;
}

/** The entries of the key file; undefined (and a problem) when it cannot be read. */
function readApiKeyFile(file: string, problems: string[]): Entry[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`GATEWAY_API_KEYS_FILE: cannot read ${file} (${errorCode(error)})`);
    return undefined;
  }
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    // A comment is a whole line starting with #, or # after whitespace.
    const content = line.replace(/(^|\s)#.*$/, '').trim();
    if (content !== '') entries.push({ text: content, where: `GATEWAY_API_KEYS_FILE line ${index + 1}` });
  });
  return entries;
}

/** What a re-read of the key file found. */
export interface ReloadedApiKeys {
  /** The keys to use when `problems` stayed empty. */
  keys: GatewayApiKey[];
  /**
   * The keys in use that the file still lists, on any line, even one with problems (matched by
   * their hash): what may stay in use when the file is refused. A key whose line is gone is
   * revoked either way. All of them when the file cannot be read: that says nothing about a key.
   */
  stillListed: GatewayApiKey[];
}

/**
 * The keys after the key file changed: those of `GATEWAY_API_KEYS` as they were (the variable
 * cannot change in a running process) and the file's as it is now, checked as at start.
 */
export function reloadApiKeys(
  current: readonly GatewayApiKey[],
  file: string,
  problems: string[],
): ReloadedApiKeys {
  const fromFile = readApiKeyFile(file, problems);
  if (fromFile === undefined) return { keys: [], stillListed: [...current] };
  const inline = current.filter((key) => !key.where.startsWith('GATEWAY_API_KEYS_FILE'));
  const keys = [...inline, ...fromFile.flatMap((entry) => parseApiKeyEntry(entry, problems) ?? [])];
  problems.push(...duplicateProblems(keys));
  if (inline.length === 0 && fromFile.length === 0)
    problems.push('GATEWAY_API_KEYS or GATEWAY_API_KEYS_FILE is required: at least one API key');
  const listed = new Set(
    fromFile.flatMap((entry) => (entry.text.match(HASH_ANYWHERE) ?? []).map((hash) => hash.toLowerCase())),
  );
  const stillListed = current.filter((key) => inline.includes(key) || listed.has(key.sha256Hex));
  return { keys, stillListed };
}

/**
 * Entries of the variable. Without settings, commas separate keys too (a plain list of keys stays
 * valid); once an entry has a setting (`=`), commas belong to lists and entries are separated by
 * `;` (or new lines).
 */
function variableEntries(value: string): Entry[] {
  const separator = value.includes('=') ? /[;\n]/ : /[,;\n]/;
  const entries: Entry[] = [];
  value
    .split(separator)
    .map((text) => text.trim())
    .forEach((text, index) => {
      if (text !== '') entries.push({ text, where: `GATEWAY_API_KEYS entry ${index + 1}` });
    });
  return entries;
}

function parseApiKeyEntry({ text, where }: Entry, problems: string[]): GatewayApiKey | undefined {
  const [identity = '', ...settings] = text.split(/\s+/);
  const colon = identity.indexOf(':');
  const name = colon < 0 ? '' : identity.slice(0, colon);
  const hash = colon < 0 ? '' : identity.slice(colon + 1);
  if (colon < 0 || !API_KEY_NAME.test(name) || !SHA256_HEX.test(hash)) {
    problems.push(
      `${where} must be "name:sha256hex" (name of letters, digits, . _ -; 64 hex digits, ` +
        'as printed by: printf %s "$KEY" | sha256sum), then optional settings ' +
        '(tenancies=… prefixes=… permissions=…)' +
        (where.startsWith('GATEWAY_API_KEYS entry') && text.includes(',')
          ? '; with settings, separate the entries of GATEWAY_API_KEYS with ;'
          : ''),
    );
    return undefined;
  }
  const key: GatewayApiKey = { name, sha256Hex: hash.toLowerCase(), where };
  if (settings.length === 0) return key;
  const scope = parseScope(settings, `${where} (key "${name}")`, problems);
  return scope === undefined ? undefined : { ...key, scope };
}

function parseScope(settings: string[], where: string, problems: string[]): ApiKeyScope | undefined {
  const values = new Map<Setting, string[]>();
  const before = problems.length;
  for (const setting of settings) {
    const equals = setting.indexOf('=');
    const name = equals < 0 ? setting : setting.slice(0, equals);
    if (!(SETTINGS as readonly string[]).includes(name)) {
      problems.push(`${where}: unknown setting "${name}" (known: ${SETTINGS.join(', ')}; write name=a,b)`);
      continue;
    }
    if (values.has(name as Setting)) {
      problems.push(`${where}: ${name} is given twice`);
      continue;
    }
    const list = equals < 0 ? [] : setting.slice(equals + 1).split(',');
    if (list.length === 0 || list.some((item) => item === '')) {
      problems.push(`${where}: ${name} needs a comma-separated list without empty items`);
      continue;
    }
    values.set(name as Setting, list);
  }
  const tenancies = checkedTenancies(values.get('tenancies'), where, problems);
  const permissions = checkedPermissions(values.get('permissions'), where, problems);
  const prefixes = values.get('prefixes');
  for (const prefix of prefixes ?? []) {
    if (!PATTERNS.businessKey.test(prefix))
      problems.push(
        `${where}: prefixes: "${prefix}" is not a business-key prefix (letters, digits, . _ : @ / -)`,
      );
  }
  if (problems.length > before || tenancies === undefined || permissions === undefined) return undefined;
  return { tenancies, ...(prefixes !== undefined && { businessKeyPrefixes: prefixes }), permissions };
}

function checkedTenancies(
  list: string[] | undefined,
  where: string,
  problems: string[],
): ApiKeyScope['tenancies'] | undefined {
  if (list === undefined) {
    problems.push(`${where}: a scoped key needs tenancies= (tenancies=* for every tenancy)`);
    return undefined;
  }
  if (list.includes('*')) {
    if (list.length > 1) problems.push(`${where}: tenancies=* stands alone`);
    return '*';
  }
  const bad = list.filter((tenancy) => !PATTERNS.tenancy.test(tenancy));
  for (const tenancy of bad)
    problems.push(`${where}: tenancies: "${tenancy}" is not a tenancy name (letters, digits, . : -)`);
  return bad.length > 0 ? undefined : list;
}

function checkedPermissions(
  list: string[] | undefined,
  where: string,
  problems: string[],
): Permission[] | undefined {
  if (list === undefined) {
    problems.push(`${where}: a scoped key needs permissions= (${PERMISSIONS.join(', ')})`);
    return undefined;
  }
  const bad = list.filter((p) => !(PERMISSIONS as readonly string[]).includes(p));
  for (const permission of bad)
    problems.push(`${where}: permissions: "${permission}" is not one of ${PERMISSIONS.join(', ')}`);
  return bad.length > 0 ? undefined : (list as Permission[]);
}

function duplicateProblems(keys: readonly GatewayApiKey[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const key of keys) {
    if (names.has(key.name)) problems.push(`API key name "${key.name}" is configured twice`);
    if (hashes.has(key.sha256Hex)) problems.push(`API key "${key.name}" has the same key as another one`);
    names.add(key.name);
    hashes.add(key.sha256Hex);
  }
  return problems;
}
