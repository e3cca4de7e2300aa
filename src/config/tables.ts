import { ADVANCE_CALLBACK_SETTINGS, ADVANCE_SETTINGS } from './advance';
import { CLI_SETTINGS } from './client';
import { CODEC_SETTINGS } from './codec';
import { DOCUMENT_STORE_SETTINGS } from './document-store';
import { ENCRYPTION_SETTINGS } from './encryption';
import { variableNames, type Setting, type SettingsTable } from './env';
import { GATEWAY_SETTINGS } from './gateway';
import { TEMPORAL_SETTINGS } from './temporal';
import { TRACING_SETTINGS } from './tracing';
import { WORKER_SETTINGS } from './worker';

/**
 * Every configuration table, and which product reads which: the source of the README's tables
 * (tools/docs/config-table.ts), of each command's `--help`, and of the list of variables a
 * deployment may set (`knownVariableNames`).
 */

interface ConfigurationTable {
  title: string;
  settings: SettingsTable;
}

export const CONFIGURATION_TABLES = {
  temporal: { title: 'Temporal connection', settings: TEMPORAL_SETTINGS },
  worker: { title: 'Worker', settings: WORKER_SETTINGS },
  advance: { title: 'HotDocs Advance', settings: ADVANCE_SETTINGS },
  'advance-callbacks': { title: 'HotDocs Advance v2.0 callbacks', settings: ADVANCE_CALLBACK_SETTINGS },
  'document-store': { title: 'Document store', settings: DOCUMENT_STORE_SETTINGS },
  encryption: { title: 'Payload encryption', settings: ENCRYPTION_SETTINGS },
  gateway: { title: 'Gateway', settings: GATEWAY_SETTINGS },
  codec: { title: 'Codec endpoint', settings: CODEC_SETTINGS },
  tracing: { title: 'Tracing (OpenTelemetry)', settings: TRACING_SETTINGS },
  cli: { title: 'Command line', settings: CLI_SETTINGS },
} as const satisfies Record<string, ConfigurationTable>;

export type ConfigurationTableId = keyof typeof CONFIGURATION_TABLES;

/** The tables each product (process) reads. */
export const PRODUCT_TABLES = {
  worker: ['temporal', 'worker', 'advance', 'advance-callbacks', 'document-store', 'encryption', 'tracing'],
  gateway: ['temporal', 'gateway', 'document-store', 'encryption', 'tracing'],
  'codec-server': ['codec', 'encryption'],
  // advance-probe talks to a tenancy as the worker does.
  cli: ['temporal', 'encryption', 'cli', 'advance'],
} as const satisfies Record<string, readonly ConfigurationTableId[]>;

export type Product = keyof typeof PRODUCT_TABLES;

/** The variables `product` reads (a secret's `_FILE` included), in table order. */
export function variablesOf(product: Product): string[] {
  return namesOf(PRODUCT_TABLES[product]);
}

/** Every variable a loader of ours knows: what a deployment may set, and nothing else. */
export function knownVariableNames(): string[] {
  return namesOf(Object.keys(CONFIGURATION_TABLES) as ConfigurationTableId[]);
}

/** The variables the tables `ids` read, each once, in table order. */
function namesOf(ids: readonly ConfigurationTableId[]): string[] {
  return [...new Set(ids.flatMap((id) => variableNames(CONFIGURATION_TABLES[id].settings)))];
}

/** The default as the docs show it: the value in backticks, or what happens when unset. */
function defaultText(setting: Setting<unknown>): string {
  if (setting.default !== undefined) return `\`${setting.default}\``;
  return setting.whenUnset ?? '';
}

/** One row per variable, a secret's `_FILE` after it: `[name, default, description]`, in Markdown. */
export function tableRows(settings: SettingsTable): [string, string, string][] {
  return Object.values(settings).flatMap((s): [string, string, string][] => {
    const row: [string, string, string] = [s.name, defaultText(s), s.description];
    if (!s.secret) return [row];
    return [row, [`${s.name}_FILE`, '', `a file holding \`${s.name}\` (not both)`]];
  });
}

/** `--help` text: every variable `product` reads, with its default. */
export function environmentHelp(product: Product): string {
  const lines = ['', 'Environment (defaults in brackets; NAME_FILE: the value is read from that file):'];
  const tables = PRODUCT_TABLES[product].map((id) => CONFIGURATION_TABLES[id]);
  const named = (s: Setting<unknown>) => (s.secret ? `${s.name} (or _FILE)` : s.name);
  const settingsOf = (table: ConfigurationTable) => Object.values(table.settings) as Setting<unknown>[];
  const width = Math.max(...tables.flatMap((table) => settingsOf(table).map((s) => named(s).length)));
  for (const table of tables) {
    lines.push(`  ${table.title}:`);
    for (const s of settingsOf(table)) {
      const fallback = plain(defaultText(s));
      lines.push(
        `    ${named(s).padEnd(width)}  ${plain(s.description)}${fallback === '' ? '' : ` [${fallback}]`}`,
      );
    }
  }
  return lines.join('\n');
}

/** Markdown as a terminal shows it: no backticks, links as their text. */
function plain(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replace(/`/g, '');
}
