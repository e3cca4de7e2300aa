/**
 * Reproduces a hazard the chaos run points at: CompleteSession names no version
 * (`PUT WorkItems/{id}/Versions/Active/CompleteSession`), so a CompleteSession that is still on its
 * way when its worker dies completes whatever session is active when Advance gets to it.
 *
 * 1. A lifecycle with a batch first session and an interview follow-up queued behind it.
 * 2. Advance is slow on the first CompleteSession (20 s); the worker is SIGKILLed meanwhile. Like
 *    most servers, the emulator finishes a request whose client went away.
 * 3. A new worker retries after the heartbeat timeout, completes the first session, begins the
 *    follow-up and waits for its interview.
 * 4. The dead worker's request is then applied — to the follow-up session, whose interview nobody
 *    has finished. The lifecycle notices nothing: once the interview is reported, its own
 *    CompleteSession gets "no active session", sees the version Completed and takes that as its own.
 *
 * Prints the evidence as JSON; exits 1 when the follow-up was completed before its interview
 * finished (the hazard is real), 0 when it was not. `npm test` holds the same hazard in
 * test/lifecycle/time-skipping.test.ts, with the emulator's `reset-then-apply` fault standing for
 * the dead worker's request.
 *
 *   npx tsx tools/chaos/repro-zombie-complete.ts
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { LifecycleClient } from '../../src/client';
import { ensureTemporalTools } from '../temporal';
import { startEmulator } from '../emulator';
import { RestartableDevServer } from './dev-server-host';
import { CHAOS_TEMPLATE_PACKAGE_ID, CHAOS_WORK_GROUP_ID } from './driver';
import { summariseEvent } from './evidence';
import { seededRandom } from './plan';
import { sleep } from './retry';
import { buildWorkflowBundle, workerEnv } from './run-chaos';
import { WorkerFleet } from './worker-fleet';

const SLOW_COMPLETE_MS = 20_000;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<number> {
  const log = (line: string): void => {
    process.stderr.write(`[repro] ${line}\n`);
  };
  const workDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-zombie-'));
  await mkdir(path.join(workDir, 'workers'));
  ensureTemporalTools({ cli: true, testServer: false });
  const closers: Array<() => Promise<void>> = [];
  try {
    const bundlePath = await buildWorkflowBundle(workDir);
    const emulator = await startEmulator({});
    closers.push(() => emulator.close());
    emulator.setFaults({
      script: [{ endpoint: 'completeSession', fault: 'latency', latencyMs: SLOW_COMPLETE_MS }],
    });
    const server = await RestartableDevServer.start(workDir);
    closers.push(() => server.stop());
    const taskQueue = 'zombie-complete';
    const fleet = new WorkerFleet({
      env: workerEnv({ emulator, server, taskQueue, workDir, bundlePath, tokenLifetimeSeconds: 3600 }),
      size: 1,
      logDir: path.join(workDir, 'workers'),
      log,
    });
    closers.push(() => fleet.stop());
    await fleet.start();
    const connection = await Connection.connect({ address: server.address });
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });
    const lifecycles = new LifecycleClient(client, { taskQueue });

    const { lifecycleId, workItemId } = await lifecycles.start({
      businessKey: `zombie-${Date.now()}`,
      workItem: {
        name: 'Zombie complete',
        workGroupId: CHAOS_WORK_GROUP_ID,
        templatePackageId: CHAOS_TEMPLATE_PACKAGE_ID,
      },
      mode: 'batch',
      keepOpenFor: '1h',
    });
    if (workItemId === undefined) throw new Error('no work item id');
    await lifecycles.requestFollowUp(lifecycleId, { mode: 'interview' });
    const first = (await lifecycles.status(lifecycleId)).activeSession?.versionId;

    await until('the first CompleteSession to reach Advance', () =>
      emulator.requests().some((r) => r.endpoint === 'completeSession' && r.status === null)
        ? true
        : undefined,
    );
    await fleet.kill(true, seededRandom(1));
    const killedAt = new Date().toISOString();
    log(
      `worker SIGKILLed at ${killedAt} while its CompleteSession is held ${SLOW_COMPLETE_MS / 1000} s by Advance`,
    );

    // With the defence in place the follow-up begins only after the retried CompleteSession's
    // activity timeout (2 min), so allow for that.
    const followUp = await until(
      'the follow-up to wait for its interview',
      async () => {
        const status = await lifecycles.status(lifecycleId);
        const active = status.activeSession;
        return status.stage === 'waiting-for-interview' && active?.versionId !== first ? active : undefined;
      },
      240_000,
    );
    if (followUp === undefined) throw new Error('no follow-up session');
    log(`follow-up ${followUp.versionId} begun, waiting for its interview`);

    // Nobody finishes the interview: wait until Advance has answered the dead worker's request.
    const held = await until(
      'the held CompleteSession to be applied',
      () => {
        const request = emulator
          .requests()
          .find((r) => r.endpoint === 'completeSession' && r.fault?.kind === 'latency');
        return request?.status === null ? undefined : request;
      },
      SLOW_COMPLETE_MS + 30_000,
    );
    const stageThen = (await lifecycles.status(lifecycleId)).stage;
    const version = emulator.workItem(workItemId)?.versions.find((v) => v.versionId === followUp.versionId);
    const completedEarly = held.versionId === followUp.versionId && version?.status === 'Completed';
    log(
      completedEarly
        ? `the dead worker's CompleteSession (seq ${held.seq}) completed follow-up ${followUp.versionId}; ` +
            `Advance now has it ${version?.status} while the lifecycle is ${stageThen}`
        : `the held CompleteSession (seq ${held.seq}) completed ${held.versionId ?? 'nothing'}, not the follow-up`,
    );

    // What the business system then sees: it reports the interview, the lifecycle "completes" it.
    const interviewReportedAt = new Date().toISOString();
    await lifecycles.interviewCompleted(lifecycleId, followUp.versionId);
    await lifecycles.finish(lifecycleId);
    const result = await lifecycles.result(lifecycleId);

    const evidence = {
      reproduced: completedEarly,
      lifecycleId,
      workItemId,
      firstSession: first,
      followUpSession: followUp.versionId,
      workerKilledAt: killedAt,
      interviewReportedAt,
      lifecycleResult: result,
      emulatorVersions: emulator.workItem(workItemId)?.versions.map((v) => ({
        versionId: v.versionId,
        status: v.status,
        createdAt: v.createdAt,
        completedAt: v.completedAt,
      })),
      emulatorRequests: emulator
        .requests()
        .filter((r) => r.workItemId === workItemId)
        .map((r) => ({
          seq: r.seq,
          at: r.at,
          endpoint: r.endpoint,
          status: r.status,
          versionId: r.versionId,
          fault: r.fault,
        })),
      history: ((await client.workflow.getHandle(lifecycleId).fetchHistory()).events ?? []).map(
        summariseEvent,
      ),
    };
    process.stdout.write(`${JSON.stringify(evidence, null, 2)}\n`);
    return completedEarly ? 1 : 0;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `repro failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
