import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkerOptions } from '@temporalio/worker';
import type { AdvanceRequestEvent } from '../../src/advance';
import { LifecycleClient } from '../../src/client';
import { loadWorkerConfig, type Env } from '../../src/config';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../tools/emulator';
import { createLifecycleWorker, type LifecycleWorker } from '../../src/worker';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { isTerminal, type LifecycleStage } from '../../src/workflows/message-rules';
import { PROTOCOL } from './protocol';
import { eventually, StopWaiting } from './eventually';
import { sharedWorkflowBundle } from './shared-workflow-bundle';
import { uniqueTaskQueue } from './temporal';

export { eventually };

export const WORK_GROUP_ID = '6b1f1d0e-3b7c-4f62-9a57-0c0e8f1d2a11';
export const TEMPLATE_PACKAGE_ID = '0f2a7d6c-58e4-4a9b-8f3e-2b9d6c1e7a22';
export const ANSWERS =
  '<AnswerSet><Answer name="Tenant"><TextValue>Ann Example</TextValue></Answer>' +
  '<Answer name="Rent"><NumValue>1250</NumValue></Answer></AnswerSet>';

/** The environment a worker needs to reach the emulator, as an operator would set it. */
export function emulatorEnv(emulator: RunningEmulator, taskQueue: string, documentDir: string): Env {
  return {
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...advanceEnvForEmulator(emulator, PROTOCOL),
    DOCUMENT_STORE_DIR: documentDir,
    WORKER_SHUTDOWN_GRACE_TIME: '2s',
  };
}

export interface Harness {
  env: TestWorkflowEnvironment;
  emulator: RunningEmulator;
  lifecycles: LifecycleClient;
  taskQueue: string;
  documentDir: string;
  workerEnv: Env;
  advanceEvents: AdvanceRequestEvent[];
  /** Starts an in-process worker (one per harness at a time). */
  startWorker(extra?: Partial<WorkerOptions>): Promise<LifecycleWorker>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /**
   * Where the worker's workflow code comes from. `shared-bundle` (the default): the run's one
   * prebuilt bundle (shared-workflow-bundle.ts), unless the worker environment names its own
   * WORKFLOW_BUNDLE_PATH; `sources`: bundled from src/ when the worker starts, as `npm run dev`
   * does (a test of what a worker without a bundle reports).
   */
  workflowCode?: 'shared-bundle' | 'sources';
}

/** An emulator, a task queue of its own on the given Temporal environment, and a worker on demand. */
export async function createHarness(
  env: TestWorkflowEnvironment,
  emulatorOptions: EmulatorOptions = {},
  extraWorkerEnv: Env = {},
  { workflowCode = 'shared-bundle' }: HarnessOptions = {},
): Promise<Harness> {
  // On v2.0 the emulator refuses a Complete whose interview was not finished, so every lifecycle
  // suite proves the Core finish step; a test can still set the switch itself.
  const emulator = await startEmulator({
    ...emulatorOptions,
    behaviour: {
      ...(PROTOCOL === 'v2.0' && { completeUnfinishedInterview: 'refuse' as const }),
      ...emulatorOptions.behaviour,
    },
  });
  const taskQueue = uniqueTaskQueue('lifecycle');
  const documentDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-docs-'));
  const workerEnv = { ...emulatorEnv(emulator, taskQueue, documentDir), ...extraWorkerEnv };
  const lifecycles = new LifecycleClient(env.client, { taskQueue });
  const advanceEvents: AdvanceRequestEvent[] = [];
  let running: { worker: LifecycleWorker; done: Promise<void> } | undefined;

  const harness: Harness = {
    env,
    emulator,
    lifecycles,
    taskQueue,
    documentDir,
    workerEnv,
    advanceEvents,
    async startWorker(extra = {}) {
      if (running !== undefined) throw new Error('a worker is already running');
      const config = loadWorkerConfig(workerEnv);
      const bundle =
        workflowCode === 'sources' || config.workflowBundlePath !== undefined
          ? undefined
          : sharedWorkflowBundle(config.encryptionKeys.length > 0);
      const worker = await createLifecycleWorker({
        config: bundle === undefined ? config : { ...config, workflowBundlePath: bundle },
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        onAdvanceRequest: (event) => advanceEvents.push(event),
        workerOptions: extra,
      });
      running = { worker, done: worker.run() };
      return worker;
    },
    async stopWorker() {
      if (running === undefined) return;
      const { worker, done } = running;
      running = undefined;
      worker.worker.shutdown();
      await done;
    },
    async close() {
      await harness.stopWorker();
      await emulator.close();
      await rm(documentDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export function lifecycleInput(overrides: Record<string, unknown> = {}) {
  return {
    workItem: { name: 'Lease for Ann', workGroupId: WORK_GROUP_ID, templatePackageId: TEMPLATE_PACKAGE_ID },
    answerXml: ANSWERS,
    ...overrides,
  };
}

export interface AtStageOptions<S> {
  /** A further condition on the status at that stage (say, a count of completed sessions). */
  until?: (status: S) => boolean;
  /** Default 20 s. */
  timeoutMs?: number;
}

/**
 * Waits until lifecycle `id` is at stage `wanted` (and `until` holds), reading its status from
 * `source` (the client, or the gateway's status route); returns that status. Fails at once when
 * the lifecycle ended in another stage, and on timeout names the lifecycle, the stage waited
 * for and the last status seen.
 */
export async function atStage<S extends { stage: LifecycleStage }>(
  source: { status(id: string): Promise<S> },
  id: string,
  wanted: LifecycleStage,
  { until, timeoutMs = 20_000 }: AtStageOptions<S> = {},
): Promise<S> {
  let lastSeen = 'no status read';
  return eventually(
    async () => {
      let status: S;
      try {
        status = await source.status(id);
      } catch (error) {
        lastSeen = `status read failed: ${String(error)}`;
        return undefined;
      }
      if (status.stage === wanted && (until === undefined || until(status))) return status;
      lastSeen =
        status.stage === wanted ? `${wanted}, the further condition not met` : `stage ${status.stage}`;
      if (isTerminal(status.stage)) {
        throw new StopWaiting(`lifecycle ${id} ended in stage ${status.stage} while waiting for ${wanted}`);
      }
      return undefined;
    },
    {
      timeoutMs,
      what: () => `lifecycle ${id} to reach stage ${wanted} within ${timeoutMs} ms; last seen: ${lastSeen}`,
    },
  );
}

/**
 * The time-skipping test server starts without our search attributes (it has no flag for them)
 * but implements AddSearchAttributes: register them so lifecycles can upsert their stage.
 */
export async function registerLifecycleSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      LIFECYCLE_SEARCH_ATTRIBUTES.map(({ name, type }) => [
        name,
        type === 'Datetime'
          ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME
          : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
}
