/**
 * A lifecycle worker in a process of its own, so that its memory can be measured and it does not
 * share an event loop with the benchmark that drives it. `lifecycle` is the real worker built by
 * `createLifecycleWorker` from the environment, exactly as `npm start` builds it (default worker
 * settings); `floor` is the floor workflow with no-op activities and the same settings; `peer` is
 * the plain implementation (bench/peer/) with the same settings.
 *
 * Both carry one activity interceptor, the benchmark's hook: after each `beginSession` it tells
 * the parent which session began, so the interview can be reported complete at once, and after
 * each `storeDocuments` that the documents are stored (the end-to-end latency's end).
 *
 * Configured by the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,
 * BENCH_WORKER_KIND, WORKFLOW_BUNDLE_PATH (FLOOR_ / PEER_BUNDLE_PATH), and for `lifecycle` the ADVANCE_* variables and
 * BENCH_SOURCE_ROOT: the folder whose `src/` builds the worker (a baseline commit's export), this
 * tree when unset. This tree's lifecycle worker traces when the `OTEL_*` variables say so, as
 * `npm start` does.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { loadTemporalConnection, loadTracingConfig, loadWorkerConfig } from '../../src/config';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import { createFloorActivities } from '../floor/activities';
import { createPeerActivities, peerTargetFromEnv } from '../peer/activities';
import { runChildToEnd } from './child-ipc';
import { sourceAt, THIS_TREE } from './source-root';
import type { WorkerChildMessage, WorkerKind, WorkerParentMessage } from './worker-protocol';

function send(message: WorkerChildMessage): void {
  process.send?.(message);
}

/**
 * Reports every begin under way, every begun session and every stored set of documents to the
 * parent (a benchmark that holds the begin at the emulator knows when all are held); changes nothing
 * else. Local activities pass through activity interceptors too, so the hook sees a begin
 * whether the lifecycle runs it as a local or a regular activity.
 */
const beginHook: ActivityInterceptorsFactory = (context) => {
  const inbound: ActivityInboundCallsInterceptor = {
    async execute(input, next) {
      const workflowId = context.info.workflowExecution?.workflowId;
      if (workflowId !== undefined && context.info.activityType === 'beginSession')
        send({ type: 'beginning', workflowId, local: context.info.isLocal });
      const result = await next(input);
      if (workflowId === undefined) return result;
      if (context.info.activityType === 'beginSession') {
        const args = input.args[0] as { versionId?: unknown } | undefined;
        if (typeof args?.versionId === 'string')
          send({ type: 'begun', workflowId, versionId: args.versionId });
      } else if (context.info.activityType === 'storeDocuments') {
        send({ type: 'stored', workflowId });
      }
      return result;
    },
  };
  return { inbound };
};

async function createWorker(kind: WorkerKind, connection: NativeConnection, namespace: string) {
  const env = process.env;
  const extra: Partial<WorkerOptions> = { interceptors: { activity: [beginHook] } };
  if (kind === 'lifecycle') {
    const source = sourceAt(env['BENCH_SOURCE_ROOT'] ?? THIS_TREE);
    const tracing = env['BENCH_SOURCE_ROOT'] === undefined ? tracingFrom(env) : undefined;
    const lifecycle = await source.createLifecycleWorker({
      config: source.loadWorkerConfig(env),
      connection,
      namespace,
      workerOptions: extra,
      ...(tracing !== undefined && { tracing }),
    });
    return {
      worker: lifecycle.worker,
      run: async () => {
        try {
          await lifecycle.run();
        } finally {
          await tracing?.shutdown();
        }
      },
    };
  }
  const config = loadWorkerConfig(env); // the same task queue and shutdown grace time
  const bundleVariable = kind === 'floor' ? 'FLOOR_BUNDLE_PATH' : 'PEER_BUNDLE_PATH';
  const bundle = env[bundleVariable];
  if (bundle === undefined) throw new Error(`${bundleVariable} is required for the ${kind} worker`);
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue: config.taskQueue,
    activities: kind === 'floor' ? createFloorActivities() : createPeerActivities(peerTargetFromEnv(env)),
    shutdownGraceTime: config.shutdownGraceTimeMs,
    workflowBundle: { codePath: bundle },
    ...extra,
  });
  return { worker, run: () => worker.run() };
}

/** The worker's tracing, when `OTEL_*` turns it on (as `npm start` reads it). */
function tracingFrom(env: NodeJS.ProcessEnv): Tracing | undefined {
  const config = loadTracingConfig(env, 'hotdocs-worker');
  return config === undefined ? undefined : startTracing(config);
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('worker-child must be started with child_process.fork');
  const kind = process.env['BENCH_WORKER_KIND'];
  if (kind !== 'lifecycle' && kind !== 'floor' && kind !== 'peer')
    throw new Error('BENCH_WORKER_KIND must be lifecycle, floor or peer');
  // Warnings and errors only: the worker's state changes would drown the benchmark's progress lines.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // TEMPORAL_ADDRESS and, on the production cluster, the TEMPORAL_TLS_* certificate.
  const { connectionOptions, namespace } = loadTemporalConnection(process.env);
  const connection = await NativeConnection.connect(connectionOptions);
  const { worker, run } = await createWorker(kind, connection, namespace);

  process.on('message', (message: WorkerParentMessage) => {
    if (message.type === 'memory') {
      const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
      send({ type: 'memory', id: message.id, rss, heapUsed, heapTotal, external, arrayBuffers });
    } else if (worker.getState() === 'RUNNING') {
      worker.shutdown();
    }
  });
  // The parent went away: stop polling rather than outlive it.
  process.on('disconnect', () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });

  const running = run();
  send({ type: 'ready', maxCachedWorkflows: worker.options.maxCachedWorkflows });
  try {
    await running;
  } finally {
    await connection.close();
  }
}

runChildToEnd(main);
