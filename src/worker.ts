import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { AdvanceClients, createEventDeliveryActivities, createLifecycleActivities } from './activities';
import { AdvanceClient, type AdvanceRequestEvent } from './advance';
import { lifecycleDataConverter } from './codec/data-converter';
import { prebuiltBundle } from './codec/workflow-bundles';
import { ConfigError, environmentHelp, loadWorkerConfig, type Env, type WorkerConfig } from './config';
import type { DocumentStore, StoredDocument } from './documents/document-store';
import { createDocumentStore } from './documents/create-store';
import { installSdkRuntime } from './observability/sdk-runtime';
import { CompletionWebhook } from './notifications/completion-webhook';
import { ReminderWebhook } from './notifications/reminder-webhook';
import type { WebhookAttempt, WebhookKind } from './notifications/webhook-post';
import { AdvanceCallbackSigner } from './security/advance-callbacks';
import { jsonLogger } from './observability/json-logger';
import { LifecycleMetrics } from './observability/metrics';
import { startTracing, type Tracing } from './observability/tracing';
import { traceAdvanceRequest } from './observability/tracing-advance';
import { describeTracing, loadTracingConfig, type TracingConfig } from './config/tracing';
import { tracedDocumentStore } from './observability/tracing-documents';
import { tracingWorkerOptions } from './observability/tracing-worker';
import { buildWorkerHttp } from './observability/worker-http';
import { resolveWorkerVersion, workerVersionOptions, type WorkerVersion } from './worker-version';

/**
 * The long-lived worker: polls the lifecycle task queue, runs the workflow and the Advance
 * activities. Configured from the environment (src/config/worker.ts; `--help` lists it); on
 * SIGINT/SIGTERM it stops polling and gives running activities `WORKER_SHUTDOWN_GRACE_TIME` to finish.
 */

export interface LifecycleWorkerOptions {
  config: WorkerConfig;
  connection: NativeConnection;
  namespace: string;
  /** Observes every Advance HTTP exchange (metrics, tests). */
  onAdvanceRequest?: (event: AdvanceRequestEvent) => void;
  /** Observes every webhook POST, reminders and lifecycle events (metrics). */
  onWebhookAttempt?: (attempt: WebhookAttempt) => void;
  /** Observes every document streamed into the store (metrics). */
  onDocumentStored?: (document: StoredDocument) => void;
  /**
   * Extra worker options (tuning, a test's identity, ...). Their `interceptors` are added to the
   * tracing interceptors, never in their place: a worker whose bundle lacks the tracing workflow
   * module cannot replay a traced lifecycle.
   */
  workerOptions?: Partial<WorkerOptions>;
  /** This build's version, when already resolved. @default resolveWorkerVersion(config, ...) */
  version?: WorkerVersion;
  /** The process's tracing, when OTEL_* turned it on (spans of activities, Advance calls, documents). */
  tracing?: Tracing;
}

export interface LifecycleWorker {
  worker: Worker;
  clients: AdvanceClients;
  documentStore: DocumentStore;
  /** Where lifecycle events go; undefined without `COMPLETION_WEBHOOK_URL`. */
  completionWebhook?: CompletionWebhook;
  /** The build id (and worker deployment) it reports to Temporal. */
  version: WorkerVersion;
  /** Runs until shutdown, then closes the Advance connection pools. */
  run(): Promise<void>;
}

/** Where the workflow code comes from: a prebuilt bundle in production, the sources in dev and tests. */
export function workflowSource(
  config: WorkerConfig,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (config.workflowBundlePath !== undefined)
    return { workflowBundle: { codePath: config.workflowBundlePath } };
  // Running compiled JavaScript next to the bundles built by `npm run build`: use the fitting one.
  const prebuilt = prebuiltBundle(config.encryptionKeys.length > 0);
  if (!__filename.endsWith('.ts') && existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: require.resolve('./workflows') };
}

export async function createLifecycleWorker(options: LifecycleWorkerOptions): Promise<LifecycleWorker> {
  const { config } = options;
  const workflowCode = workflowSource(config);
  const version = options.version ?? resolveWorkerVersion(config, workflowCode);
  const { tracing } = options;
  const onRequest = tracing === undefined ? options.onAdvanceRequest : alsoTraced(options.onAdvanceRequest);
  const clients = new AdvanceClients(
    new Map(
      [...config.advance.tenancies].map(([name, resolved]) => [
        name,
        new AdvanceClient(resolved, { onRequest }),
      ]),
    ),
    config.advance.defaultTenancy,
  );
  const store = createDocumentStore(config.documentStore);
  const documentStore = tracing === undefined ? store : tracedDocumentStore(store);
  // A missing bucket or container stops the start (a worker that cannot store documents should
  // not take tasks); what cannot be confirmed (no permission to look) is only logged.
  const { warning } = await documentStore.check();
  if (warning !== undefined) Runtime.instance().logger.warn('document store not confirmed', { warning });
  const onAttempt = options.onWebhookAttempt;
  const completionWebhook =
    config.completionWebhook === undefined
      ? undefined
      : new CompletionWebhook({ ...config.completionWebhook, onAttempt });
  const activities = {
    ...createLifecycleActivities({
      clients,
      documentStore,
      onDocumentStored: options.onDocumentStored,
      announcesEvents: completionWebhook !== undefined,
      ...(config.advanceCallbacks !== undefined && {
        callbacks: {
          baseUrl: config.advanceCallbacks.baseUrl,
          signer: new AdvanceCallbackSigner(config.advanceCallbacks.secret),
        },
      }),
      reminderWebhook:
        config.reminderWebhook === undefined
          ? undefined
          : new ReminderWebhook({ ...config.reminderWebhook, onAttempt }),
    }),
    ...createEventDeliveryActivities({ completionWebhook, gatewayPublicUrl: config.gatewayPublicUrl }),
  };
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: config.taskQueue,
    activities,
    dataConverter: lifecycleDataConverter(config.encryptionKeys, {
      requireEncrypted: config.encryptionRequired,
    }),
    shutdownGraceTime: config.shutdownGraceTimeMs,
    maxCachedWorkflows: config.maxCachedWorkflows,
    ...workflowCode,
    ...workerVersionOptions(version),
    ...withExtraOptions(tracingWorkerOptions(tracing, workflowCode), options.workerOptions),
  });
  return {
    worker,
    clients,
    documentStore,
    completionWebhook,
    version,
    async run() {
      try {
        await worker.run();
      } finally {
        await clients.close();
        await documentStore.close();
      }
    },
  };
}

/** `extra` over `base`, with the interceptors of both (base's first). */
export function withExtraOptions(
  base: ReturnType<typeof tracingWorkerOptions>,
  extra: Partial<WorkerOptions> = {},
): Partial<WorkerOptions> {
  const { interceptors: own = {} } = base;
  const { interceptors: added = {} } = extra;
  return {
    ...base,
    ...extra,
    interceptors: {
      ...own,
      ...added,
      activity: [...(own.activity ?? []), ...(added.activity ?? [])],
      workflowModules: [...(own.workflowModules ?? []), ...(added.workflowModules ?? [])],
    },
  };
}

/** Advance exchanges go to `observe` (metrics, tests) and become spans. */
function alsoTraced(observe?: (event: AdvanceRequestEvent) => void): (event: AdvanceRequestEvent) => void {
  return (event) => {
    observe?.(event);
    traceAdvanceRequest(event);
  };
}

/** `npm start` (`node dist/worker.js`): configuration problems are printed all at once. */
export async function main(env: Env = process.env, args: readonly string[] = []): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `Usage: node dist/worker.js (npm start)\nRuns the lifecycle worker.\n${environmentHelp('worker')}\n`,
    );
    return 0;
  }
  let config: WorkerConfig;
  let version: WorkerVersion;
  let tracingConfig: TracingConfig | undefined;
  try {
    config = loadWorkerConfig(env);
    tracingConfig = loadTracingConfig(env, 'hotdocs-worker');
    version = resolveWorkerVersion(config, workflowSource(config));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const { connectionOptions, namespace, address } = config.temporal;
  // Before any connection: JSON logs, and the SDK's runtime metrics on a private port that our
  // /metrics endpoint appends to its own.
  const sdkMetricsPort = await installSdkRuntime(jsonLogger(config.logLevel), config.http !== undefined);
  const log = Runtime.instance().logger;
  const tracing = tracingConfig === undefined ? undefined : startTracing(tracingConfig);
  const connection = await connectWithRetry(address, () => NativeConnection.connect(connectionOptions), log);
  // Visibility queries for the metrics connect on first use.
  const visibility = Connection.lazy(connectionOptions);
  let worker: LifecycleWorker | undefined;
  let http: FastifyInstance | undefined;
  try {
    const metrics = new LifecycleMetrics(new Client({ connection: visibility, namespace }), {
      build: version,
      webhooks: configuredWebhooks(config),
    });
    let httpUrl = 'off';
    if (config.http !== undefined) {
      http = buildWorkerHttp({
        worker: () => worker?.worker,
        metrics,
        sdkMetricsUrl: `http://127.0.0.1:${sdkMetricsPort}/metrics`,
      });
      httpUrl = await http.listen(config.http).catch((error: unknown) => {
        throw new Error(
          `cannot serve health and metrics on ${config.http?.host}:${config.http?.port}: ${conciseMessage(error)}`,
        );
      });
    }
    worker = await createLifecycleWorker({
      config,
      connection,
      namespace,
      onAdvanceRequest: metrics.onAdvanceRequest,
      onWebhookAttempt: metrics.onWebhookAttempt,
      onDocumentStored: metrics.onDocumentStored,
      version,
      tracing,
    });
    log.info('worker started', {
      taskQueue: config.taskQueue,
      namespace,
      address,
      tenancies: [...config.advance.tenancies.keys()],
      documentStore: worker.documentStore.describe(),
      completionWebhook: worker.completionWebhook?.describe() ?? 'off',
      payloadEncryption:
        config.encryptionKeys.length === 0
          ? 'off'
          : `on (key ${config.encryptionKeys[0]?.id}${config.encryptionRequired ? ', required' : ''})`,
      http: httpUrl,
      tracing: describeTracing(tracingConfig),
      buildId: version.buildId,
      deployment: version.deploymentName ?? 'none (unversioned)',
    });
    await worker.run();
    log.info('worker stopped', {});
    return 0;
  } finally {
    await http?.close();
    await visibility.close();
    await tracing?.shutdown();
    // A worker that was created holds the connection until it has run and stopped.
    if (worker === undefined) await connection.close();
    else await connection.close().catch(() => undefined);
  }
}

function configuredWebhooks(config: WorkerConfig): WebhookKind[] {
  return [
    ...(config.reminderWebhook === undefined ? [] : (['reminder'] as const)),
    ...(config.completionWebhook === undefined ? [] : (['completion'] as const)),
  ];
}

/** Temporal may start after the worker (compose, a restart): keep trying for a while, saying so. */
async function connectWithRetry(
  address: string,
  connect: () => Promise<NativeConnection>,
  log: { warn(message: string, meta?: Record<string, unknown>): void },
  { attempts = 12, delayMs = 5_000 } = {},
): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connect();
    } catch (error) {
      if (attempt >= attempts)
        throw new Error(`cannot reach Temporal at ${address}: ${conciseMessage(error)}`);
      log.warn('waiting for Temporal', { address, attempt, error: conciseMessage(error) });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The SDK's transport errors are long Rust debug strings; keep their gist. */
function conciseMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /Connection refused/i.test(text) ? 'connection refused' : text.slice(0, 300);
}

if (require.main === module) {
  main(process.env, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'worker failed', error: message })}\n`,
      );
      process.exit(1);
    },
  );
}
