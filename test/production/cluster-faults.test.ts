import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { startEmulator, type RunningEmulator } from '../../tools/emulator';
import { startProductionCluster, type ProductionCluster } from '../../tools/cluster/cluster';
import { faultReportTable } from '../../tools/cluster/fault-report';
import { PLANNED_FAULTS, runClusterFaults } from '../../tools/cluster/fault-run';
import { TEMPORAL_SERVICES } from '../../tools/cluster/temporal-server';
import { createClusterCertificates } from '../../tools/cluster/tls';

/**
 * The production cluster as docker-compose.yml runs it — PostgreSQL, the schemas and namespace
 * from deploy/'s scripts, the server from deploy/'s configuration as four processes — with two
 * workers and two gateways, driven only over the gateways' HTTP API, while its parts fail. The
 * report goes to test/artifacts/production-faults.json (and its table to the log). Everything
 * reaches Temporal over mutual TLS, with a certificate of its own; nothing else gets in.
 */

const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const log = (line: string): void => {
  process.stderr.write(`[cluster] ${line}\n`);
};

let emulator: RunningEmulator;
let cluster: ProductionCluster;

beforeAll(async () => {
  emulator = await startEmulator();
  cluster = await startProductionCluster({ advanceEnv: advanceEnvForEmulator(emulator), log });
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
  await emulator?.close();
}, 120_000);

test('the cluster runs as compose runs it: four server processes, several history shards, two workers, two gateways', async () => {
  const pids = TEMPORAL_SERVICES.map((service) => cluster.server.services[service].pid);
  expect(new Set(pids).size).toBe(4);
  expect(pids.every((pid) => pid !== undefined)).toBe(true);
  expect(cluster.historyShards).toBeGreaterThanOrEqual(2);
  expect(cluster.workers.map((w) => w.running)).toEqual([true, true]);
  expect(cluster.gateways.map((g) => g.process.running)).toEqual([true, true]);
  // Both databases exist, at the schema versions setup-schema.sh installed from the server's module.
  for (const database of ['temporal', 'temporal_visibility']) {
    const version = await cluster.postgres.query(
      "SELECT current_database() || ' ' || curr_version FROM schema_version",
      database,
    );
    expect(version).toEqual([expect.stringMatching(new RegExp(`^${database} \\d+\\.\\d+$`))]);
  }
});

/** Connects and calls the frontend once; resolves with the error's message, or 'connected'. */
async function tryConnect(options: ConnectionOptions): Promise<string> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: '5s' });
    await connection.workflowService.getSystemInfo({});
    return 'connected';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await connection?.close();
  }
}

/**
 * One TLS handshake and the HTTP/2 preface: `accepted` when the server answers with its first
 * frame, else the TLS alert (error code) it ended the connection with, or `closed`.
 */
function tlsProbe(
  port: number,
  options: { ca: Buffer; servername: string; cert?: Buffer; key?: Buffer },
): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], ...options });
    const done = (outcome: string): void => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once('secureConnect', () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    socket.once('data', () => done('accepted'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.once('close', () => done('closed'));
  });
}

test('Temporal answers only clients with a certificate its clients authority signed', async () => {
  const files = cluster.secrets.tls;
  const ca = await readFile(files.caFile);
  const frontend = cluster.server.settings.ports.frontend.grpc;
  const own = {
    cert: await readFile(files.certFile('worker')),
    key: await readFile(files.keyFile('worker')),
  };

  // The operators' certificate opens it, through the SDK as the CLI, replay-check and tests use it.
  expect(await tryConnect(cluster.connectionOptions('operator'))).toBe('connected');
  expect(await tlsProbe(frontend, { ca, servername: 'temporal', ...own })).toBe('accepted');

  // The same SDK client without TLS, or without a certificate, gets no connection.
  expect(await tryConnect({ address: cluster.address })).toBe('Failed to connect before the deadline');
  expect(
    await tryConnect({
      address: cluster.address,
      tls: { serverRootCACertificate: ca, serverNameOverride: 'temporal' },
    }),
  ).toBe('Failed to connect before the deadline');
  // Why, at the TLS level: the frontend asks for a certificate and refuses the handshake without one,
  // or with one from an authority it was not given (made by the same script, elsewhere).
  const refusals: Record<string, string> = {
    noCertificate: await tlsProbe(frontend, { ca, servername: 'temporal' }),
  };
  const foreignDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-foreign-ca-'));
  try {
    const foreign = await createClusterCertificates(foreignDir);
    refusals['otherAuthority'] = await tlsProbe(frontend, {
      ca,
      servername: 'temporal',
      cert: await readFile(foreign.certFile('worker')),
      key: await readFile(foreign.keyFile('worker')),
    });
  } finally {
    await rm(foreignDir, { recursive: true, force: true });
  }
  // A client's certificate does not open the services behind the frontend.
  refusals['clientCertificateAtHistory'] = await tlsProbe(cluster.server.settings.ports.history.grpc, {
    ca: await readFile(files.internodeCaFile),
    servername: 'temporal-internode',
    ...own,
  });
  log(`TLS refusals: ${JSON.stringify(refusals)}`);
  expect(refusals).toEqual({
    noCertificate: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    otherAuthority: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    clientCertificateAtHistory: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  });
});

test('every lifecycle completes with exactly one work item through worker, history, server, PostgreSQL and gateway failures', async () => {
  const report = await runClusterFaults(cluster, emulator, { log });
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(path.join(ARTIFACTS, 'production-faults.json'), `${JSON.stringify(report, null, 2)}\n`);
  const table = faultReportTable(report);
  await writeFile(path.join(ARTIFACTS, 'production-faults.txt'), `${table}\n`);
  process.stdout.write(
    `\nFault run on the production cluster (test/artifacts/production-faults.json):\n${table}\n`,
  );

  expect(report.violations).toEqual([]);
  expect(report.failed).toBe(0);
  expect(report.completed).toBe(report.lifecycles);
  expect(report.workItems).toBe(report.lifecycles);
  expect(report.completedVersions).toBe(report.lifecycles);
  expect(report.sessionsInProgress).toBe(0);
  expect(report.duplicateCreatesApplied).toBe(0);
  expect(report.interviewsCompletedEarly).toBe(0);
  // Every planned fault happened, in its phase.
  expect(report.faults.map((f) => `${f.phase} ${f.kind}`)).toEqual(
    PLANNED_FAULTS.map((f) => `${f.phase} ${f.kind}`),
  );
  expect(report.postgresRestarts).toBe(2);
  expect(report.historyKills).toBe(1);
  expect(report.serverKills).toBe(1);
  expect(report.workerKills).toBe(4);
  expect(report.gatewayKills).toBe(1);
  expect(report.gatewayRequestsCut).toBeGreaterThan(0);
  // The gateways share the work: each answers a lifecycle's calls in turn, so without faults every
  // lifecycle is answered by both (under faults a call may fail over to the same one twice).
  expect(report.acrossGatewaysByPhase['steady']).toEqual({ lifecycles: 8, acrossGateways: 8 });
  const requests = Object.values(report.requestsByGateway);
  const total = requests.reduce((sum, n) => sum + n, 0);
  expect(requests).toHaveLength(2);
  for (const count of requests) expect(count).toBeGreaterThan(total / 4);
});
