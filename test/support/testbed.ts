import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { StartedLifecycle } from '../../src/client';
import type { Env } from '../../src/config';
import type { GatewayLogOptions } from '../../src/gateway';
import type { LifecycleStatus } from '../../src/workflows/lifecycle-status';
import type { LifecycleStage } from '../../src/workflows/message-rules';
import type { EmulatorOptions } from '../../tools/emulator';
import { startDevServer } from '../../tools/temporal';
import {
  call,
  createGatewayTestbed,
  type CallOptions,
  type GatewayTestbed,
  type HttpAnswer,
} from './gateway-harness';
import { LifecycleEventReceiverServer } from './lifecycle-event-receiver';
import {
  atStage,
  createHarness,
  lifecycleInput,
  type AtStageOptions,
  type Harness,
  type HarnessOptions,
  registerLifecycleSearchAttributes,
} from './lifecycle-harness';
import { connectTestEnvironment, createTimeSkippingEnvironment } from './temporal';

/**
 * One line at the top of a test file sets up everything a lifecycle or gateway test needs and
 * tears it down after the file:
 *
 *     const bed = lifecycleTestbed();                       // emulator, worker, client
 *     const bed = gatewayTestbed({ env: { GATEWAY_WAIT_LIMIT: '10m' } });   // … and a gateway
 *
 * Both register their own `beforeAll`/`afterAll`, on the run's shared Temporal dev server (the jest
 * global setup starts it) with a task queue of their own, and a worker that loads the run's shared
 * workflow bundle. What they return reads the set-up of the moment, so use it inside tests and
 * hooks only. Jest runs `afterAll` hooks in the order they are declared: a file's own `afterAll`
 * that still needs the testbed (releasing held requests, closing a browser) goes above it.
 */

export interface LifecycleTestbedOptions extends HarnessOptions {
  /** The emulator's options (behaviour, faults, …) from the start. */
  emulator?: EmulatorOptions;
  /**
   * Worker environment over the testbed's own (which points the worker at the emulator); a
   * function is called in `beforeAll`, for settings that need a file or server made first.
   */
  workerEnv?: Env | (() => Promise<Env>);
  /**
   * The Temporal server: `shared` (default) the run's dev server; `time-skipping` a private
   * time-skipping test server (timers of days, with the lifecycle's search attributes
   * registered); `{ suggestContinueAsNewAfter: n }` a private dev server that suggests
   * continue-as-new after n history events.
   */
  temporal?: 'shared' | 'time-skipping' | { suggestContinueAsNewAfter: number };
  /** With a secret: a webhook receiver the worker posts its lifecycle events to, signed with it. */
  webhookSecret?: string;
  /** Whether the worker starts before the file's tests (default true); else call `startWorker()`. */
  startWorker?: boolean;
}

/** Shortcuts of both testbeds, on the lifecycle client. */
export interface LifecycleShortcuts {
  /** Starts a lifecycle of `lifecycleInput(overrides)`. */
  start(overrides?: Record<string, unknown>): Promise<StartedLifecycle>;
  /** Waits until the lifecycle is at `stage` (see `atStage` in lifecycle-harness.ts). */
  atStage(
    id: string,
    stage: LifecycleStage,
    options?: AtStageOptions<LifecycleStatus>,
  ): Promise<LifecycleStatus>;
  /**
   * Waits for the lifecycle's interview, then finishes it as the gateway does (the
   * `completeInterview` update, naming the session); returns the status it found waiting.
   */
  finish(id: string): Promise<LifecycleStatus>;
}

export interface LifecycleTestbed extends Harness, LifecycleShortcuts {
  /** The webhook receiver (only with `webhookSecret`). */
  receiver: LifecycleEventReceiverServer;
}

export function lifecycleTestbed(options: LifecycleTestbedOptions = {}): LifecycleTestbed {
  let current: { h: Harness; receiver?: LifecycleEventReceiverServer } | undefined;
  let closeServer: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const server = await temporalFor(options.temporal ?? 'shared');
    closeServer = server.close;
    const receiver =
      options.webhookSecret === undefined
        ? undefined
        : await LifecycleEventReceiverServer.start(options.webhookSecret);
    const webhookEnv: Env =
      receiver === undefined
        ? {}
        : { COMPLETION_WEBHOOK_URL: receiver.url, COMPLETION_WEBHOOK_SECRET: options.webhookSecret };
    const workerEnv = typeof options.workerEnv === 'function' ? await options.workerEnv() : options.workerEnv;
    const h = await createHarness(server.env, options.emulator, { ...webhookEnv, ...workerEnv }, options);
    current = { h, ...(receiver !== undefined && { receiver }) };
    if (options.startWorker !== false) await h.startWorker();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await current?.h.close();
    await current?.receiver?.close();
    await current?.h.env.teardown();
    await closeServer?.();
  }, SETUP_TIMEOUT_MS);
  const shortcuts = lifecycleShortcuts(() => started(current, 'lifecycleTestbed').h);
  return new Proxy({} as LifecycleTestbed, {
    get(_, key) {
      if (key in shortcuts) return shortcuts[key as keyof LifecycleShortcuts];
      const { h, receiver } = started(current, 'lifecycleTestbed');
      if (key === 'receiver') {
        if (receiver === undefined)
          throw new Error('lifecycleTestbed: give it a webhookSecret to get a receiver');
        return receiver;
      }
      return h[key as keyof Harness];
    },
  });
}

export interface GatewayTestbedOptions {
  /**
   * Gateway environment over the testbed's own (port 0, two API keys, a finish-link secret); a
   * function is called in `beforeAll`, for settings that need a file made first.
   */
  env?: Env | (() => Promise<Env>);
  /** Tenancy names the worker serves, all on the testbed's emulator. */
  tenancies?: string[];
  /** The gateway's request log (default off). */
  log?: GatewayLogOptions;
}

export interface GatewayBed extends GatewayTestbed, LifecycleShortcuts {
  /** The gateway's base URL. */
  url: string;
  /** One request to the gateway (a path such as `/v1/assemblies`), with the ops key by default. */
  call(path: string, options?: CallOptions): Promise<HttpAnswer>;
  /**
   * The status as `GET /v1/assemblies/{id}` answers it, with `key` (default the ops key): a
   * source for `atStage(bed.overHttp(), id, stage)` when the test is about the HTTP answer.
   */
  overHttp(key?: string): { status(id: string): Promise<LifecycleStatus> };
}

/** A running gateway in front of a lifecycle testbed (see `createGatewayTestbed`). */
export function gatewayTestbed(options: GatewayTestbedOptions = {}): GatewayBed {
  let current: GatewayTestbed | undefined;
  beforeAll(async () => {
    const env = typeof options.env === 'function' ? await options.env() : options.env;
    current = await createGatewayTestbed({ ...options, env });
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await current?.close();
  });
  const bed = () => started(current, 'gatewayTestbed');
  const own = {
    ...lifecycleShortcuts(() => bed().h),
    call: (path: string, callOptions?: CallOptions) => call(`${bed().gateway.url}${path}`, callOptions),
    overHttp: (key?: string) => ({
      async status(id: string): Promise<LifecycleStatus> {
        const answer = await call(`${bed().gateway.url}/v1/assemblies/${encodeURIComponent(id)}`, {
          ...(key !== undefined && { key }),
        });
        if (answer.status !== 200)
          throw new Error(`GET /v1/assemblies/${id} answered ${answer.status}: ${answer.text}`);
        return answer.json as LifecycleStatus;
      },
    }),
  };
  return new Proxy({} as GatewayBed, {
    get(_, key) {
      if (key in own) return own[key as keyof typeof own];
      if (key === 'url') return bed().gateway.url;
      return bed()[key as keyof GatewayTestbed];
    },
  });
}

/** A private server (time-skipping, or a dev server of the file's own) may take a while to start. */
const SETUP_TIMEOUT_MS = 120_000;

async function temporalFor(
  kind: NonNullable<LifecycleTestbedOptions['temporal']>,
): Promise<{ env: TestWorkflowEnvironment; close?: () => Promise<void> }> {
  if (kind === 'shared') return { env: await connectTestEnvironment() };
  if (kind === 'time-skipping') {
    const env = await createTimeSkippingEnvironment();
    await registerLifecycleSearchAttributes(env);
    return { env };
  }
  const server = await startDevServer({
    extraArgs: [
      '--dynamic-config-value',
      `limit.historyCount.suggestContinueAsNew=${kind.suggestContinueAsNewAfter}`,
    ],
  });
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: server.address,
    namespace: server.namespace,
  });
  return { env, close: () => server.stop() };
}

function lifecycleShortcuts(harness: () => Harness): LifecycleShortcuts {
  const shortcuts: LifecycleShortcuts = {
    start: (overrides) => harness().lifecycles.start(lifecycleInput(overrides)),
    atStage: (id, stage, atStageOptions) => atStage(harness().lifecycles, id, stage, atStageOptions),
    async finish(id) {
      const status = await shortcuts.atStage(id, 'waiting-for-interview');
      const versionId = status.activeSession?.versionId;
      const { outcome } = await harness().lifecycles.completeInterview(id, { versionId });
      if (outcome !== 'accepted') throw new Error(`finishing the interview of ${id} answered ${outcome}`);
      return status;
    },
  };
  return shortcuts;
}

function started<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} sets up in beforeAll: use it inside a test or hook`);
  return value;
}
