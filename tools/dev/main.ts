/**
 * `npm run dev`: the whole lifecycle on this machine in one command — a local Temporal with its
 * Web UI (persisted under .data/, so a restart keeps running lifecycles), the HotDocs Advance
 * emulator, a worker, the HTTP gateway, and one demo lifecycle with the links that matter.
 * Ctrl-C stops everything.
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
import { ensureTemporalTools, resolveTemporalCli, startDevServer } from '../temporal';
import { startEmulator } from '../emulator';
import { startGateway } from '../../src/gateway';
import { createLifecycleWorker } from '../../src/worker';
import { startDemoLifecycle, waitForStage } from './demo';
import { loadOrCreateDevSecrets } from './dev-secrets';
import { advanceEnvForEmulator } from './emulator-env';
import { sha256Hex } from '../../src/security/hashed-credentials';

const { values: options } = parseArgs({
  options: {
    'temporal-port': { type: 'string', default: '7233' },
    'ui-port': { type: 'string', default: '8233' },
    'emulator-port': { type: 'string', default: '8400' },
    'gateway-port': { type: 'string', default: '8080' },
    'codec-port': { type: 'string', default: '8888' },
    'data-dir': { type: 'string', default: '.data/dev' },
    encrypt: { type: 'boolean', default: false },
    'no-demo': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const HELP = `npm run dev [-- options]

Starts a local Temporal (Web UI), the HotDocs Advance emulator, a worker and the gateway, then one
demo lifecycle. Options (defaults in brackets):
  --temporal-port <n> [7233]   --ui-port <n> [8233]   --emulator-port <n> [8400]
  --gateway-port <n> [8080]    --codec-port <n> [8888] --data-dir <dir> [.data/dev]
  --encrypt      encrypt payloads and serve the codec endpoint, so the UI decodes them
  --no-demo      do not start the demo lifecycle
`;

const TOTAL_STEPS = 6;
/** Set on Ctrl-C: from then on, failures of calls cut off by the shutdown are expected. */
let stopping = false;
let step = 0;
const say = (text: string) => process.stdout.write(`${text}\n`);
const progress = (text: string) => say(`[${++step}/${TOTAL_STEPS}] ${text}`);

async function main(): Promise<void> {
  if (options.help) {
    say(HELP);
    return;
  }
  const dataDir = path.resolve(options['data-dir']);
  const port = (name: keyof typeof options) => Number(options[name]);
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say('\nStopping…');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    say('Stopped. Running lifecycles are kept in the Temporal database; `npm run dev` resumes them.');
  };
  // Ctrl-C reaches every process of the terminal's group, and tsx relays it once more: the
  // first signal stops everything in order, later ones must not cut that short.
  const onSignal = () => {
    if (stopping) return;
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // The worker's own logs stay at WARN so these progress lines remain readable.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const secrets = await loadOrCreateDevSecrets(dataDir);
  const keys = options.encrypt ? parseEncryptionKeys(secrets.payloadKey, 'dev key', []) : [];

  progress('Temporal CLI');
  ensureTemporalTools({ cli: true, testServer: false });
  const cli = resolveTemporalCli();
  say(`      ${cli.path} (${cli.source})`);

  const codecUrl = `http://127.0.0.1:${port('codec-port')}`;
  progress(`Temporal dev server with Web UI (database ${path.join(dataDir, 'temporal.db')})`);
  const server = await startDevServer({
    port: port('temporal-port'),
    uiPort: port('ui-port'),
    dbFilename: path.join(dataDir, 'temporal.db'),
    uiCodecEndpoint: options.encrypt ? codecUrl : undefined,
  });
  cleanups.push(() => server.stop());
  const uiUrl = server.uiUrl ?? `http://localhost:${port('ui-port')}`;
  say(`      ${server.address}, UI ${uiUrl}`);

  progress('HotDocs Advance emulator');
  const emulator = await startEmulator({ port: port('emulator-port') });
  cleanups.push(() => emulator.close());
  say(`      ${emulator.url} (control: ${emulator.controlUrl})`);

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
  });
  const running = worker.run();
  cleanups.push(async () => {
    worker.worker.shutdown();
    await running;
  });
  say(`      task queue ${worker.worker.options.taskQueue}, documents in ${workerEnv.DOCUMENT_STORE_DIR}`);

  progress('HTTP gateway');
  const temporal = new Client({
    connection: await Connection.connect({ address: server.address }),
    namespace: server.namespace,
    dataConverter: lifecycleDataConverter(keys),
  });
  cleanups.push(() => temporal.connection.close());
  const lifecycles = new LifecycleClient(temporal);
  const gateway = await startGateway({
    lifecycles,
    config: loadGatewayConfig({
      GATEWAY_PORT: String(port('gateway-port')),
      GATEWAY_API_KEYS: `dev:${sha256Hex(secrets.apiKey)}`,
      GATEWAY_FINISH_LINK_SECRET: secrets.finishLinkSecret,
    }),
    log: false,
  });
  cleanups.push(() => gateway.close());
  say(`      ${gateway.url} (API key: ${secrets.apiKey}; OpenAPI: ${gateway.url}/v1/openapi.json)`);
  if (options.encrypt) {
    const codec = await buildCodecServer({
      codec: new AesGcmPayloadCodec(keys),
      tokenHashes: [],
      allowUnauthenticated: true,
      corsOrigins: [uiUrl, uiUrl.replace('localhost', '127.0.0.1')],
    });
    await codec.listen({ host: '127.0.0.1', port: port('codec-port') });
    cleanups.push(() => codec.close());
    say(`      payloads encrypted (key dev-1); codec endpoint ${codecUrl}/codec for the UI`);
  }

  progress(options['no-demo'] ? 'ready (no demo lifecycle)' : 'demo lifecycle');
  if (!options['no-demo']) {
    const demo = await startDemoLifecycle(lifecycles);
    const lifecycleUrl = `${uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(demo.lifecycleId)}`;
    say(`      ${demo.lifecycleId} (${demo.created ? 'started' : 'resumed'})`);
    const waiting = await waitForStage(lifecycles, demo.lifecycleId, ['waiting-for-interview', 'completed']);
    if (waiting.stage === 'waiting-for-interview') {
      const interview = await gatewayInterview(gateway.url, secrets.apiKey, demo.lifecycleId);
      const page = `${emulator.url}/__emulator/interview/${interview.coreSessionId}?finishUrl=${encodeURIComponent(interview.finishUrl)}`;
      say('');
      say('The demo lifecycle waits for its interview:');
      say(`  lifecycle in Temporal UI:  ${lifecycleUrl}`);
      say(`  interview page:            ${page}`);
      say(
        `  gateway status:            curl -H 'Authorization: Bearer ${secrets.apiKey}' ${gateway.url}/v1/assemblies/${demo.lifecycleId}`,
      );
      say('');
      say('Next: open the interview page, fill in a field and press Finish — or run');
      say(`  npx hotdocs-temporal complete-interview ${demo.lifecycleId} --address ${server.address}`);
    }
    const done = await waitForStage(
      lifecycles,
      demo.lifecycleId,
      ['completed', 'failed', 'expired', 'cancelled'],
      0,
    );
    reportOutcome(done, lifecycleUrl);
  }
  say('\nRunning. Ctrl-C stops everything.');
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

async function gatewayInterview(
  gatewayUrl: string,
  apiKey: string,
  lifecycleId: string,
): Promise<{ coreSessionId: string; finishUrl: string }> {
  const response = await fetch(`${gatewayUrl}/v1/assemblies/${encodeURIComponent(lifecycleId)}/interview`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  if (!response.ok) throw new Error(`gateway answered ${response.status} for the demo's interview`);
  return (await response.json()) as { coreSessionId: string; finishUrl: string };
}

main().catch((error: unknown) => {
  if (stopping) return;
  process.stderr.write(`\nnpm run dev failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
