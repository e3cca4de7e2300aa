import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { AdvanceClients, createLifecycleActivities } from './activities';
import { AdvanceClient, type AdvanceRequestEvent } from './advance';
import { lifecycleDataConverter } from './codec/data-converter';
import { ConfigError, loadWorkerConfig, type Env, type WorkerConfig } from './config';
import { FileSystemDocumentStore } from './documents/filesystem-store';
import { ReminderWebhook } from './notifications/reminder-webhook';

/**
 * The long-lived worker: polls the lifecycle task queue, runs the workflow and the Advance
 * activities. Configured from the environment (see src/config.ts); on SIGINT/SIGTERM it stops
 * polling and gives running activities `WORKER_SHUTDOWN_GRACE_TIME` to finish.
 */

export const PREBUILT_BUNDLE = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');

export interface LifecycleWorkerOptions {
  config: WorkerConfig;
  connection: NativeConnection;
  namespace: string;
  /** Observes every Advance HTTP exchange (metrics, tests). */
  onAdvanceRequest?: (event: AdvanceRequestEvent) => void;
  /** Extra worker options (tuning, a test's identity, ...). */
  workerOptions?: Partial<WorkerOptions>;
}

export interface LifecycleWorker {
  worker: Worker;
  clients: AdvanceClients;
  /** Runs until shutdown, then closes the Advance connection pools. */
  run(): Promise<void>;
}

/** Where the workflow code comes from: a prebuilt bundle in production, the sources in dev and tests. */
export function workflowSource(
  config: WorkerConfig,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (config.workflowBundlePath !== undefined)
    return { workflowBundle: { codePath: config.workflowBundlePath } };
  // Running compiled JavaScript next to a bundle built by `npm run build`: use it.
  if (!__filename.endsWith('.ts') && existsSync(PREBUILT_BUNDLE))
    return { workflowBundle: { codePath: PREBUILT_BUNDLE } };
  return { workflowsPath: require.resolve('./workflows') };
}

export async function createLifecycleWorker(options: LifecycleWorkerOptions): Promise<LifecycleWorker> {
  const { config } = options;
  const clients = new AdvanceClients(
    new Map(
      [...config.advance.tenancies].map(([name, resolved]) => [
        name,
        new AdvanceClient(resolved, { onRequest: options.onAdvanceRequest }),
      ]),
    ),
    config.advance.defaultTenancy,
  );
  const activities = createLifecycleActivities({
    clients,
    documentStore: new FileSystemDocumentStore(config.documentStoreDir),
    reminderWebhook:
      config.reminderWebhook === undefined ? undefined : new ReminderWebhook(config.reminderWebhook),
  });
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: config.taskQueue,
    activities,
    dataConverter: lifecycleDataConverter(config.encryptionKeys),
    shutdownGraceTime: config.shutdownGraceTimeMs,
    ...workflowSource(config),
    ...options.workerOptions,
  });
  return {
    worker,
    clients,
    async run() {
      try {
        await worker.run();
      } finally {
        await clients.close();
      }
    },
  };
}

/** `npm start` / `hotdocs-temporal worker`: configuration problems are printed all at once. */
export async function main(env: Env = process.env): Promise<number> {
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const { connectionOptions, namespace = 'default' } = loadClientConnectConfig({
    overrideEnvVars: definedOnly(env),
  });
  const connection = await NativeConnection.connect(connectionOptions);
  try {
    const lifecycleWorker = await createLifecycleWorker({ config, connection, namespace });
    process.stdout.write(
      `${JSON.stringify({
        msg: 'worker started',
        taskQueue: config.taskQueue,
        namespace,
        address: connectionOptions.address ?? 'localhost:7233',
        tenancies: [...config.advance.tenancies.keys()],
        payloadEncryption: config.encryptionKeys.length > 0 ? `on (key ${config.encryptionKeys[0]?.id})` : 'off',
      })}\n`,
    );
    await lifecycleWorker.run();
    return 0;
  } finally {
    await connection.close();
  }
}

function definedOnly(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`worker failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
