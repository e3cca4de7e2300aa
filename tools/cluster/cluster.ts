import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ConnectionOptions } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findFreePort } from '../../src/observability/free-port';
import { resolveTemporalCli } from '../../tools/temporal/temporal-binaries';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { gatewayProcess, workerProcess } from './app-processes';
import type { ManagedProcess } from './managed-process';
import { CLUSTER_FILES, clusterBinaries, REPO_ROOT } from './paths';
import { LocalPostgres } from './postgres';
import {
  TEMPORAL_SERVICES,
  TemporalServer,
  type ServicePorts,
  type TemporalService,
} from './temporal-server';
import {
  clientConnectionOptions,
  createClusterCertificates,
  temporalClientTlsEnv,
  type ClientIdentity,
  type ClusterTls,
} from './tls';

const run = promisify(execFile);

export interface ProductionClusterOptions {
  /**
   * How the workers reach HotDocs Advance: the `ADVANCE_*` variables (an emulator's, from
   * `advanceEnvForEmulator`, or a real tenancy's).
   */
  advanceEnv: Record<string, string>;
  /** Worker processes. @default 2 */
  workers?: number;
  /** Gateway processes. @default 2 */
  gateways?: number;
  /** @default 'default' */
  namespace?: string;
  /** @default 'hotdocs-assembly' */
  taskQueue?: string;
  /** Extra environment for every worker (tuning, a shorter token lifetime, ...). */
  workerEnv?: Record<string, string>;
  /** Keep the work folder (logs, database) after `stop()`. @default false */
  keep?: boolean;
  /** Progress lines. @default none */
  log?: (line: string) => void;
}

/** What each start-up step took, in milliseconds. */
export interface ClusterTimings {
  postgres: number;
  schema: number;
  server: number;
  namespace: number;
  bundle: number;
  workers: number;
  gateways: number;
  total: number;
}

/** Secrets of the run: files like deploy/secrets/*, and the keys in clear for the test's own calls. */
export interface ClusterSecrets {
  dir: string;
  /** The gateways' API key (in clear; the gateways get only its digest). */
  apiKey: string;
  /** Payload encryption keys (`id:base64`): workers and gateways encrypt with them. */
  payloadKeysFile: string;
  postgresPasswordFile: string;
  finishLinkSecretFile: string;
  /** The certificates: the server accepts no connection without one (deploy/create-certificates.sh). */
  tls: ClusterTls;
}

export interface ClusterGateway {
  url: string;
  process: ManagedProcess;
}

/**
 * A production Temporal cluster on this host, started the way docker-compose.yml starts it and
 * from the same files: PostgreSQL, the schemas (deploy/temporal/scripts/setup-schema.sh), the
 * server from deploy/temporal/config/temporal-server.yaml as four processes, the namespace and
 * search attributes (setup-namespace.sh), then worker and gateway processes configured only by
 * their environment. Tests inject faults through its parts; benchmarks can drive it as it is.
 */
export interface ProductionCluster {
  workDir: string;
  logDir: string;
  /** The frontend's `host:port`. */
  address: string;
  namespace: string;
  taskQueue: string;
  postgres: LocalPostgres;
  server: TemporalServer;
  workers: ManagedProcess[];
  gateways: ClusterGateway[];
  secrets: ClusterSecrets;
  /** The environment every worker runs with (without the process's own PATH and HOME). */
  workerEnv: Record<string, string>;
  /** The environment every gateway runs with, but its port and public URL. */
  gatewayEnv: Record<string, string>;
  /** The `TEMPORAL_*` connection variables (address, namespace, certificate) of one client identity. */
  clientEnv(identity: ClientIdentity): Record<string, string>;
  /** Connection options for a client in the calling process, with that identity's certificate. */
  connectionOptions(identity: ClientIdentity): ConnectionOptions;
  /** The server's history shards (numHistoryShards, as the cluster reports it). */
  historyShards: number;
  versions: { server: string; uiServer: string; postgres: string };
  timings: ClusterTimings;
  /** SIGKILLs a worker (a crashed pod) and starts a replacement with the same configuration. */
  killWorker(index: number): Promise<void>;
  /** SIGKILLs a gateway and starts it again on the same port. */
  killGateway(index: number, downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts everything; on a failure, stops what was started and keeps the work folder for a look. */
export async function startProductionCluster(options: ProductionClusterOptions): Promise<ProductionCluster> {
  const log = options.log ?? (() => undefined);
  const binaries = clusterBinaries();
  for (const binary of [binaries.temporalServer, binaries.sqlTool]) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run bash tools/cluster/install.sh`);
  }
  const namespace = options.namespace ?? 'default';
  const taskQueue = options.taskQueue ?? 'hotdocs-assembly';
  const workDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-cluster-'));
  // Others may pass through (PostgreSQL runs as its own user when the tests run as root), not list.
  await chmod(workDir, 0o711);
  const logDir = path.join(workDir, 'logs');
  await mkdir(logDir);
  log(`work folder ${workDir}`);
  const cleanups: Array<() => Promise<void>> = [];
  const cleanUp = async (): Promise<void> => {
    for (const close of cleanups.reverse()) await close().catch(() => undefined);
  };
  const startedAt = Date.now();
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<[T, number]> => {
    const at = Date.now();
    const value = await fn();
    const ms = Date.now() - at;
    log(`${what}: ${ms} ms`);
    return [value, ms];
  };

  try {
    const secrets = await writeSecrets(path.join(workDir, 'secrets'));

    // A free port, kept across restarts: the server's connection pools reconnect to it.
    const postgresPort = await findFreePort();
    const [postgres, postgresMs] = await step('PostgreSQL', () =>
      LocalPostgres.start({ dir: path.join(workDir, 'postgresql'), port: postgresPort }),
    );
    cleanups.push(() => postgres.stop('fast'));
    await writeFile(secrets.postgresPasswordFile, `${postgres.password}\n`, { mode: 0o600 });
    const postgresVersion = (await postgres.query('SHOW server_version'))[0] ?? '?';

    const [, schemaMs] = await step('schemas (setup-schema.sh)', () =>
      runScript(CLUSTER_FILES.setupSchemaScript, path.join(logDir, 'setup-schema.log'), {
        SQL_PLUGIN: 'postgres12',
        SQL_HOST: postgres.host,
        SQL_PORT: String(postgres.port),
        SQL_USER: postgres.user,
        SQL_PASSWORD_FILE: secrets.postgresPasswordFile,
        DBNAME: 'temporal',
        VISIBILITY_DBNAME: 'temporal_visibility',
        TEMPORAL_SQL_TOOL: binaries.sqlTool,
        SCHEMA_ROOT: binaries.schemaRoot,
      }),
    );

    const server = new TemporalServer({
      serverBinary: binaries.temporalServer,
      tls: secrets.tls,
      postgres: {
        host: postgres.host,
        port: postgres.port,
        user: postgres.user,
        passwordFile: secrets.postgresPasswordFile,
      },
      ports: await servicePorts(),
      logDir,
    });
    cleanups.push(() => server.stop());
    const [, serverMs] = await step('Temporal server (4 processes)', () => server.start());

    const clientEnv = (identity: ClientIdentity): Record<string, string> => ({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: namespace,
      ...temporalClientTlsEnv(secrets.tls, identity),
    });
    const cli = resolveTemporalCli();
    if (cli.source === 'download')
      throw new Error('the temporal CLI is missing: run npm run build or .ci/run');
    const [, namespaceMs] = await step('namespace and search attributes (setup-namespace.sh)', () =>
      runScript(CLUSTER_FILES.setupNamespaceScript, path.join(logDir, 'setup-namespace.log'), {
        PATH: `${path.dirname(cli.path)}:${process.env['PATH'] ?? ''}`,
        ...clientEnv('operator'),
        NAMESPACE_RETENTION: '720h',
        SEARCH_ATTRIBUTES: LIFECYCLE_SEARCH_ATTRIBUTES.map((a) => `${a.name}=${a.type}`).join(' '),
      }),
    );
    const historyShards = await describeShards(cli.path, clientEnv('operator'));

    const [bundlePath, bundleMs] = await step('workflow bundle', () => buildBundle(workDir));

    const base = { PATH: process.env['PATH'], HOME: process.env['HOME'], NODE_ENV: 'production' };
    const workerEnv: Record<string, string> = {
      ...clientEnv('worker'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      ...options.advanceEnv,
      PAYLOAD_ENCRYPTION_KEYS_FILE: secrets.payloadKeysFile,
      // One store for every worker, as compose's `documents` volume.
      DOCUMENT_STORE_DIR: path.join(workDir, 'documents'),
      WORKFLOW_BUNDLE_PATH: bundlePath,
      WORKER_SHUTDOWN_GRACE_TIME: '5s',
      LOG_LEVEL: 'INFO',
      // Several workers on one host: each takes a free port for /healthz, /readyz and /metrics.
      WORKER_HTTP_PORT: '0',
      ...options.workerEnv,
    };
    const workers = Array.from({ length: options.workers ?? 2 }, (_, i) =>
      workerProcess(i + 1, { ...base, ...workerEnv }, logDir),
    );
    cleanups.push(async () => {
      await Promise.all(workers.map((w) => w.stop()));
    });
    const [, workersMs] = await step(`${workers.length} worker(s)`, async () => {
      await Promise.all(workers.map((w) => w.start()));
    });

    const gatewayEnv: Record<string, string> = {
      ...clientEnv('gateway'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      PAYLOAD_ENCRYPTION_KEYS_FILE: secrets.payloadKeysFile,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_API_KEYS: `tests:${sha256Hex(secrets.apiKey)}`,
      // Every replica signs and checks finish links with the same key.
      GATEWAY_FINISH_LINK_SECRET_FILE: secrets.finishLinkSecretFile,
      // One API key drives every lifecycle of the run: the per-key limit would throttle the test.
      GATEWAY_RATE_LIMIT_PER_MINUTE: '100000',
      GATEWAY_ADDRESS_RATE_LIMIT_PER_MINUTE: '100000',
    };
    const gateways: ClusterGateway[] = [];
    for (let i = 0; i < (options.gateways ?? 2); i++) {
      const port = await findFreePort();
      const url = `http://127.0.0.1:${port}`;
      const env = { ...base, ...gatewayEnv, GATEWAY_PORT: String(port), GATEWAY_PUBLIC_URL: url };
      gateways.push({ url, process: gatewayProcess(i + 1, env, url, logDir) });
    }
    cleanups.push(async () => {
      await Promise.all(gateways.map((g) => g.process.stop()));
    });
    const [, gatewaysMs] = await step(`${gateways.length} gateway(s)`, async () => {
      await Promise.all(gateways.map((g) => g.process.start()));
    });

    return {
      workDir,
      logDir,
      address: server.address,
      namespace,
      taskQueue,
      postgres,
      server,
      workers,
      gateways,
      secrets,
      workerEnv,
      gatewayEnv,
      clientEnv,
      connectionOptions: (identity) => clientConnectionOptions(secrets.tls, identity, server.address),
      historyShards,
      versions: { ...binaries.versions, postgres: postgresVersion },
      timings: {
        postgres: postgresMs,
        schema: schemaMs,
        server: serverMs,
        namespace: namespaceMs,
        bundle: bundleMs,
        workers: workersMs,
        gateways: gatewaysMs,
        total: Date.now() - startedAt,
      },
      async killWorker(index) {
        const worker = workers[index];
        if (worker === undefined) throw new Error(`no worker ${index}`);
        await worker.kill('SIGKILL');
        await worker.start();
      },
      async killGateway(index, downMs = 0) {
        const gateway = gateways[index];
        if (gateway === undefined) throw new Error(`no gateway ${index}`);
        await gateway.process.kill('SIGKILL');
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        await gateway.process.start();
      },
      async stop() {
        await cleanUp();
        if (options.keep !== true) await rm(workDir, { recursive: true, force: true });
        else log(`kept ${workDir}`);
      },
    };
  } catch (error) {
    await cleanUp();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`the production cluster did not start: ${message}\n(logs kept in ${logDir})`, {
      cause: error,
    });
  }
}

/** Free ports for every service: gRPC and membership, and the frontend's HTTP API. */
async function servicePorts(): Promise<Record<TemporalService, ServicePorts>> {
  const ports = {} as Record<TemporalService, ServicePorts>;
  for (const service of TEMPORAL_SERVICES) {
    ports[service] = { grpc: await findFreePort(), membership: await findFreeMembershipPort() };
  }
  ports.frontend.http = await findFreePort();
  return ports;
}

/**
 * The server stores each member's membership port in a SMALLINT column (cluster_membership
 * rpc_port): a port above 32767 fails its start ("out of range for type smallint"). The OS hands
 * out ephemeral ports above that, so these are drawn from 20000-32767 and probed.
 */
async function findFreeMembershipPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + randomInt(12_768);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port between 20000 and 32767 for a membership port');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Runs one of deploy/temporal/scripts/ with only the given environment (and PATH); output to a log. */
async function runScript(script: string, logFile: string, env: Record<string, string>): Promise<void> {
  try {
    const { stdout, stderr } = await run('sh', [script], {
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    await writeFile(logFile, `${stdout}${stderr}`);
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    await writeFile(logFile, `${stdout}${stderr}`);
    throw new Error(`${path.basename(script)} failed: ${`${stderr}\n${stdout}`.trim().slice(-3_000)}`, {
      cause: error,
    });
  }
}

/** The cluster's history shard count, as it reports it (`temporal operator cluster describe`). */
async function describeShards(cli: string, clientEnv: Record<string, string>): Promise<number> {
  const { stdout } = await run(cli, ['operator', 'cluster', 'describe', '-o', 'json'], {
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...clientEnv },
  });
  const shards = Number((JSON.parse(stdout) as { historyShardCount?: unknown }).historyShardCount);
  if (!Number.isInteger(shards) || shards <= 0) throw new Error(`no history shard count in: ${stdout}`);
  return shards;
}

/** The prebuilt bundle production workers load (`npm run build` makes the same). */
async function buildBundle(workDir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const file = path.join(workDir, 'workflow-bundle.js');
  await writeFile(file, code);
  return file;
}

async function writeSecrets(dir: string): Promise<ClusterSecrets> {
  await mkdir(dir, { mode: 0o700 });
  const secret = async (name: string, value: string): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, `${value}\n`, { mode: 0o600 });
    return file;
  };
  return {
    dir,
    apiKey: randomBytes(24).toString('hex'),
    payloadKeysFile: await secret('payload_encryption_keys', `k1:${randomBytes(32).toString('base64')}`),
    postgresPasswordFile: path.join(dir, 'postgres_password'),
    finishLinkSecretFile: await secret('gateway_finish_link_secret', randomBytes(32).toString('hex')),
    tls: await createClusterCertificates(dir),
  };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
