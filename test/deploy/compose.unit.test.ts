import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import {
  CONFIGURATION_TABLES,
  DOCUMENT_STORE_SETTINGS,
  knownVariableNames,
  loadCodecServerConfig,
  loadDocumentStoreConfig,
  loadGatewayConfig,
  loadWorkerConfig,
  TEMPORAL_SETTINGS,
  variablesOf,
  type Env,
  type Product,
  type Setting,
} from '../../src/config';
import { variableNames } from '../../src/config/env';
import { jaegerVersions } from '../../tools/jaeger/jaeger';
import { readPinnedTemporalToolVersions } from '../../tools/temporal/temporal-tool-versions';
import { promtoolPins } from '../support/promtool';
import { parseDuration } from '../../src/workflows/duration';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { CLUSTER_FILES } from '../../tools/cluster/paths';
import {
  temporalServerEnvironment,
  TEMPORAL_SERVICES,
  type ServicePorts,
} from '../../tools/cluster/temporal-server';
import { codecEnvironment, temporalUiEnvironment } from '../../tools/cluster/temporal-ui';

/**
 * The self-hosted stack (docker-compose.yml, Dockerfile, deploy/) checked without a Docker engine:
 * by parsing it and holding it against the code it runs. What only a real `docker compose up` can
 * show is listed in docs/deploy.md ("What is checked where").
 */

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_TEXT = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

interface DependsOn {
  condition?: string;
  required?: boolean;
}
interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string } | string;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, DependsOn> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: string[];
  profiles?: string[];
  restart?: string;
  secrets?: (string | { source: string; target?: string })[];
  volumes?: string[];
  stop_grace_period?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

const compose = parse(COMPOSE_TEXT, { merge: true }) as ComposeFile;
const services = compose.services;

const OUR_SERVICES = ['worker', 'gateway', 'codec', 'emulator'] as const;
const PRODUCTION_SERVICES = ['worker', 'gateway', 'codec'] as const;
const ONE_SHOTS = ['temporal-schema', 'temporal-namespace'] as const;

function service(name: string): Service {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function env(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, String(value ?? '')]),
  );
}

function dependsOn(name: string): Record<string, DependsOn> {
  const raw = service(name).depends_on ?? {};
  if (Array.isArray(raw)) throw new Error(`${name}: depends_on must use the long form with a condition`);
  return raw;
}

function asArray(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function secretNames(name: string): string[] {
  return (service(name).secrets ?? []).map((s) => (typeof s === 'string' ? s : s.source));
}

/** `${VAR}`, `${VAR:-default}` and `${VAR-default}` as docker compose substitutes them. */
function interpolate(text: string, vars: Env): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (match, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const value = vars[name ?? ''];
      if (op === ':-') return value === undefined || value === '' ? (fallback ?? '') : value;
      if (op === '-') return value === undefined ? (fallback ?? '') : value;
      return value ?? '';
    },
  );
}

/** Every `${VAR...}` in the compose file, with the default it gives (undefined: none). */
function interpolatedVariables(): Map<string, string | undefined> {
  const found = new Map<string, string | undefined>();
  for (const match of COMPOSE_TEXT.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g)) {
    const name = match[1] as string;
    const fallback = match[2];
    if (found.has(name) && found.get(name) !== fallback)
      throw new Error(`\${${name}} has two different defaults in docker-compose.yml`);
    found.set(name, fallback);
  }
  return found;
}

/** KEY=value lines of a .env-style file (comments and blank lines skipped). */
function readEnvFile(file: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) entries[match[1] as string] = match[2] as string;
  }
  return entries;
}

/** The Temporal connection's variables (read by `@temporalio/envconfig`), optional for every process. */
const CONNECTION_VARIABLES = new Set(
  variableNames(TEMPORAL_SETTINGS).filter((name) => name !== TEMPORAL_SETTINGS.taskQueue.name),
);
/** What the emulator command reads from the environment (src/emulator/cli.ts). */
const EMULATOR_VARIABLES = new Set(['EMULATOR_PRINCIPAL_PASSWORD']);
/** The document store's variables (src/config/document-store.ts): worker and gateway, one store's only. */
const STORE_VARIABLES = new Set(variableNames(DOCUMENT_STORE_SETTINGS));
const KNOWN_VARIABLES = new Set([...knownVariableNames(), ...EMULATOR_VARIABLES, 'NODE_ENV']);

/** Variables whose _FILE adds entries instead of replacing them (src/config/api-keys.ts). */
const ADDITIVE_FILES = new Set(['GATEWAY_API_KEYS']);

/** The variables a process reads (src/config/tables.ts) that compose gives it every one of. */
function composeVariablesOf(product: Product): string[] {
  return variablesOf(product).filter((v) => !CONNECTION_VARIABLES.has(v) && !STORE_VARIABLES.has(v));
}
const WORKER_VARIABLES = composeVariablesOf('worker');
const GATEWAY_VARIABLES = composeVariablesOf('gateway');
const CODEC_VARIABLES = composeVariablesOf('codec-server');

/** A variable's default as the configuration tables hold it. */
function defaultOf(name: string): string | undefined {
  const settings = Object.values(CONFIGURATION_TABLES).flatMap(
    (table) => Object.values(table.settings) as Setting<unknown>[],
  );
  return settings.find((s) => s.name === name)?.default;
}

describe('services', () => {
  test('the stack has exactly the expected services', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'postgresql',
        'temporal-schema',
        'temporal',
        'temporal-namespace',
        'temporal-ui',
        'worker',
        'gateway',
        'codec',
        'emulator',
        'objects',
        'objects-read',
        'prometheus',
        'grafana',
        'jaeger',
      ].sort(),
    );
  });

  test('every pulled image is pinned to an exact version tag', () => {
    const pulled = Object.entries(services).filter(([, s]) => s.build === undefined);
    expect(pulled.length).toBeGreaterThan(0);
    for (const [name, s] of pulled) {
      const image = s.image ?? '';
      const match = /^([a-z0-9][a-z0-9._/-]*):([A-Za-z0-9._-]+)$/.exec(image);
      expect({ name, image, pinned: match !== null }).toEqual({ name, image, pinned: true });
      const tag = match?.[2] ?? '';
      // Versity and Prometheus tag their releases as in git (v1.8.0); everyone else without the v.
      const versionTag = /^(versity|prom)\//.test(image) ? /^v\d+\.\d+\.\d+$/ : /^\d+\.\d+(\.\d+)?($|-)/;
      expect({ name, tag, versioned: versionTag.test(tag) }).toEqual({
        name,
        tag,
        versioned: true,
      });
      expect(tag).not.toMatch(/latest|^\d+$|alpine/);
      // Temporal's own images: major.minor.patch.
      if (image.startsWith('temporalio/')) expect(tag).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(service('postgresql').image).toMatch(/^postgres:/);
    expect(service('temporal').image).toMatch(/^temporalio\/server:/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    // The same release the store tests run against (tools/object-stores/versions.env).
    const versions = readFileSync(path.join(ROOT, 'tools', 'object-stores', 'versions.env'), 'utf8');
    const versitygw = /^VERSITYGW_VERSION=(\S+)$/m.exec(versions)?.[1];
    expect(service('objects').image).toBe(`versity/versitygw:${versitygw}`);
    // The Prometheus release whose promtool checks and tests the alert rules it loads.
    expect(service('prometheus').image).toBe(`prom/prometheus:v${promtoolPins().prometheusVersion}`);
    expect(service('grafana').image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    // The release the tracing test builds (tools/jaeger/version.env), by its image tag.
    expect(service('jaeger').image).toBe(`jaegertracing/jaeger:${jaegerVersions().image}`);
  });

  test('the schema tools are the same release as the server they migrate for', () => {
    const serverTag = service('temporal').image?.split(':')[1];
    for (const oneShot of ONE_SHOTS) {
      expect(service(oneShot).image).toBe(`temporalio/admin-tools:${serverTag}`);
    }
  });

  test('worker, gateway and codec are built from this repository as one image', () => {
    const images = new Set<string | undefined>();
    for (const name of PRODUCTION_SERVICES) {
      const s = service(name);
      expect({ name, build: s.build }).toEqual({ name, build: { context: '.' } });
      images.add(s.image);
    }
    expect(images.size).toBe(1);
    const [image] = [...images];
    expect(image).toMatch(/^[a-z0-9._/-]+:[A-Za-z0-9._-]+$/);
    expect(image).not.toMatch(/:latest$/);
    expect(existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
    // The emulator is a development tool: its own target of the same Dockerfile, its own image.
    expect(service('emulator').build).toEqual({ context: '.', target: 'emulator' });
    expect(service('emulator').image).toMatch(/^[a-z0-9._/-]+:[A-Za-z0-9._-]+$/);
    expect(service('emulator').image).not.toBe(image);
    // The worker is the image's default command; the others name theirs.
    expect(service('worker').command).toBeUndefined();
    expect(asArray(service('gateway').command)).toEqual(['bin/hotdocs-temporal.js', 'gateway']);
    expect(asArray(service('codec').command)).toEqual(['bin/hotdocs-temporal.js', 'codec-server']);
    expect(asArray(service('emulator').command).slice(0, 2)).toEqual(['--host', '0.0.0.0']);
  });

  test('published ports: UIs, gateway, codec, Temporal and emulator, on the host loopback only', () => {
    const published: Record<string, string[]> = {};
    for (const [name, s] of Object.entries(services)) {
      if (s.ports !== undefined) published[name] = s.ports;
    }
    expect(published).toEqual({
      temporal: ['127.0.0.1:7233:7233'],
      worker: ['127.0.0.1:8090:8090'],
      'temporal-ui': ['127.0.0.1:8080:8080'],
      gateway: ['127.0.0.1:8081:8081'],
      codec: ['127.0.0.1:8888:8888'],
      emulator: ['127.0.0.1:8400:8400'],
      objects: ['127.0.0.1:7070:7070'],
      'objects-read': ['127.0.0.1:7071:7070'],
      prometheus: ['127.0.0.1:9090:9090'],
      grafana: ['127.0.0.1:3000:3000'],
      jaeger: ['127.0.0.1:16686:16686'],
    });
    expect(env('objects')['VGW_PORT']).toBe(':7070');
    expect(env('objects-read')['VGW_PORT']).toBe(':7070');
    // The container side of each mapping is where the process listens.
    expect(env('worker')['WORKER_HTTP_PORT']).toBe('8090');
    expect(env('worker')['WORKER_HTTP_HOST']).toBe('0.0.0.0');
    expect(env('gateway')['GATEWAY_PORT']).toBe('8081');
    expect(env('gateway')['GATEWAY_HOST']).toBe('0.0.0.0');
    expect(env('codec')['CODEC_PORT']).toBe('8888');
    expect(env('codec')['CODEC_HOST']).toBe('0.0.0.0');
    expect(env('temporal-ui')['TEMPORAL_UI_PORT']).toBe('8080');
    const emulator = asArray(service('emulator').command);
    expect(emulator[emulator.indexOf('--port') + 1]).toBe('8400');
    expect(emulator[emulator.indexOf('--host') + 1]).toBe('0.0.0.0');
  });
});

describe('start-up order and health', () => {
  const longRunning = Object.keys(services).filter(
    (name) => !(ONE_SHOTS as readonly string[]).includes(name),
  );

  test('one-shots never restart; everything else restarts unless stopped', () => {
    for (const name of ONE_SHOTS)
      expect({ name, restart: service(name).restart }).toEqual({ name, restart: 'no' });
    for (const name of longRunning)
      expect({ name, restart: service(name).restart }).toEqual({ name, restart: 'unless-stopped' });
  });

  test('every long-running service has a health check', () => {
    for (const name of longRunning) {
      const test = asArray(service(name).healthcheck?.test);
      expect({ name, test: test[0] }).toEqual({ name, test: expect.stringMatching(/^CMD(-SHELL)?$/) });
    }
  });

  test('health checks probe the port and path each process serves', () => {
    const probe = (name: string) => asArray(service(name).healthcheck?.test).join(' ');
    expect(probe('worker')).toContain(`http://127.0.0.1:${env('worker')['WORKER_HTTP_PORT']}/readyz`);
    expect(probe('gateway')).toContain(`http://127.0.0.1:${env('gateway')['GATEWAY_PORT']}/readyz`);
    expect(probe('codec')).toContain(`http://127.0.0.1:${env('codec')['CODEC_PORT']}/healthz`);
    expect(probe('emulator')).toContain('http://127.0.0.1:8400/__emulator/health');
    expect(probe('temporal-ui')).toContain('http://127.0.0.1:8080/');
    expect(probe('temporal')).toContain('7233');
    expect(probe('postgresql')).toContain('pg_isready');
    expect(probe('objects')).toContain('http://127.0.0.1:7070/health');
    expect(probe('prometheus')).toContain('http://127.0.0.1:9090/-/ready');
    expect(probe('grafana')).toContain('http://127.0.0.1:3000/api/health');
    expect(readFileSync(path.join(ROOT, 'deploy', 'objects', 'start-versitygw.sh'), 'utf8')).toContain(
      '--health /health',
    );
  });

  test('every dependency waits on the right condition', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [target, dependency] of Object.entries(dependsOn(name))) {
        const where = `${name} → ${target}`;
        expect({ where, exists: target in services }).toEqual({ where, exists: true });
        if ((ONE_SHOTS as readonly string[]).includes(target)) {
          expect({ where, condition: dependency.condition }).toEqual({
            where,
            condition: 'service_completed_successfully',
          });
        } else {
          expect({ where, condition: dependency.condition }).toEqual({ where, condition: 'service_healthy' });
          expect({ where, healthcheck: services[target]?.healthcheck !== undefined }).toEqual({
            where,
            healthcheck: true,
          });
        }
        // Only the sandbox-only emulator may be absent.
        if (dependency.required === false) expect(target).toBe('emulator');
      }
      expect(s.depends_on === undefined || !Array.isArray(s.depends_on)).toBe(true);
    }
  });

  test('the chain: database → schema → server → namespace → worker, gateway, UI', () => {
    const condition = (from: string, to: string) => dependsOn(from)[to]?.condition;
    expect(condition('temporal-schema', 'postgresql')).toBe('service_healthy');
    expect(condition('temporal', 'temporal-schema')).toBe('service_completed_successfully');
    expect(condition('temporal-namespace', 'temporal')).toBe('service_healthy');
    for (const name of ['worker', 'gateway', 'temporal-ui'])
      expect(condition(name, 'temporal-namespace')).toBe('service_completed_successfully');
    // Worker and gateway need the document store from their first request; the gateway reads it
    // through objects-read, which serves the bucket objects creates.
    expect(condition('worker', 'objects')).toBe('service_healthy');
    expect(condition('gateway', 'objects-read')).toBe('service_healthy');
    expect(condition('objects-read', 'objects')).toBe('service_healthy');
    // The worker waits for the emulator only when the sandbox profile is on.
    expect(dependsOn('worker')['emulator']).toEqual({ condition: 'service_healthy', required: false });
  });

  test('the dependency graph has no cycle', () => {
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = (name: string): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`dependency cycle through ${name}`);
      visiting.add(name);
      Object.keys(dependsOn(name)).forEach(visit);
      visiting.delete(name);
      done.add(name);
    };
    Object.keys(services).forEach(visit);
    expect(done.size).toBe(Object.keys(services).length);
  });

  test("the worker's stop grace period outlasts its activities' shutdown grace time", () => {
    const stop = parseDuration(service('worker').stop_grace_period ?? '10s') ?? 0;
    const grace = parseDuration(interpolate(env('worker')['WORKER_SHUTDOWN_GRACE_TIME'] ?? '', {})) ?? 0;
    expect(grace).toBeGreaterThan(0);
    expect(stop).toBeGreaterThanOrEqual(grace + 10_000);
  });
});

describe('Temporal', () => {
  test('the namespace one-shot registers exactly the lifecycle search attributes', () => {
    const registered = (env('temporal-namespace')['SEARCH_ATTRIBUTES'] ?? '').split(/\s+/).filter(Boolean);
    expect(registered.sort()).toEqual(LIFECYCLE_SEARCH_ATTRIBUTES.map((a) => `${a.name}=${a.type}`).sort());
  });

  test('server, schema tool and clients agree on database, namespace and address', () => {
    const server = env('temporal');
    const schema = env('temporal-schema');
    expect(server['DB']).toBe('postgres12');
    expect(schema['SQL_PLUGIN']).toBe(server['DB']);
    expect(schema['SQL_HOST']).toBe(server['POSTGRES_SEEDS']);
    expect(schema['SQL_PORT']).toBe(server['DB_PORT']);
    expect(schema['SQL_USER']).toBe(server['POSTGRES_USER']);
    expect(env('postgresql')['POSTGRES_USER']).toBe(server['POSTGRES_USER']);
    expect(schema['DBNAME']).toBe(server['DBNAME']);
    expect(schema['VISIBILITY_DBNAME']).toBe(server['VISIBILITY_DBNAME']);
    const namespace = env('temporal-namespace')['TEMPORAL_NAMESPACE'];
    for (const name of ['worker', 'gateway']) {
      expect(env(name)['TEMPORAL_ADDRESS']).toBe('temporal:7233');
      expect(env(name)['TEMPORAL_NAMESPACE']).toBe(namespace);
    }
    expect(env('temporal-namespace')['TEMPORAL_ADDRESS']).toBe('temporal:7233');
    expect(env('temporal-ui')['TEMPORAL_ADDRESS']).toBe('temporal:7233');
    expect(env('temporal-ui')['TEMPORAL_DEFAULT_NAMESPACE']).toBe(namespace);
  });

  test('the dynamic config file is mounted where DYNAMIC_CONFIG_FILE_PATH points, and parses', () => {
    const target = env('temporal')['DYNAMIC_CONFIG_FILE_PATH'] ?? '';
    const mount = (service('temporal').volumes ?? [])
      .map((v) => v.split(':'))
      .find(([, inside]) => inside !== undefined && target.startsWith(`${inside}/`));
    expect(mount).toBeDefined();
    const [source = '', inside = ''] = mount ?? [];
    const file = path.join(ROOT, source, path.relative(inside, target));
    const config = parse(readFileSync(file, 'utf8')) as Record<
      string,
      { value: unknown; constraints?: unknown }[]
    >;
    expect(config['limit.maxIDLength']?.[0]?.value).toBe(255);
    for (const [key, entries] of Object.entries(config)) {
      expect({ key, list: Array.isArray(entries) && entries.every((e) => 'value' in e) }).toEqual({
        key,
        list: true,
      });
    }
  });

  test('every mounted deploy/ path exists, and every script a service runs is in a mount', () => {
    for (const [name, s] of Object.entries(services)) {
      const mounts = (s.volumes ?? []).filter((v) => v.startsWith('./'));
      for (const volume of mounts) {
        const [source = ''] = volume.split(':');
        expect({ name, source, exists: existsSync(path.join(ROOT, source)) }).toEqual({
          name,
          source,
          exists: true,
        });
      }
      for (const word of asArray(s.entrypoint)) {
        if (!word.startsWith('/deploy/')) continue;
        const mount = mounts.map((v) => v.split(':')).find(([, inside]) => inside === '/deploy');
        expect(mount).toBeDefined();
        const script = path.join(ROOT, mount?.[0] ?? '', path.relative('/deploy', word));
        expect({ name, script, exists: existsSync(script) }).toEqual({ name, script, exists: true });
      }
    }
  });

  test('shell scripts under deploy/ parse (bash -n, and sh -n for /bin/sh ones)', () => {
    const scripts: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory() && entry.name !== 'secrets') walk(full);
        else if (entry.isFile() && entry.name.endsWith('.sh')) scripts.push(full);
      }
    };
    walk(path.join(ROOT, 'deploy'));
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    for (const script of scripts) {
      execFileSync('bash', ['-n', script]);
      if (readFileSync(script, 'utf8').startsWith('#!/bin/sh\n')) execFileSync('sh', ['-n', script]);
    }
  });
});

describe('the configuration npm run test:production runs (tools/cluster/)', () => {
  /** The host file a container path comes from, through the service's bind mounts. */
  function hostPath(name: string, inside: string): string | undefined {
    for (const volume of service(name).volumes ?? []) {
      const [source = '', target = ''] = volume.split(':');
      if (!source.startsWith('./')) continue;
      if (inside === target || inside.startsWith(`${target}/`))
        return path.join(ROOT, source, path.relative(target, inside));
    }
    return undefined;
  }

  test('the images are the releases the test builds from the pin file', () => {
    const pins = readPinnedTemporalToolVersions();
    expect(service('temporal').image).toBe(`temporalio/server:${pins.server}`);
    for (const oneShot of ONE_SHOTS)
      expect(service(oneShot).image).toBe(`temporalio/admin-tools:${pins.server}`);
    expect(service('temporal-ui').image).toBe(`temporalio/ui:${pins.uiServer}`);
  });

  test('the server starts from the same script, configuration file and dynamic config', () => {
    const server = env('temporal');
    expect(asArray(service('temporal').entrypoint)).toEqual(['/bin/sh', '/deploy/start-server.sh']);
    expect(hostPath('temporal', '/deploy/start-server.sh')).toBe(CLUSTER_FILES.startServerScript);
    expect(hostPath('temporal', server['TEMPORAL_SERVER_CONFIG_FILE_PATH'] ?? '')).toBe(
      CLUSTER_FILES.serverConfig,
    );
    expect(hostPath('temporal', server['DYNAMIC_CONFIG_FILE_PATH'] ?? '')).toBe(CLUSTER_FILES.dynamicConfig);
    expect(readFileSync(CLUSTER_FILES.serverConfig, 'utf8')).toMatch(/^# enable-template\n/);
  });

  test('the schema and namespace one-shots run the scripts the test runs', () => {
    expect(hostPath('temporal-schema', asArray(service('temporal-schema').entrypoint)[1] ?? '')).toBe(
      CLUSTER_FILES.setupSchemaScript,
    );
    expect(hostPath('temporal-namespace', asArray(service('temporal-namespace').entrypoint)[1] ?? '')).toBe(
      CLUSTER_FILES.setupNamespaceScript,
    );
  });

  test("the server's settings are the test's, but for addresses, ports and where files are", () => {
    const ports = Object.fromEntries(
      TEMPORAL_SERVICES.map((s) => [s, { grpc: 1, membership: 2, http: 3 }]),
    ) as Record<(typeof TEMPORAL_SERVICES)[number], ServicePorts>;
    const tested = temporalServerEnvironment({
      serverBinary: '/x/temporal-server',
      postgres: { host: '127.0.0.1', port: 5432, user: 'temporal', passwordFile: '/x/password' },
      tls: {
        caFile: '/x/tls_ca',
        internodeCaFile: '/x/tls_internode_ca',
        frontendCertFile: '/x/tls_frontend_cert',
        frontendKeyFile: '/x/tls_frontend_key',
        internodeCertFile: '/x/tls_internode_cert',
        internodeKeyFile: '/x/tls_internode_key',
      },
      ports,
      logDir: '/x',
    });
    const composed = env('temporal');
    // Mutual TLS is not the test's alone: every certificate it gives the server, compose gives too.
    const tlsTested = Object.keys(tested).filter((v) => v.startsWith('TLS_'));
    expect(tlsTested).toHaveLength(6);
    for (const variable of tlsTested)
      expect({ variable, composed: variable in composed }).toEqual({ variable, composed: true });
    // Where things are: the compose network's names, the container's paths.
    const located = new Set([
      ...tlsTested,
      'POSTGRES_SEEDS',
      'DB_PORT',
      'BIND_ON_IP',
      'POSTGRES_PWD_FILE',
      'TEMPORAL_SERVER_CONFIG_FILE_PATH',
      'DYNAMIC_CONFIG_FILE_PATH',
    ]);
    for (const [variable, value] of Object.entries(composed)) {
      expect({ variable, tested: variable in tested }).toEqual({ variable, tested: true });
      if (!located.has(variable)) expect({ variable, value }).toEqual({ variable, value: tested[variable] });
    }
  });

  test('the UI and the codec endpoint get the variables the test gives them', () => {
    const urls = { uiUrl: 'http://127.0.0.1:1', codecUrl: 'http://127.0.0.1:2' };
    const tls = { caFile: '/x/ca', certFile: '/x/cert', keyFile: '/x/key' };
    const ui = temporalUiEnvironment({ address: 'x:1', namespace: 'default', ...urls, tls });
    expect(Object.keys(env('temporal-ui')).sort()).toEqual(Object.keys(ui).sort());
    for (const variable of [
      'TEMPORAL_CODEC_INCLUDE_CREDENTIALS',
      'TEMPORAL_TLS_ENABLE_HOST_VERIFICATION',
      'TEMPORAL_TLS_SERVER_NAME',
    ])
      expect({ variable, value: env('temporal-ui')[variable] }).toEqual({ variable, value: ui[variable] });
    // The UI calls <endpoint>/decode; the codec serves /codec/decode.
    expect(env('temporal-ui')['TEMPORAL_CODEC_ENDPOINT']).toMatch(/\/codec$/);
    const codec = codecEnvironment({ ...urls, codecToken: 't', payloadKeysFile: '/x' });
    expect(Object.keys(env('codec')).sort()).toEqual(Object.keys(codec).sort());
    expect(env('codec')['CODEC_ALLOW_UNAUTHENTICATED']).toBe(codec['CODEC_ALLOW_UNAUTHENTICATED']);
  });
});

/** Where a service's variable points into /run/secrets/, the secret's name. */
function mountedSecret(value: string | undefined): string | undefined {
  return /^\/run\/secrets\/([a-z0-9_]+)$/.exec(value ?? '')?.[1];
}

/** Every service that connects to Temporal, and the variables naming its authority and certificate. */
const TEMPORAL_CLIENTS: Record<string, { ca: string; cert: string; key: string }> = {
  worker: {
    ca: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    cert: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    key: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  },
  gateway: {
    ca: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    cert: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    key: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  },
  'temporal-namespace': {
    ca: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    cert: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    key: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  },
  // The UI server's own variable names (its configuration file, config/docker.yaml).
  'temporal-ui': { ca: 'TEMPORAL_TLS_CA', cert: 'TEMPORAL_TLS_CERT', key: 'TEMPORAL_TLS_KEY' },
};
const SERVER_TLS_FILES = [
  'TLS_CA_FILE',
  'TLS_INTERNODE_CA_FILE',
  'TLS_FRONTEND_CERT_FILE',
  'TLS_FRONTEND_KEY_FILE',
  'TLS_INTERNODE_CERT_FILE',
  'TLS_INTERNODE_KEY_FILE',
];

describe('mutual TLS to Temporal', () => {
  test('the server configuration requires every certificate and client certificates on both listeners', () => {
    const config = readFileSync(CLUSTER_FILES.serverConfig, 'utf8');
    // The template fails to render without any one of them: no way to start the server open.
    expect(config).toMatch(/range \$required := list ((?:"TLS_[A-Z_]+" ?)+)\}\}/);
    const required = /range \$required := list ((?:"TLS_[A-Z_]+" ?)+)\}\}/
      .exec(config)?.[1]
      ?.match(/TLS_[A-Z_]+/g);
    expect(required?.sort()).toEqual([...SERVER_TLS_FILES].sort());
    expect(config).toContain('{{ fail (printf "%s is required');
    expect(config.match(/requireClientAuth: true/g)).toHaveLength(2);
    expect(config).not.toMatch(/requireClientAuth: false|disableHostVerification: true/);
    const server = env('temporal');
    for (const variable of SERVER_TLS_FILES) {
      const secret = mountedSecret(server[variable]);
      expect({ variable, mounted: secret !== undefined && secretNames('temporal').includes(secret) }).toEqual(
        {
          variable,
          mounted: true,
        },
      );
    }
  });

  test('every client of Temporal presents a certificate of its own and checks the frontend against the clients authority', () => {
    const certificates = new Set<string>();
    for (const [name, variables] of Object.entries(TEMPORAL_CLIENTS)) {
      const set = env(name);
      expect({ name, ca: mountedSecret(set[variables.ca]) }).toEqual({ name, ca: 'tls_ca' });
      const cert = mountedSecret(set[variables.cert]) ?? '';
      const key = mountedSecret(set[variables.key]) ?? '';
      expect({ name, cert, key }).toEqual({
        name,
        cert: expect.stringMatching(/^tls_[a-z]+_cert$/),
        key: cert.replace(/_cert$/, '_key'),
      });
      for (const secret of ['tls_ca', cert, key])
        expect({ name, secret, mounted: secretNames(name).includes(secret) }).toEqual({
          name,
          secret,
          mounted: true,
        });
      certificates.add(cert);
      // They all dial the frontend by the name its certificate carries.
      expect(set['TEMPORAL_ADDRESS']).toBe('temporal:7233');
    }
    expect(certificates.size).toBe(Object.keys(TEMPORAL_CLIENTS).length);
    expect(env('temporal-ui')['TEMPORAL_TLS_ENABLE_HOST_VERIFICATION']).toBe('true');
    expect(env('temporal-ui')['TEMPORAL_TLS_SERVER_NAME']).toBe('temporal');
    // The codec endpoint never connects to Temporal.
    expect(secretNames('codec').filter((s) => s.startsWith('tls_'))).toEqual([]);
  });

  test("the authorities' keys are mounted nowhere; the server's keys and the internode authority only in the server", () => {
    expect(Object.keys(compose.secrets ?? {}).filter((s) => s.endsWith('_ca_key'))).toEqual([]);
    for (const [name] of Object.entries(services)) {
      if (name === 'temporal') continue;
      for (const secret of [
        'tls_frontend_key',
        'tls_internode_key',
        'tls_internode_cert',
        'tls_internode_ca',
      ])
        expect({ name, secret, mounted: secretNames(name).includes(secret) }).toEqual({
          name,
          secret,
          mounted: false,
        });
    }
  });
});

describe('environment', () => {
  test('every variable set on our services is one our code reads', () => {
    for (const name of OUR_SERVICES) {
      for (const variable of Object.keys(env(name))) {
        expect({ name, variable, known: KNOWN_VARIABLES.has(variable) }).toEqual({
          name,
          variable,
          known: true,
        });
      }
    }
  });

  test("each process gets only its own variables, and every one of them (a secret's NAME or NAME_FILE)", () => {
    const cases: [string, string[], RegExp][] = [
      ['worker', WORKER_VARIABLES, /^(GATEWAY_(?!PUBLIC_URL$)|CODEC_)/],
      ['gateway', GATEWAY_VARIABLES, /^(ADVANCE|CODEC|REMINDER|WORKER)_|^DOCUMENT_STORE_DIR$/],
      ['codec', CODEC_VARIABLES, /^(ADVANCE|GATEWAY|REMINDER|WORKER|DOCUMENT|TEMPORAL)_/],
    ];
    for (const [name, wanted, foreign] of cases) {
      const set = env(name);
      for (const variable of Object.keys(set))
        expect({ name, variable, foreign: foreign.test(variable) }).toEqual({
          name,
          variable,
          foreign: false,
        });
      for (const variable of wanted) {
        // A secret comes either directly or as a file: NAME or NAME_FILE, and never both (the
        // loaders refuse that), except where the file adds to the variable (GATEWAY_API_KEYS).
        const base = variable.replace(/_FILE$/, '');
        const given = base in set || `${base}_FILE` in set;
        expect({ name, variable, given }).toEqual({ name, variable, given: true });
        const both = base in set && `${base}_FILE` in set && !ADDITIVE_FILES.has(base);
        expect({ name, base, both }).toEqual({ name, base, both: false });
      }
    }
    expect(Object.keys(env('emulator'))).toEqual(['NODE_ENV']);
  });

  test('every *_FILE variable names a secret mounted into that service', () => {
    for (const name of Object.keys(services)) {
      for (const [variable, value] of Object.entries(env(name))) {
        if (!variable.endsWith('_FILE')) continue;
        if (variable === 'ADVANCE_TENANCIES_FILE') {
          // A configuration file the operator mounts, not a compose secret: empty unless set.
          expect(value).toBe('${ADVANCE_TENANCIES_FILE:-}');
          continue;
        }
        const secret = /^\/run\/secrets\/([a-z0-9_]+)$/.exec(value)?.[1];
        expect({ name, variable, value, secret: secret !== undefined }).toEqual({
          name,
          variable,
          value,
          secret: true,
        });
        expect({ name, variable, mounted: secretNames(name).includes(secret ?? '') }).toEqual({
          name,
          variable,
          mounted: true,
        });
        expect(compose.secrets?.[secret ?? '']?.file).toBe(`./deploy/secrets/${secret}`);
      }
    }
  });

  test('secrets are files under deploy/secrets/, kept out of git and out of the build context', () => {
    const declared = Object.keys(compose.secrets ?? {});
    const used = new Set(Object.keys(services).flatMap(secretNames));
    expect([...used].sort()).toEqual([...declared].sort());
    for (const name of declared) expect(compose.secrets?.[name]?.file).toBe(`./deploy/secrets/${name}`);
    expect(readFileSync(path.join(ROOT, 'deploy', '.gitignore'), 'utf8')).toMatch(/^secrets\/$/m);
    const dockerignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split(/\r?\n/);
    expect(dockerignore).toEqual(expect.arrayContaining(['deploy', '.env']));
  });

  test('payloads are encrypted with one key set shared by worker, gateway and codec', () => {
    for (const name of ['worker', 'gateway', 'codec']) {
      expect(env(name)['PAYLOAD_ENCRYPTION_KEYS_FILE']).toBe('/run/secrets/payload_encryption_keys');
    }
    expect(env('codec')['CODEC_ALLOW_UNAUTHENTICATED']).toBe('false');
  });

  test('every ${VAR} is documented in deploy/env.example, with the same default as the code', () => {
    const used = interpolatedVariables();
    const example = readEnvFile(path.join(ROOT, 'deploy', 'env.example'));
    expect([...used.keys()].sort()).toEqual(
      Object.keys(example)
        .filter((k) => k !== 'COMPOSE_PROFILES')
        .sort(),
    );
    for (const [name, fallback] of used) {
      expect({ name, example: example[name] }).toEqual({ name, example: fallback ?? '' });
    }
    const sameAsCode = [
      'TEMPORAL_TASK_QUEUE',
      'GATEWAY_FINISH_LINK_TTL',
      'GATEWAY_RATE_LIMIT_PER_MINUTE',
      'GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE',
      'GATEWAY_BODY_LIMIT_BYTES',
      'GATEWAY_WAIT_LIMIT',
    ];
    for (const name of sameAsCode)
      expect({ name, value: used.get(name) }).toEqual({ name, value: defaultOf(name) });
    // Only the plain forms interpolate() understands: no ${VAR:?error}, no bare $VAR.
    expect(COMPOSE_TEXT).not.toMatch(/\$\{[^}]*:?\?/);
    expect(COMPOSE_TEXT.replace(/\$\{[^}]*\}/g, '')).not.toMatch(/\$[A-Za-z_]/);
  });

  test('the emulator runs only in the sandbox profile, and deploy/sandbox.env points the worker at it', () => {
    const profileOf: Record<string, string[]> = {
      emulator: ['sandbox'],
      prometheus: ['monitoring'],
      grafana: ['monitoring'],
      jaeger: ['tracing'],
    };
    for (const [name, s] of Object.entries(services)) {
      expect({ name, profiles: s.profiles }).toEqual({ name, profiles: profileOf[name] });
    }
    const sandbox = readEnvFile(path.join(ROOT, 'deploy', 'sandbox.env'));
    const example = readEnvFile(path.join(ROOT, 'deploy', 'env.example'));
    for (const key of Object.keys(sandbox))
      expect({ key, documented: key in example }).toEqual({ key, documented: true });
    expect(sandbox['COMPOSE_PROFILES']).toBe('sandbox');
    expect(sandbox['ADVANCE_BASE_URL']).toBe('http://emulator:8400/api/rest/v1.1');
    expect(sandbox['ADVANCE_AUTH_URL']).toBe('http://emulator:8400/auth');
  });
});

describe('the generated secrets and settings satisfy the configuration loaders', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hotdocs-deploy-'));
    cpSync(path.join(ROOT, 'deploy'), path.join(dir, 'deploy'), {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}secrets`),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A service's environment as compose hands it over, with /run/secrets/ mapped to the files. */
  function environmentOf(name: string, dotenv: Env): Env {
    const resolved: Env = {};
    for (const [variable, raw] of Object.entries(env(name))) {
      const value = interpolate(raw, dotenv);
      resolved[variable] = value.replace(/^\/run\/secrets\//, `${path.join(dir, 'deploy', 'secrets')}/`);
    }
    return resolved;
  }

  test('deploy/create-secrets.sh --sandbox makes every secret, a .env and the codec digest', () => {
    const output = execFileSync('bash', [path.join(dir, 'deploy', 'create-secrets.sh'), '--sandbox'], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
    });
    expect(output).toContain('secrets are ready');
    for (const secret of Object.keys(compose.secrets ?? {})) {
      const file = path.join(dir, 'deploy', 'secrets', secret);
      expect({ secret, exists: existsSync(file) }).toEqual({ secret, exists: true });
      // Readable by the containers' own users; the folder keeps other host users out.
      expect(statSync(file).mode & 0o044).toBe(0o044);
    }
    expect(statSync(path.join(dir, 'deploy', 'secrets')).mode & 0o077).toBe(0);
    const dotenv = readEnvFile(path.join(dir, '.env'));
    const token = readFileSync(path.join(dir, 'deploy', 'secrets', 'codec_token'), 'utf8').trim();
    expect(dotenv['CODEC_AUTH_TOKEN_HASHES']).toBe(createHash('sha256').update(token).digest('hex'));
    // Idempotent: a second run keeps everything.
    const again = execFileSync('bash', [path.join(dir, 'deploy', 'create-secrets.sh'), '--sandbox'], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
    });
    expect(again).not.toContain('created');
  });

  test('the certificates chain to the authorities the configuration names, for the names clients dial', () => {
    const read = (name: string) =>
      new X509Certificate(readFileSync(path.join(dir, 'deploy', 'secrets', name)));
    const clientsCa = read('tls_ca');
    const internodeCa = read('tls_internode_ca');
    const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
    const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
    const signedBy = (cert: X509Certificate, ca: X509Certificate) =>
      cert.checkIssued(ca) && cert.verify(ca.publicKey);
    expect(clientsCa.ca).toBe(true);
    expect(internodeCa.ca).toBe(true);

    const frontend = read('tls_frontend_cert');
    expect(signedBy(frontend, clientsCa)).toBe(true);
    expect(frontend.keyUsage).toEqual([SERVER_AUTH]);
    // Compose's clients dial `temporal`, the host's CLI `localhost` or the loopback address.
    const dialed = new URL(`grpc://${env('worker')['TEMPORAL_ADDRESS']}`).hostname;
    for (const host of [dialed, env('temporal-ui')['TEMPORAL_TLS_SERVER_NAME'] ?? '', 'localhost'])
      expect({ host, matches: frontend.checkHost(host) }).toEqual({ host, matches: host });
    expect(frontend.checkIP('127.0.0.1')).toBe('127.0.0.1');

    const internode = read('tls_internode_cert');
    expect(signedBy(internode, internodeCa)).toBe(true);
    expect(signedBy(internode, clientsCa)).toBe(false);
    expect(internode.keyUsage?.sort()).toEqual([SERVER_AUTH, CLIENT_AUTH].sort());
    const config = readFileSync(CLUSTER_FILES.serverConfig, 'utf8');
    const internodeName = /TLS_INTERNODE_SERVER_NAME" \| default "([^"]+)"/.exec(config)?.[1] ?? '';
    expect(internode.checkHost(internodeName)).toBe(internodeName);
    const frontendName = /TLS_FRONTEND_SERVER_NAME" \| default "([^"]+)"/.exec(config)?.[1] ?? '';
    expect(frontend.checkHost(frontendName)).toBe(frontendName);

    for (const identity of ['worker', 'gateway', 'ui', 'operator']) {
      const client = read(`tls_${identity}_cert`);
      expect({
        identity,
        signed: signedBy(client, clientsCa),
        internode: signedBy(client, internodeCa),
      }).toEqual({
        identity,
        signed: true,
        internode: false,
      });
      expect({ identity, usage: client.keyUsage }).toEqual({ identity, usage: [CLIENT_AUTH] });
      expect(client.ca).toBe(false);
    }
    // The authorities' keys stay with the operator: readable by the owner only.
    for (const key of ['tls_ca_key', 'tls_internode_ca_key'])
      expect(statSync(path.join(dir, 'deploy', 'secrets', key)).mode & 0o077).toBe(0);
  });

  test('worker, gateway and codec accept the environment compose gives them', () => {
    const dotenv = readEnvFile(path.join(dir, '.env'));
    const worker = environmentOf('worker', dotenv);
    // The prebuilt bundle exists inside the image only (Dockerfile: npm run build, /app/dist).
    expect(worker['WORKFLOW_BUNDLE_PATH']).toBe('/app/dist/workflow-bundle.encrypted.js');
    delete worker['WORKFLOW_BUNDLE_PATH'];
    const workerConfig = loadWorkerConfig(worker);
    expect(workerConfig.advance.tenancies.size).toBe(1);
    expect(workerConfig.encryptionKeys).toHaveLength(1);
    expect(workerConfig.documentStore).toEqual({
      kind: 's3',
      s3: {
        bucket: 'documents',
        endpoint: 'http://objects:7070',
        forcePathStyle: true,
        credentials: {
          accessKeyId: 'hotdocs',
          secretAccessKey: readFileSync(
            path.join(dir, 'deploy', 'secrets', 'document_store_secret_key'),
            'utf8',
          ).trim(),
        },
        publicEndpoint: 'http://localhost:7070',
      },
    });
    // The objects service is started with the same key and creates the bucket the store names.
    const objects = environmentOf('objects', dotenv);
    expect(objects['ROOT_ACCESS_KEY_ID']).toBe('hotdocs');
    expect(objects['ROOT_SECRET_ACCESS_KEY_FILE']).toBe(worker['DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE']);
    expect(objects['DOCUMENT_BUCKET']).toBe('documents');
    // The gateway reads the very bucket the worker writes to, through objects-read (the same
    // volume, writes refused) with that service's key, never the store's root key.
    const storeProblems: string[] = [];
    const readSecret = readFileSync(
      path.join(dir, 'deploy', 'secrets', 'document_store_read_secret_key'),
      'utf8',
    ).trim();
    expect(loadDocumentStoreConfig(environmentOf('gateway', dotenv), storeProblems)).toEqual({
      kind: 's3',
      s3: {
        bucket: 'documents',
        endpoint: 'http://objects-read:7070',
        forcePathStyle: true,
        credentials: { accessKeyId: 'hotdocs-reader', secretAccessKey: readSecret },
        publicEndpoint: 'http://localhost:7071',
      },
    });
    expect(storeProblems).toEqual([]);
    expect(readSecret).not.toBe(
      workerConfig.documentStore?.kind === 's3' && workerConfig.documentStore.s3.credentials?.secretAccessKey,
    );
    expect(service('gateway').secrets).not.toContain('document_store_secret_key');
    const reader = environmentOf('objects-read', dotenv);
    expect(reader).toMatchObject({
      ROOT_ACCESS_KEY_ID: 'hotdocs-reader',
      ROOT_SECRET_ACCESS_KEY_FILE: environmentOf('gateway', dotenv)[
        'DOCUMENT_STORE_S3_SECRET_ACCESS_KEY_FILE'
      ],
      DOCUMENT_BUCKET: 'documents',
      VGW_READ_ONLY: 'true',
    });
    expect(service('objects-read').volumes).toEqual(service('objects').volumes);
    expect(workerConfig.http).toEqual({ host: '0.0.0.0', port: 8090 });

    const gateway = loadGatewayConfig(environmentOf('gateway', dotenv));
    expect(gateway).toMatchObject({ host: '0.0.0.0', port: 8081, publicUrl: 'http://localhost:8081' });
    expect(gateway.apiKeys.map((k) => k.name)).toEqual(['ops']);
    expect(gateway.metrics).toEqual({ host: '0.0.0.0', port: 9464 });

    const codec = loadCodecServerConfig(environmentOf('codec', dotenv));
    expect(codec).toMatchObject({ host: '0.0.0.0', port: 8888, allowUnauthenticated: false });
    expect(codec.tokenHashes).toEqual([dotenv['CODEC_AUTH_TOKEN_HASHES']]);
    expect(codec.corsOrigins).toEqual([
      interpolate(env('temporal-ui')['TEMPORAL_CORS_ORIGINS'] ?? '', dotenv),
    ]);
  });
});

describe('monitoring (profile monitoring)', () => {
  /** The host file behind a container path, through the service's read-only bind mounts. */
  function hostFile(name: string, inside: string): string {
    for (const volume of service(name).volumes ?? []) {
      const [source = '', target = ''] = volume.split(':');
      if (source.startsWith('./') && (inside === target || inside.startsWith(`${target}/`)))
        return path.join(ROOT, source, path.relative(target, inside));
    }
    throw new Error(`${name}: nothing is mounted at ${inside}`);
  }

  test('Prometheus loads the shipped configuration and scrapes every worker and gateway where they serve /metrics', () => {
    const command = asArray(service('prometheus').command);
    const configPath = command.find((c) => c.startsWith('--config.file='))?.split('=')[1] ?? '';
    const config = parse(readFileSync(hostFile('prometheus', configPath), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[];
    };
    for (const rules of config.rule_files)
      expect(existsSync(hostFile('prometheus', path.join(path.dirname(configPath), rules)))).toBe(true);
    const targets = Object.fromEntries(
      config.scrape_configs.map((job) => [job.job_name, job.dns_sd_configs.map((sd) => [sd.names, sd.port])]),
    );
    expect(targets).toEqual({
      'hotdocs-worker': [[['worker'], Number(env('worker')['WORKER_HTTP_PORT'])]],
      'hotdocs-gateway': [[['gateway'], Number(env('gateway')['GATEWAY_METRICS_PORT'])]],
    });
    expect(env('gateway')['GATEWAY_METRICS_HOST']).toBe('0.0.0.0');
  });

  test('Grafana gets the Prometheus service as data source and the dashboard from its mount', () => {
    const provisioning = '/etc/grafana/provisioning';
    const datasources = parse(
      readFileSync(hostFile('grafana', `${provisioning}/datasources/prometheus.yml`), 'utf8'),
    ) as { datasources: { type: string; url: string; isDefault: boolean }[] };
    expect(datasources.datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true }),
    ]);
    const providers = parse(
      readFileSync(hostFile('grafana', `${provisioning}/dashboards/hotdocs.yml`), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    const dashboards = providers.providers[0]?.options.path ?? '';
    const home = env('grafana')['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'] ?? '';
    expect(path.dirname(home)).toBe(dashboards);
    const dashboard = JSON.parse(readFileSync(hostFile('grafana', home), 'utf8')) as { uid: string };
    expect(dashboard.uid).toBe('hotdocs-lifecycles');
    expect(dependsOn('grafana')['prometheus']).toEqual({ condition: 'service_healthy' });
  });
});

describe('Dockerfile', () => {
  const lines = DOCKERFILE.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const args = new Map<string, string>();
  for (const line of lines) {
    const match = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)$/.exec(line);
    if (match) args.set(match[1] as string, match[2] as string);
  }
  const stages = lines
    .filter((l) => /^FROM\s/i.test(l))
    .map((l) => {
      const [, ref = '', stage] = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(l) ?? [];
      return {
        image: ref.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => args.get(n) ?? ''),
        stage,
      };
    });
  const runtimeStart = lines.findIndex((l) => /^FROM\s/i.test(l) && /AS\s+runtime$/i.test(l));
  const runtime = lines.slice(runtimeStart);

  test('every stage starts from a pinned Debian-based Node 22 image (never Alpine)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const stageNames = new Set(stages.map((s) => s.stage));
    for (const { image, stage } of stages.filter((s) => !stageNames.has(s.image))) {
      expect({ stage, image }).toEqual({
        stage,
        image: expect.stringMatching(/^node:22\.\d+\.\d+-(bookworm|trixie)-slim$/),
      });
      expect(image).not.toMatch(/alpine/);
    }
    expect(stages[stages.length - 1]?.stage).toBe('runtime');
  });

  test('the build stage compiles and prebuilds the workflow bundle; dev dependencies stay out', () => {
    expect(DOCKERFILE).toMatch(/RUN npm ci[^\n]*\n/);
    expect(DOCKERFILE).toMatch(/RUN npm run build/);
    expect(DOCKERFILE).toMatch(/npm ci --omit=dev/);
    expect(runtime.join('\n')).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(runtime.join('\n')).toMatch(/COPY --from=deps \/app\/node_modules \.\/node_modules/);
  });

  test('the runtime stage holds only dist, bin, node_modules and package.json', () => {
    const copied = runtime.filter((l) => /^COPY\s/i.test(l)).map((l) => l.trim().split(/\s+/).slice(-1)[0]);
    expect(copied.sort()).toEqual(['./', './bin', './dist', './node_modules'].sort());
    expect(runtime.filter((l) => /^COPY\s/i.test(l) && /package\.json/.test(l))).toHaveLength(1);
  });

  test('it runs as an unprivileged user, the worker by default', () => {
    const users = runtime.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(runtime).toContain('WORKDIR /app');
    expect(runtime).toContain('ENTRYPOINT ["node"]');
    expect(runtime).toContain('CMD ["dist/worker.js"]');
  });
});
