import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CONFIGURATION_TABLES,
  ConfigError,
  environmentHelp,
  knownVariableNames,
  loadAdvanceConfig,
  loadClientConfig,
  loadCodecServerConfig,
  loadGatewayConfig,
  loadTracingConfig,
  loadWorkerConfig,
  PRODUCT_TABLES,
  variablesOf,
  type Env,
  type Product,
  type Setting,
} from '../../src/config';
import { readGatewayAccess } from '../../src/config/client';
import { read } from '../../src/config/env';
import { TEMPORAL_SETTINGS } from '../../src/config/temporal';
import { configTableRows, docsFiles, withConfigTables } from '../../tools/docs/config-table';

/**
 * The configuration tables are the one place a variable, its default and its meaning are written:
 * the loaders read exactly the variables of their product's tables, every default is a value the
 * parser takes, and the docs' tables are the tables as they are now.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const ALL_SETTINGS = Object.values(CONFIGURATION_TABLES).flatMap(
  (table) => Object.values(table.settings) as Setting<unknown>[],
);

/**
 * An environment that records every variable our code asks it for by name. It lists no names, so
 * that copying the whole environment (for @temporalio/envconfig) asks for none.
 */
function recording(values: Env): { env: Env; asked: Set<string> } {
  const asked = new Set<string>();
  const env = new Proxy(values, {
    get(target, name) {
      if (typeof name === 'string') asked.add(name);
      return target[name as string];
    },
    ownKeys: () => [],
  });
  return { env, asked };
}

/** The environments that reach every branch of the loaders (each store, each optional part). */
const BRANCHES: Env[] = [
  {},
  { DOCUMENT_STORE: 's3' },
  { DOCUMENT_STORE: 'azure-blob' },
  {
    REMINDER_WEBHOOK_URL: 'https://hooks.example.com/r',
    COMPLETION_WEBHOOK_URL: 'https://hooks.example.com/c',
    ADVANCE_CALLBACK_URL: 'https://gateway.example.com',
    WORKFLOW_BUNDLE_PATH: '/nonexistent/bundle.js',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
  },
];

const LOADERS: Record<Product, (env: Env) => unknown> = {
  worker: (env) => [attempt(() => loadWorkerConfig(env)), loadTracingConfig(env, 'worker')],
  // The gateway's lifecycle client reads its connection as every client does.
  gateway: (env) => [
    attempt(() => loadGatewayConfig(env)),
    attempt(() => loadClientConfig(env)),
    loadTracingConfig(env, 'gateway'),
  ],
  'codec-server': loadCodecServerConfig,
  cli: (env) => [
    attempt(() => loadClientConfig(env)),
    readGatewayAccess(env, []),
    loadAdvanceConfig(env, []),
  ],
};

function attempt(load: () => unknown): unknown {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

/** The Temporal variables are read by @temporalio/envconfig from a copy, not through our reads. */
const BY_ENVCONFIG = new Set(
  Object.values(TEMPORAL_SETTINGS)
    .map((s) => s.name)
    .filter((name) => name !== TEMPORAL_SETTINGS.taskQueue.name),
);

test.each(Object.keys(PRODUCT_TABLES) as Product[])(
  '%s: the loader reads exactly the variables of its tables',
  (product) => {
    const asked = new Set<string>();
    for (const values of BRANCHES) {
      const recorded = recording(values);
      attempt(() => LOADERS[product](recorded.env));
      for (const name of recorded.asked) asked.add(name);
    }
    const known = variablesOf(product);
    expect([...asked].filter((name) => !known.includes(name)).sort()).toEqual([]);
    const expected = known.filter((name) => !BY_ENVCONFIG.has(name));
    expect(expected.filter((name) => !asked.has(name)).sort()).toEqual([]);
  },
);

test('the Temporal table names what @temporalio/envconfig reads, leaving out only what clients do not use', () => {
  const source = readFileSync(require.resolve('@temporalio/envconfig/lib/envconfig-toml.js'), 'utf8');
  const read = new Set([...source.matchAll(/\['(TEMPORAL_[A-Z_]+)'\]/g)].map((m) => m[1]!));
  expect([...BY_ENVCONFIG].filter((name) => !read.has(name))).toEqual([]);
  // The codec settings serve the temporal CLI; the SDK does not apply host verification.
  expect([...read].filter((name) => !BY_ENVCONFIG.has(name)).sort()).toEqual([
    'TEMPORAL_CODEC_AUTH',
    'TEMPORAL_CODEC_ENDPOINT',
    'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  ]);
});

test('every default is a value its parser takes; every setting says what happens when unset', () => {
  expect.assertions(ALL_SETTINGS.length * 2);
  for (const setting of ALL_SETTINGS) {
    const problems: string[] = [];
    const value = setting.default === undefined ? 'no default' : read(setting, {}, problems);
    expect({ name: setting.name, problems, parsed: value !== undefined }).toEqual({
      name: setting.name,
      problems: [],
      parsed: true,
    });
    expect({ name: setting.name, stated: (setting.default ?? setting.whenUnset) !== undefined }).toEqual({
      name: setting.name,
      stated: true,
    });
  }
});

test("a product's variables are each named once, and the known list is their union", () => {
  for (const tables of Object.values(PRODUCT_TABLES)) {
    const names = tables.flatMap((id) =>
      (Object.values(CONFIGURATION_TABLES[id].settings) as Setting<unknown>[]).map((s) => s.name),
    );
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  }
  const union = new Set((Object.keys(PRODUCT_TABLES) as Product[]).flatMap(variablesOf));
  expect(knownVariableNames().sort()).toEqual([...union].sort());
  expect(knownVariableNames()).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'GATEWAY_PORT']));
});

test('the docs show the tables as they are (npx tsx tools/docs/config-table.ts writes them)', () => {
  const withTables = docsFiles().filter((file) =>
    readFileSync(path.join(ROOT, file), 'utf8').includes('<!-- config-table:'),
  );
  expect(withTables).toEqual(expect.arrayContaining(['README.md', 'docs/gateway.md', 'docs/documents.md']));
  for (const file of withTables) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    const rows = configTableRows(text);
    expect(rows.length).toBeGreaterThan(2);
    expect({ file, rows }).toEqual({ file, rows: configTableRows(withConfigTables(text, file)) });
  }
});

test('the README shows every variable a loader knows', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(knownVariableNames().filter((name) => !readme.includes(`| \`${name}\``))).toEqual([]);
});

test("each product's --help lists every variable it reads, with its default", () => {
  for (const product of Object.keys(PRODUCT_TABLES) as Product[]) {
    const help = environmentHelp(product);
    for (const id of PRODUCT_TABLES[product]) {
      for (const s of Object.values(CONFIGURATION_TABLES[id].settings) as Setting<unknown>[]) {
        const line = help.split('\n').find((l) => l.trimStart().startsWith(`${s.name} `));
        expect({ product, name: s.name, listed: line !== undefined }).toEqual({
          product,
          name: s.name,
          listed: true,
        });
        if (s.default !== undefined) expect(line).toContain(`[${s.default}]`);
      }
    }
  }
});

test('only src/config reads our variables: elsewhere in src, the environment is only handed to a loader', () => {
  const src = path.join(ROOT, 'src');
  const ours = new Set(knownVariableNames());
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.startsWith(`config${path.sep}`))
    .map((file) => path.join('src', file));
  expect(files.length).toBeGreaterThan(50);
  const reads = files.flatMap((file) => {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    const named = [...text.matchAll(/\benv(?:\s*\[\s*'([A-Z0-9_]+)'\s*\]|\.([A-Z0-9_]+))/g)]
      .map((m) => m[1] ?? m[2]!)
      .filter((name) => ours.has(name));
    const envconfig = text.includes("from '@temporalio/envconfig'") ? ['@temporalio/envconfig'] : [];
    return [...named, ...envconfig].map((what) => `${file}: ${what}`);
  });
  expect(reads).toEqual([]);
});
