import { advanceEnvForEmulator, type EmulatorApiVersion } from '../../tools/dev/emulator-env';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { LifecycleClient } from '../../src/client';
import { loadTemporalConnection, loadTracingConfig } from '../../src/config';
import { startTracing } from '../../src/observability/tracing';
import { tracingClientInterceptors } from '../../src/observability/tracing-client';
import { startDevServer, type RunningDevServer } from '../../tools/temporal';
import { BegunSessions } from './begun-sessions';
import { workflowBundle } from './bundles';
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process';
import { startSpanSink, type SpanSink } from './span-sink';
import { StoredDocuments } from './stored-documents';
import { startWorkerProcess, type WorkerKind, type WorkerProcess } from './worker-process';

export const WORK_GROUP_ID = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';
export const TEMPLATE_PACKAGE_ID = '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22';
/** The answers every benchmark lifecycle starts with (the same as the lifecycle tests'). */
export const ANSWERS =
  '<AnswerSet><Answer name="Tenant"><TextValue>Ann Example</TextValue></Answer>' +
  '<Answer name="Rent"><NumValue>1250</NumValue></Answer></AnswerSet>';

/** One lifecycle's input; the floor workflow takes the same. */
export function benchmarkInput(businessKey: string, mode: 'interview' | 'batch') {
  return {
    businessKey,
    workItem: { name: 'Benchmark lease', workGroupId: WORK_GROUP_ID, templatePackageId: TEMPLATE_PACKAGE_ID },
    answerXml: ANSWERS,
    mode,
  };
}

/** One worker process of a rig. */
export interface WorkerSpec {
  /** Names the worker in the rig (`rig.workers[name]`) and its task queue. */
  name: string;
  kind: WorkerKind;
  /** The Advance protocol a lifecycle worker speaks to the emulator. @default 'v1.1' */
  protocol?: EmulatorApiVersion;
  /** The workflow bundle a lifecycle worker runs. @default this tree's `src/workflows` */
  bundle?: string;
  /**
   * The folder whose `src/` a lifecycle worker runs: its activities, configuration and worker
   * set-up (a baseline commit's export, see `baselineSource`). @default this tree
   */
  sourceRoot?: string;
  /**
   * Tracing on, always sampled, as `OTEL_*` turns it on in production: the worker exports its
   * spans to the rig's span sink, and the business systems' client for this worker sends trace
   * context with every start and signal (so each lifecycle is traced). Only this tree's worker
   * can trace. @default false
   */
  traced?: boolean;
  /**
   * Environment the worker gets over the rig's own, e.g. a wrong `ADVANCE_PRINCIPAL_PASSWORD` to
   * park lifecycles in needs-attention. @default none
   */
  env?: Record<string, string>;
}

export type RigWorker = WorkerProcess & { taskQueue: string; spec: WorkerSpec };

export interface RigOptions {
  /** Profile every worker's CPU into this folder (see `WorkerProcessOptions.cpuProfileDir`). */
  cpuProfileDir?: string;
}

export interface Rig {
  devServer: RigServer;
  emulator: EmulatorProcess;
  temporal: Client;
  /** The business systems' client, on the task queue of the worker named `lifecycle`. */
  lifecycles: LifecycleClient;
  workers: Record<string, RigWorker | undefined>;
  /** A business systems' client on the task queue of worker `name`. */
  clientFor(name: string): LifecycleClient;
  begun: BegunSessions;
  /** The document store folder every worker writes to (`DOCUMENT_STORE_DIR`): a gateway reads it. */
  documentDir: string;
  /** When each lifecycle's documents were stored (its worker's `storeDocuments` returned). */
  stored: StoredDocuments;
  /** A prefix unique to this run, for workflow ids and business keys. */
  runId: string;
  /** Where traced workers and their clients export spans; undefined without a traced worker. */
  spanSink?: SpanSink;
  close(): Promise<void>;
}

/** What `OTEL_*` says to trace everything into the sink, for a process named `serviceName`. */
function tracingEnv(sink: SpanSink, serviceName: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_SERVICE_NAME: serviceName,
  };
}

/**
 * The Temporal server a rig runs on: a dev server as `startDevServer` returns it, or another one
 * with the `TEMPORAL_TLS_*` variables its clients need (`clientEnv`, read through envconfig).
 */
export type RigServer = Pick<RunningDevServer, 'address' | 'namespace' | 'pid' | 'stop'> & {
  clientEnv?: Record<string, string>;
};

let serverForRigs: () => Promise<RigServer> = () => startDevServer();

/**
 * Rigs started from now on run on the server `start` returns (`stop()` when a rig closes) instead
 * of a dev server of their own; without an argument, the default again. bench/cluster.ts runs the
 * benchmarks unchanged on the production cluster this way. `pid` is the process whose CPU time
 * the benchmarks count as the server's.
 */
export function runRigsOn(start?: () => Promise<RigServer>): void {
  serverForRigs = start ?? (() => startDevServer());
}

/**
 * A local Temporal dev server (in memory, headless), the Advance emulator in a child process and
 * one worker process per spec, each on a task queue of its own, all with the same settings.
 * Everything is stopped by `close()`, also when start-up fails half-way.
 */
export async function startRig(
  specs: WorkerSpec[],
  progress: (line: string) => void,
  options: RigOptions = {},
): Promise<Rig> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const devServer = await serverForRigs();
    cleanups.push(() => devServer.stop());
    const emulator = await startEmulatorProcess();
    cleanups.push(() => emulator.close());
    const documentDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-bench-docs-'));
    cleanups.push(() => rm(documentDir, { recursive: true, force: true }));
    progress(`dev server at ${devServer.address}, emulator at ${emulator.url}`);
    let spanSink: SpanSink | undefined;
    if (specs.some((spec) => spec.traced === true)) {
      if (specs.some((spec) => spec.traced === true && spec.sourceRoot !== undefined))
        throw new Error("only this tree's worker can be traced");
      const sink = await startSpanSink();
      cleanups.push(() => sink.close());
      spanSink = sink;
      progress(`span sink at ${sink.url} (traced workers export there)`);
    }

    const runId = randomUUID().slice(0, 8);
    const workers: Rig['workers'] = {};
    for (const spec of specs) {
      const taskQueue = `bench-${spec.name}-${runId}`;
      const worker = await startWorkerProcess(
        spec.kind,
        {
          ...devServer.clientEnv,
          TEMPORAL_ADDRESS: devServer.address,
          TEMPORAL_NAMESPACE: devServer.namespace,
          TEMPORAL_TASK_QUEUE: taskQueue,
          ...advanceEnvForEmulator(emulator, spec.protocol),
          DOCUMENT_STORE_DIR: documentDir,
          WORKER_SHUTDOWN_GRACE_TIME: '5s',
          ...(await bundleEnv(spec)),
          ...(spec.sourceRoot === undefined ? {} : { BENCH_SOURCE_ROOT: spec.sourceRoot }),
          ...(spec.traced === true && spanSink !== undefined && tracingEnv(spanSink, `bench-${spec.name}`)),
          ...workerSettingsToTry(),
          ...spec.env,
        },
        { name: spec.name, cpuProfileDir: options.cpuProfileDir },
      );
      cleanups.push(() => worker.close());
      workers[spec.name] = Object.assign(worker, { taskQueue, spec });
      progress(`${spec.name} worker running (pid ${worker.pid}, task queue ${taskQueue})`);
    }

    const connection = await Connection.connect(
      loadTemporalConnection({ ...devServer.clientEnv, TEMPORAL_ADDRESS: devServer.address })
        .connectionOptions,
    );
    cleanups.push(() => connection.close());
    const temporal = new Client({ connection, namespace: devServer.namespace });
    // The business system of the traced workers: its starts and signals carry trace context.
    let tracedClient: Client | undefined;
    if (spanSink !== undefined) {
      const config = loadTracingConfig(tracingEnv(spanSink, 'bench-business-system'), 'bench');
      const tracing = config === undefined ? undefined : startTracing(config);
      if (tracing !== undefined) cleanups.push(() => tracing.shutdown());
      const interceptors = tracingClientInterceptors(tracing);
      tracedClient = new Client({
        connection,
        namespace: devServer.namespace,
        ...(interceptors && { interceptors }),
      });
    }
    const clients = new Map<string, LifecycleClient>();
    const clientFor = (name: string): LifecycleClient => {
      const worker = workers[name];
      if (worker === undefined) throw new Error(`no worker named ${name} in this rig`);
      let client = clients.get(name);
      if (client === undefined) {
        const through = worker.spec.traced === true ? (tracedClient ?? temporal) : temporal;
        client = new LifecycleClient(through, { taskQueue: worker.taskQueue });
        clients.set(name, client);
      }
      return client;
    };
    const lifecycles = new LifecycleClient(temporal, { taskQueue: workers['lifecycle']?.taskQueue });
    const present = Object.values(workers).filter((w): w is RigWorker => w !== undefined);
    const begun = new BegunSessions(present);
    const stored = new StoredDocuments(present);
    return {
      devServer,
      emulator,
      temporal,
      lifecycles,
      workers,
      clientFor,
      begun,
      documentDir,
      stored,
      runId,
      ...(spanSink !== undefined && { spanSink }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The workflow bundle a worker of `spec`'s kind loads (each bundled when first needed). */
async function bundleEnv(spec: WorkerSpec): Promise<Record<string, string>> {
  if (spec.kind === 'floor') return { FLOOR_BUNDLE_PATH: await workflowBundle('floor') };
  if (spec.kind === 'peer') return { PEER_BUNDLE_PATH: await workflowBundle('peer') };
  return { WORKFLOW_BUNDLE_PATH: spec.bundle ?? (await workflowBundle('lifecycle')) };
}

/**
 * Worker settings a benchmark run may vary from the defaults, taken from the benchmark's own
 * environment, e.g. `WORKER_MAX_CACHED_WORKFLOWS=100 npm run bench -- --only parked`: the figures
 * of a setting before it becomes a default. @default none: every worker on default settings.
 */
function workerSettingsToTry(): Record<string, string> {
  const cache = process.env['WORKER_MAX_CACHED_WORKFLOWS'];
  return cache === undefined ? {} : { WORKER_MAX_CACHED_WORKFLOWS: cache };
}
