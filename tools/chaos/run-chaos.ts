import { advanceEnvForEmulator } from '../dev/emulator-env';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { LifecycleClient } from '../../src/client';
import type { Env } from '../../src/config';
import { ensureTemporalTools } from '../temporal';
import type { EmulatorApiVersion } from '../dev/emulator-env';
import {
  startEmulator,
  type EmulatorBehaviourPatch,
  type FaultRule,
  type RunningEmulator,
} from '../emulator';
import { RestartableDevServer } from './dev-server-host';
import { driveLifecycle, type DriverContext, type LifecycleOutcome } from './driver';
import { explainUnfinished, writeEvidence } from './evidence';
import type { ChaosOptions } from './options';
import {
  planChaos,
  planLifecycles,
  seededRandom,
  type LifecyclePlan,
  type Random,
  type ScheduledAction,
} from './plan';
import { quarantineOfRun } from './quarantine';
import { buildReport, type ChaosReport } from './report';
import { sleep, type RetryBudget } from './retry';
import { WorkerFleet } from './worker-fleet';

/**
 * Faults on every Advance endpoint (login included): 10 % 5xx, 5 % 429 with a one-second
 * Retry-After, 3 % connection resets, 3 % applied-then-failed. Drawn from the run's seed.
 */
export function chaosFaultRule(scale: number): FaultRule {
  return {
    endpoint: '*',
    errorRate: 0.1 * scale,
    throttleRate: 0.05 * scale,
    retryAfterSeconds: 1,
    resetRate: 0.03 * scale,
    applyThenFailRate: 0.03 * scale,
  };
}

/**
 * v2.0's Complete and CreateAndAssemble answer `Completing` at once and the version completes
 * two seconds later (one in `Completing`, one in post-assembly processing): every v2.0 session
 * goes through the lifecycle's status reads, under the same faults as every other call.
 */
export const V2_CHAOS_BEHAVIOUR: EmulatorBehaviourPatch = {
  syncThresholdMs: 0,
  completingMs: 1_000,
  postProcessingMs: 1_000,
  // A Complete whose Core interview was not finished is refused: a lifecycle that skipped the
  // finish step (or lost it under faults) could not complete.
  completeUnfinishedInterview: 'refuse',
};

export interface ChaosRun {
  report: ChaosReport;
  /** Temporary directory (SQLite file, worker logs, evidence); removed unless kept or the run failed. */
  workDir: string;
  kept: boolean;
}

/** Progress lines and notable events; stderr in `npm run chaos`. */
export type ChaosLog = (line: string) => void;

/**
 * One chaos run: a dev server on a SQLite file, the emulator with seeded faults and short-lived
 * tokens, a fleet of worker processes, and the driver running every planned lifecycle while the
 * schedule SIGKILLs workers and restarts the server. Ends with the report of what Advance holds.
 */
export async function runChaos(options: ChaosOptions, log: ChaosLog): Promise<ChaosRun> {
  const startedAt = Date.now();
  const random = seededRandom(options.seed);
  const plans = planLifecycles(options.lifecycles, random);
  const schedule = planChaos(options, random);
  const runTag = `${options.seed}-${randomBytes(3).toString('hex')}`;
  const workDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-chaos-'));
  const logDir = path.join(workDir, 'workers');
  await mkdir(logDir);
  log(
    `chaos run ${runTag}: ${plans.length} lifecycles on Advance API ${options.api}, seed ${options.seed}, ` +
      `work dir ${workDir}`,
  );

  const stack: Array<() => Promise<void>> = [];
  const cleanUp = async (): Promise<void> => {
    for (const close of stack.reverse()) await close().catch(() => undefined);
  };
  try {
    ensureTemporalTools({ cli: true, testServer: false });
    const bundlePath = await buildWorkflowBundle(workDir);
    const emulator = await startEmulator({
      tokenLifetimeSeconds: options.tokenLifetimeSeconds,
      faults: { seed: options.seed, rules: [chaosFaultRule(options.faultScale)] },
      ...(options.api === 'v2.0' && { behaviour: V2_CHAOS_BEHAVIOUR }),
    });
    stack.push(() => emulator.close());
    const server = await RestartableDevServer.start(workDir);
    stack.push(() => server.stop());
    log(`dev server ${server.address} (pid ${server.pid}), emulator ${emulator.url}`);

    const taskQueue = `chaos-${runTag}`;
    const fleet = new WorkerFleet({
      env: workerEnv({
        emulator,
        server,
        taskQueue,
        workDir,
        bundlePath,
        tokenLifetimeSeconds: options.tokenLifetimeSeconds,
        api: options.api,
      }),
      size: options.workers,
      logDir,
      log,
    });
    stack.push(() => fleet.stop());
    await fleet.start();

    const connection = await Connection.connect({ address: server.address });
    stack.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });
    const budget: RetryBudget = { deadline: startedAt + options.timeoutSeconds * 1000, retries: new Map() };
    const ctx: DriverContext = {
      lifecycles: new LifecycleClient(client, { taskQueue }),
      connection,
      budget,
      runTag,
      log,
    };

    const progress = { finished: 0, restarts: 0, scheduleDone: false };
    const ticker = setInterval(() => {
      log(
        `${Math.round((Date.now() - startedAt) / 1000)} s: ${progress.finished}/${plans.length} lifecycles finished, ` +
          `${fleet.kills} worker kills, ${progress.restarts} server restarts, ${fleet.readyCount} worker(s) polling`,
      );
    }, 5_000);
    stack.push(async () => clearInterval(ticker));

    const chaos = runSchedule(schedule, random, {
      progress: () => progress.finished / plans.length,
      fleet,
      server,
      serverDowntimeMs: options.serverDowntimeSeconds * 1000,
      log,
      onRestart: () => (progress.restarts += 1),
    }).finally(() => (progress.scheduleDone = true));
    // Settled here and awaited below: a schedule failure must not be an unhandled rejection.
    const chaosDone = chaos.then(
      () => undefined,
      (error: unknown) => error,
    );

    const outcomes = await drivePool(ctx, plans, options.concurrency, {
      // The last 5 % start only once the schedule has run: every kill and restart then hits a
      // busy system, and the run always carries out its whole schedule.
      held: (plan) => plan.index >= plans.length - Math.max(1, Math.ceil(plans.length * 0.05)),
      release: () => progress.scheduleDone,
      onFinished: (outcome) => {
        progress.finished += 1;
        if (outcome.end !== 'completed')
          log(`${outcome.lifecycleId} ended ${outcome.end}: ${outcome.error ?? ''}`);
      },
    });
    // A lifecycle given up at the deadline: say where it stood (stage, pending activity, last failure).
    for (const outcome of outcomes.filter((o) => o.end === 'stuck')) {
      outcome.error = `${outcome.error ?? 'unfinished'} (${await explainUnfinished(client, outcome.lifecycleId)})`;
    }
    const chaosError = await chaosDone;
    if (chaosError !== undefined) log(`the chaos schedule failed: ${String(chaosError)}`);
    clearInterval(ticker);
    await fleet.stop();
    log('reading the histories for quarantine waits');
    const quarantine = await quarantineOfRun(
      client,
      outcomes.map((o) => o.lifecycleId),
    );

    const report = buildReport({
      api: options.api,
      seed: options.seed,
      runTag,
      outcomes,
      state: emulator.state,
      duplicates: emulator.duplicates(),
      requestApis: emulator.requests().map((r) => r.api),
      quarantine,
      faultKinds: emulator.injectedFaults().map((f) => f.kind),
      workerKills: fleet.kills,
      workerKillsPlanned: options.workerKills,
      workerExitsOnTheirOwn: fleet.unexpectedExits.length,
      workerExitReasons: fleet.unexpectedExits.map(
        (e) =>
          `worker ${e.workerNo}: exit code ${e.code}, signal ${e.signal}, ` +
          `${e.beforeReady ? 'before it was ready' : `after ${Math.round(e.uptimeMs / 1000)} s`}: ${lastLine(e.lastOutput)}`,
      ),
      serverRestarts: progress.restarts,
      serverRestartsPlanned: options.serverRestarts,
      driverRetries: budget.retries,
      seconds: (Date.now() - startedAt) / 1000,
    });
    if (chaosError !== undefined) report.violations.push(`the chaos schedule failed: ${String(chaosError)}`);
    await writeFile(path.join(workDir, 'worker-exits.json'), `${JSON.stringify(fleet.exits, null, 2)}\n`);
    // What the driver had to work around (re-signals, unanswered follow-ups), per lifecycle.
    const notes = outcomes
      .filter((o) => o.notes.length > 0)
      .map((o) => ({ lifecycleId: o.lifecycleId, workItemId: o.workItemId, notes: o.notes }));
    await writeFile(path.join(workDir, 'driver-notes.json'), `${JSON.stringify(notes, null, 2)}\n`);

    const failed = report.violations.length > 0;
    if (failed) {
      const evidenceDir = path.join(workDir, 'evidence');
      const suspects = outcomes.filter((o) => report.suspectLifecycles.includes(o.lifecycleId));
      await writeEvidence(evidenceDir, suspects, emulator, client);
      await writeFile(path.join(evidenceDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      report.evidenceDir = evidenceDir;
    }
    await cleanUp();
    const kept = failed || options.keep;
    if (!kept) await rm(workDir, { recursive: true, force: true });
    return { report, workDir, kept };
  } catch (error) {
    await cleanUp();
    // The worker logs and the SQLite file stay for a look.
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`the chaos run could not be carried out: ${message}\n(work dir kept: ${workDir})`, {
      cause: error,
    });
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

/** Bundled once per run, so that each replacement worker starts in seconds instead of bundling again. */
export async function buildWorkflowBundle(workDir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
  });
  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  return bundlePath;
}

/** The worker's whole configuration, as an operator would set it for `npm start`. */
export function workerEnv(setup: {
  emulator: RunningEmulator;
  server: RestartableDevServer;
  taskQueue: string;
  workDir: string;
  bundlePath: string;
  tokenLifetimeSeconds: number;
  /** @default 'v1.1' */
  api?: EmulatorApiVersion;
}): Env {
  const { emulator, server } = setup;
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    TMPDIR: process.env['TMPDIR'],
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    TEMPORAL_TASK_QUEUE: setup.taskQueue,
    ...advanceEnvForEmulator(emulator, setup.api),
    ADVANCE_TOKEN_LIFETIME_SECONDS: String(setup.tokenLifetimeSeconds),
    DOCUMENT_STORE_DIR: path.join(setup.workDir, 'documents'),
    WORKER_SHUTDOWN_GRACE_TIME: '1s',
    WORKFLOW_BUNDLE_PATH: setup.bundlePath,
    // Two workers share this host: each takes a free port for its health and metrics endpoints
    // instead of both asking for the default one.
    WORKER_HTTP_PORT: '0',
  };
}

/** Runs the lifecycles, `concurrency` at a time; held ones wait for `release()`. */
async function drivePool(
  ctx: DriverContext,
  plans: LifecyclePlan[],
  concurrency: number,
  hooks: {
    held: (plan: LifecyclePlan) => boolean;
    release: () => boolean;
    onFinished: (outcome: LifecycleOutcome) => void;
  },
): Promise<LifecycleOutcome[]> {
  const outcomes: LifecycleOutcome[] = new Array(plans.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      const plan = plans[next];
      if (plan === undefined) return;
      next += 1;
      while (hooks.held(plan) && !hooks.release()) await sleep(250);
      const outcome = await driveLifecycle(ctx, plan);
      outcomes[plan.index] = outcome;
      hooks.onFinished(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plans.length) }, lane));
  return outcomes;
}

/** Carries out the schedule in order, each action once the run's progress reaches its point. */
async function runSchedule(
  schedule: ScheduledAction[],
  random: Random,
  deps: {
    progress: () => number;
    fleet: WorkerFleet;
    server: RestartableDevServer;
    serverDowntimeMs: number;
    log: ChaosLog;
    onRestart: () => void;
  },
): Promise<void> {
  for (const { atProgress, delayMs, action } of schedule) {
    while (deps.progress() < atProgress) await sleep(200);
    await sleep(delayMs);
    if (action.kind === 'kill-workers') {
      const killed = await deps.fleet.kill(action.all, random);
      deps.log(`chaos: SIGKILLed ${killed} worker(s)${action.all ? ' (all of them)' : ''}`);
    } else {
      deps.log('chaos: restarting the dev server');
      const { downMs } = await deps.server.restart(deps.serverDowntimeMs);
      deps.onRestart();
      deps.log(`chaos: dev server back after ${downMs} ms (pid ${deps.server.pid})`);
    }
  }
}
