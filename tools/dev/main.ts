/**
 * `npm run dev`: the whole lifecycle on this machine in one command — a local Temporal with its
 * Web UI, the HotDocs Advance emulator, a worker, the HTTP gateway, and one demo lifecycle with the
 * links that matter. Everything that must outlive a restart (the Temporal database, the
 * emulator's work items, documents, secrets) is kept under the data folder, so Ctrl-C and
 * `npm run dev` again carry on with every waiting lifecycle.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { LifecycleClient, type LifecycleStatus } from '../../src/client';
import {
  AesGcmPayloadCodec,
  buildCodecServer,
  lifecycleDataConverter,
  parseEncryptionKeys,
} from '../../src/codec';
import { loadGatewayConfig, loadWorkerConfig } from '../../src/config';
import { startGateway, type RunningGateway } from '../../src/gateway';
import { sha256Hex } from '../../src/security/hashed-credentials';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import { tracingClientInterceptors } from '../../src/observability/tracing-client';
import { loadTracingConfig } from '../../src/config/tracing';
import { createLifecycleWorker } from '../../src/worker';
import { startJaeger } from '../jaeger/jaeger';
import { startEmulator, type RunningEmulator } from '../emulator';
import { ensureTemporalTools, resolveTemporalCli, startDevServer, type RunningDevServer } from '../temporal';
import { startDemoLifecycle, waitForStage } from './demo';
import { loadOrCreateDevSecrets, type DevSecrets } from './dev-secrets';
import { advanceEnvForEmulator } from './emulator-env';
import { InterviewLinks } from './interview-links';
import { assertPortsFree } from './ports';

const { values: options } = parseArgs({
  options: {
    'temporal-port': { type: 'string', default: '7233' },
    'ui-port': { type: 'string', default: '8233' },
    'emulator-port': { type: 'string', default: '8400' },
    'gateway-port': { type: 'string', default: '8080' },
    'codec-port': { type: 'string', default: '8888' },
    'data-dir': { type: 'string', default: '.data/dev' },
    encrypt: { type: 'boolean', default: false },
    tracing: { type: 'boolean', default: false },
    'no-demo': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const HELP = `npm run dev [-- options]

Starts a local Temporal (Web UI), the HotDocs Advance emulator, a worker and the gateway, then one
demo lifecycle. State is kept in the data folder: stop with Ctrl-C, start again, and waiting
lifecycles carry on; delete the folder for a clean start. Options (defaults in brackets):
  --temporal-port <n> [7233]   --ui-port <n> [8233]   --emulator-port <n> [8400]
  --gateway-port <n> [8080]    --codec-port <n> [8888] --data-dir <dir> [.data/dev]
  --encrypt      encrypt payloads and serve the codec endpoint, so the UI decodes them
  --tracing      start Jaeger (tools/jaeger/install.sh builds it) and trace the worker and the
                 gateway into it (OpenTelemetry); prints its address
  --no-demo      do not start the demo lifecycle
`;

const TOTAL_STEPS = 6;
/** Set on Ctrl-C: from then on, failures of calls cut off by the shutdown are expected. */
let stopping = false;
let step = 0;
const say = (text: string): void => void process.stdout.write(`${text}\n`);
const progress = (text: string) => say(`[${++step}/${TOTAL_STEPS}] ${text}`);
const port = (name: 'temporal-port' | 'ui-port' | 'emulator-port' | 'gateway-port' | 'codec-port') =>
  Number(options[name]);
const cleanups: Array<() => Promise<unknown>> = [];

async function main(): Promise<void> {
  if (options.help) return say(HELP);
  stopOnSignals();
  const dataDir = path.resolve(options['data-dir']);
  await assertPortsFree([
    { port: port('temporal-port'), what: 'Temporal' },
    { port: port('ui-port'), what: 'Temporal UI' },
    { port: port('emulator-port'), what: 'HotDocs Advance emulator' },
    { port: port('gateway-port'), what: 'gateway' },
    ...(options.encrypt ? [{ port: port('codec-port'), what: 'codec endpoint' }] : []),
  ]);
  // The worker's own logs stay at WARN so these progress lines remain readable.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const secrets = await loadOrCreateDevSecrets(dataDir);

  const server = await startTemporal(dataDir);
  const emulator = await startEmulatorStep(dataDir);
  const tracing = options.tracing ? await startTracingStep() : undefined;
  await startWorker(server, emulator, secrets, dataDir, tracing);
  const { lifecycles, gateway, temporal } = await startGatewayStep(server, secrets, dataDir, tracing);
  const uiUrl = server.uiUrl ?? `http://localhost:${port('ui-port')}`;
  if (options.encrypt) await startCodec(secrets, uiUrl);

  const links = new InterviewLinks({
    temporal,
    gatewayUrl: gateway.url,
    apiKey: secrets.apiKey,
    emulatorUrl: emulator.url,
    uiBase: `${uiUrl}/namespaces/${server.namespace}/workflows`,
    temporalAddress: server.address,
    say,
  });
  cleanups.push(() => links.stop());
  progress(options['no-demo'] ? 'ready (no demo lifecycle)' : 'demo lifecycle');
  if (options['no-demo']) await links.start();
  else await runDemo(lifecycles, links, gateway, `${uiUrl}/namespaces/${server.namespace}/workflows`);
  say('\nRunning. Ctrl-C stops everything; npm run dev again carries on where it stopped.');
}

function stopOnSignals(): void {
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('\nStopping…');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    say(
      'Stopped. Lifecycles and work items are kept in the data folder; `npm run dev` carries on with them.',
    );
  };
  // Ctrl-C reaches every process of the terminal's group, and tsx relays it once more: the
  // first signal stops everything in order, later ones must not cut that short.
  const onSignal = () => {
    if (!stopping) void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

async function startTemporal(dataDir: string): Promise<RunningDevServer> {
  progress('Temporal CLI');
  ensureTemporalTools({ cli: true, testServer: false });
  const cli = resolveTemporalCli();
  say(`      ${cli.path} (${cli.source})`);
  progress(`Temporal dev server with Web UI (database ${path.join(dataDir, 'temporal.db')})`);
  const server = await startDevServer({
    port: port('temporal-port'),
    uiPort: port('ui-port'),
    dbFilename: path.join(dataDir, 'temporal.db'),
    uiCodecEndpoint: options.encrypt ? `http://127.0.0.1:${port('codec-port')}` : undefined,
  });
  cleanups.push(() => server.stop());
  say(`      ${server.address}, UI ${server.uiUrl ?? `http://localhost:${port('ui-port')}`}`);
  return server;
}

async function startEmulatorStep(dataDir: string): Promise<RunningEmulator> {
  progress('HotDocs Advance emulator');
  const stateFile = path.join(dataDir, 'emulator-state.json');
  const emulator = await startEmulator({ port: port('emulator-port'), stateFile });
  cleanups.push(() => emulator.close());
  say(`      ${emulator.url} (control: ${emulator.controlUrl}; work items kept in ${stateFile})`);
  return emulator;
}

async function startWorker(
  server: RunningDevServer,
  emulator: RunningEmulator,
  secrets: DevSecrets,
  dataDir: string,
  tracing: Tracing | undefined,
): Promise<void> {
  progress('worker');
  const workerEnv = {
    ...advanceEnvForEmulator(emulator),
    DOCUMENT_STORE_DIR: path.join(dataDir, 'documents'),
    WORKER_SHUTDOWN_GRACE_TIME: '5s',
    ...(options.encrypt ? { PAYLOAD_ENCRYPTION_KEYS: secrets.payloadKey } : {}),
  };
  const connection = await NativeConnection.connect({ address: server.address });
  cleanups.push(() => connection.close());
  const worker = await createLifecycleWorker({
    config: loadWorkerConfig(workerEnv),
    connection,
    namespace: server.namespace,
    tracing,
  });
  const running = worker.run();
  cleanups.push(async () => {
    worker.worker.shutdown();
    await running;
  });
  say(`      task queue ${worker.worker.options.taskQueue}, documents in ${workerEnv.DOCUMENT_STORE_DIR}`);
}

async function startGatewayStep(
  server: RunningDevServer,
  secrets: DevSecrets,
  dataDir: string,
  tracing: Tracing | undefined,
): Promise<{ lifecycles: LifecycleClient; gateway: RunningGateway; temporal: Client }> {
  progress('HTTP gateway');
  const keys = options.encrypt ? parseEncryptionKeys(secrets.payloadKey, 'dev key', []) : [];
  const temporal = new Client({
    connection: await Connection.connect({ address: server.address }),
    namespace: server.namespace,
    dataConverter: lifecycleDataConverter(keys),
    interceptors: tracingClientInterceptors(tracing),
  });
  cleanups.push(() => temporal.connection.close());
  const lifecycles = new LifecycleClient(temporal);
  const gateway = await startGateway({
    lifecycles,
    config: loadGatewayConfig({
      GATEWAY_PORT: String(port('gateway-port')),
      GATEWAY_API_KEYS: `dev:${sha256Hex(secrets.apiKey)} tenancies=* permissions=admin`,
      GATEWAY_FINISH_LINK_SECRET: secrets.finishLinkSecret,
      // It serves the documents the worker stored.
      DOCUMENT_STORE_DIR: path.join(dataDir, 'documents'),
    }),
    log: false,
    tracing: tracing !== undefined,
  });
  cleanups.push(() => gateway.close());
  say(`      ${gateway.url} (API key in ${path.join(options['data-dir'], 'api-key')}: ${secrets.apiKey})`);
  say(`      OpenAPI: ${gateway.url}/v1/openapi.json`);
  return { lifecycles, gateway, temporal };
}

/** Jaeger on free loopback ports, and this process's spans (worker and gateway) exported to it. */
async function startTracingStep(): Promise<Tracing> {
  say('      tracing: Jaeger (tools/jaeger)');
  const jaeger = await startJaeger();
  cleanups.push(() => jaeger.stop());
  const tracing = startTracing(
    loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint }, 'hotdocs-dev')!,
  );
  cleanups.push(() => tracing.shutdown());
  say(
    `      Jaeger UI and query API: ${jaeger.queryUrl} (service hotdocs-dev; OTLP in at ${jaeger.otlpHttpEndpoint})`,
  );
  say(
    `      a lifecycle's traces: ${jaeger.queryUrl}/search?service=hotdocs-dev&tags={"temporalWorkflowId":"<id>"}`,
  );
  return tracing;
}

async function startCodec(secrets: DevSecrets, uiUrl: string): Promise<void> {
  const codec = await buildCodecServer({
    codec: new AesGcmPayloadCodec(parseEncryptionKeys(secrets.payloadKey, 'dev key', [])),
    tokenHashes: [],
    allowUnauthenticated: true,
    corsOrigins: [uiUrl, uiUrl.replace('localhost', '127.0.0.1')],
  });
  await codec.listen({ host: '127.0.0.1', port: port('codec-port') });
  cleanups.push(() => codec.close());
  say(
    `      payloads encrypted (key dev-1); codec endpoint http://127.0.0.1:${port('codec-port')}/codec for the UI`,
  );
}

async function runDemo(
  lifecycles: LifecycleClient,
  links: InterviewLinks,
  gateway: RunningGateway,
  uiBase: string,
): Promise<void> {
  const demo = await startDemoLifecycle(lifecycles);
  say(`      ${demo.lifecycleId} (${demo.created ? 'started' : 'resumed'})`);
  const waiting = await waitForStage(lifecycles, demo.lifecycleId, ['waiting-for-interview', 'completed']);
  // From here on every lifecycle that waits for its interview is announced, the demo's first.
  await links.start();
  if (waiting.stage === 'waiting-for-interview') {
    say(
      `  gateway status:            curl -H "Authorization: Bearer $(cat ${path.join(options['data-dir'], 'api-key')})" ` +
        `${gateway.url}/v1/assemblies/${demo.lifecycleId}`,
    );
    say('');
    say('Next: open the interview page, fill in a field and press Finish — or run the command above.');
  }
  const done = await waitForStage(
    lifecycles,
    demo.lifecycleId,
    ['completed', 'failed', 'expired', 'cancelled'],
    0,
  );
  reportOutcome(done, `${uiBase}/${encodeURIComponent(demo.lifecycleId)}`);
}

function reportOutcome(status: LifecycleStatus, lifecycleUrl: string): void {
  if (status.stage !== 'completed') {
    say(`\nDemo lifecycle ended as ${status.stage}: ${status.lastError?.message ?? ''} (${lifecycleUrl})`);
    return;
  }
  const documents = status.completedSessions.flatMap((s) => s.documents);
  say(
    `\nDemo lifecycle completed: ${status.completedSessions.length} session(s), ${documents.length} document(s):`,
  );
  for (const document of documents)
    say(`  ${document.fileName ?? document.name}: ${document.reference ?? '(not stored)'}`);
}

main().catch((error: unknown) => {
  if (stopping) return;
  process.stderr.write(`\nnpm run dev failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
