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
import { startDevServer } from '../../tools/temporal';
import { createLifecycleWorker, type LifecycleWorker } from '../../src/worker';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import type { LifecycleStatus } from '../../src/workflows/lifecycle-status';
import { PROTOCOL } from './protocol';
import { eventually } from './eventually';
import { connectTestEnvironment, uniqueTaskQueue } from './temporal';

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

/** An emulator, a task queue of its own on the given Temporal environment, and a worker on demand. */
export async function createHarness(
  env: TestWorkflowEnvironment,
  emulatorOptions: EmulatorOptions = {},
  extraWorkerEnv: Env = {},
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
      const worker = await createLifecycleWorker({
        config: loadWorkerConfig(workerEnv),
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

/**
 * The harness of one test file, on the shared test server: its worker starts before the file's
 * tests and everything closes after them. Call it at the top level; what it returns reads the
 * harness of the moment (`h.lifecycles`, `h.env.client`), so use it inside tests and hooks only.
 */
export function harnessForFile(): Harness {
  let current: Harness | undefined;
  beforeAll(async () => {
    current = await createHarness(await connectTestEnvironment());
    await current.startWorker();
  });
  afterAll(async () => {
    await current?.close();
    await current?.env.teardown();
  });
  return new Proxy({} as Harness, {
    get(_, key) {
      if (current === undefined) throw new Error('the harness starts in beforeAll: use it inside a test');
      return current[key as keyof Harness];
    },
  });
}

export function lifecycleInput(overrides: Record<string, unknown> = {}) {
  return {
    workItem: { name: 'Lease for Ann', workGroupId: WORK_GROUP_ID, templatePackageId: TEMPLATE_PACKAGE_ID },
    answerXml: ANSWERS,
    ...overrides,
  };
}

/** Polls a lifecycle's status until it reaches `wanted`, and returns that status. */
export async function atStage(
  lifecycles: { status(id: string): Promise<LifecycleStatus> },
  id: string,
  wanted: LifecycleStatus['stage'],
): Promise<LifecycleStatus> {
  return eventually(async () => {
    const status = await lifecycles.status(id);
    return status.stage === wanted ? status : undefined;
  });
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

/**
 * A harness with its worker started, on a dev server of the test's own that suggests
 * continue-as-new after `events` history events (instead of 4,096), so that lifecycles hand their
 * state to a new run within a test. `closeAll()` stops worker, connections and server.
 */
export async function harnessSuggestingContinueAsNew(
  events: number,
): Promise<Harness & { env: TestWorkflowEnvironment; closeAll(): Promise<void> }> {
  const server = await startDevServer({
    extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${events}`],
  });
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: server.address,
    namespace: server.namespace,
  });
  const h = await createHarness(env);
  await h.startWorker();
  return Object.assign(h, {
    env,
    async closeAll() {
      await h.close();
      await env.teardown();
      await server.stop();
    },
  });
}
