import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { LifecycleClient } from '../../src/client';
import { lifecycleDataConverter } from '../../src/codec';
import { loadEncryptionKeys } from '../../src/config';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { startEmulator, type RunningEmulator } from '../../tools/emulator';
import { workerProcess } from '../../tools/cluster/app-processes';
import { startProductionCluster, type ProductionCluster } from '../../tools/cluster/cluster';
import type { ManagedProcess } from '../../tools/cluster/managed-process';
import { PATCH_LOCAL_STEPS } from '../../src/workflows/patches';
import { eventually, lifecycleInput } from '../support/lifecycle-harness';
import { runReplayCheck, type ReplayCheckRun } from '../support/replay-check-cli';
import {
  historyEvents,
  patchMarkers,
  routedTo,
  setCurrentVersion,
  taskBuildIds,
} from '../support/upgrade-checks';
import { bundleLifecycleVariant, RENEW_TOKEN_PATCH } from '../support/workflow-variants';

/**
 * The upgrade runbook (docs/deploy.md, "Upgrading the worker") on the production cluster: Temporal
 * 1.32 on PostgreSQL, SQL visibility, encrypted payloads, a worker in a worker deployment
 * (WORKER_DEPLOYMENT_NAME, Worker Versioning with auto-upgrade) running the prebuilt bundle.
 * Lifecycles park on it; `replay-check` with its default query and the keys catches the
 * unpatched edit and passes the patched one; N+1 starts beside N, is made current, and every
 * parked lifecycle completes on it.
 */

const log = (line: string): void => {
  process.stderr.write(`[cluster-upgrade] ${line}\n`);
};
const DEPLOYMENT = 'hotdocs-assembly';

let emulator: RunningEmulator;
let cluster: ProductionCluster;
let connection: Connection;
let nextWorker: ManagedProcess | undefined;
const variants: Partial<
  Record<'incompatible' | 'compatible', Awaited<ReturnType<typeof bundleLifecycleVariant>>>
> = {};

beforeAll(async () => {
  emulator = await startEmulator();
  cluster = await startProductionCluster({
    advanceEnv: advanceEnvForEmulator(emulator),
    workers: 1,
    gateways: 0,
    workerEnv: { WORKER_DEPLOYMENT_NAME: DEPLOYMENT },
    log,
  });
  connection = await Connection.connect(cluster.connectionOptions('operator'));
  variants.incompatible = await bundleLifecycleVariant('incompatible', { encrypted: true });
  variants.compatible = await bundleLifecycleVariant('compatible', { encrypted: true });
}, 300_000);

afterAll(async () => {
  await nextWorker?.stop();
  await connection?.close();
  await cluster?.stop();
  await emulator?.close();
  await variants.incompatible?.cleanup();
  await variants.compatible?.cleanup();
}, 120_000);

/** The build id a worker logged in its "worker started" line. */
function loggedBuildId(worker: ManagedProcess): string {
  const id = /"worker started".*"buildId":"([^"]+)"/.exec(worker.output())?.[1];
  if (id === undefined) throw new Error(`${worker.output()}\nno build id in the worker's start-up line`);
  return id;
}

async function keep(name: string, run: ReplayCheckRun): Promise<void> {
  const dir = path.resolve(__dirname, '..', 'artifacts');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, `replay-check-cluster-${name}.txt`),
    `exit ${run.code}\n${run.stdout}${run.stderr}`,
  );
}

test('replay-check guards an upgrade of a versioned worker over parked, encrypted lifecycles', async () => {
  // The operator's certificate, as the runbook's CLI steps run with it.
  const server = {
    address: cluster.address,
    namespace: cluster.namespace,
    env: cluster.clientEnv('operator'),
  };
  const checkEnv = {
    ...cluster.clientEnv('operator'),
    PAYLOAD_ENCRYPTION_KEYS_FILE: cluster.secrets.payloadKeysFile,
  };
  const problems: string[] = [];
  const keys = loadEncryptionKeys(
    { PAYLOAD_ENCRYPTION_KEYS_FILE: cluster.secrets.payloadKeysFile },
    problems,
  );
  expect(problems).toEqual([]);
  const client = new Client({
    connection,
    namespace: cluster.namespace,
    dataConverter: lifecycleDataConverter(keys),
  });
  const lifecycles = new LifecycleClient(client, { taskQueue: cluster.taskQueue });

  // Version N: the deployment's first build, made current as the runbook's first deployment does.
  const buildN = loggedBuildId(cluster.workers[0]!);
  await setCurrentVersion(server, DEPLOYMENT, buildN);
  await routedTo(client, cluster.taskQueue, buildN);
  const tag = randomBytes(4).toString('hex');
  const waiting = await lifecycles.start(lifecycleInput({ businessKey: `cluster-waiting-${tag}` }));
  const idle = await lifecycles.start(
    lifecycleInput({ businessKey: `cluster-idle-${tag}`, mode: 'batch', keepOpenFor: '30d' }),
  );
  const status = await eventually(
    async () => {
      const current = await lifecycles.status(waiting.lifecycleId);
      return current.stage === 'waiting-for-interview' ? current : undefined;
    },
    { timeoutMs: 60_000, what: 'the interview lifecycle to park' },
  );
  await eventually(
    async () => ((await lifecycles.status(idle.lifecycleId)).stage === 'idle' ? true : undefined),
    {
      timeoutMs: 60_000,
      what: 'the batch lifecycle to idle',
    },
  );

  // replay-check as the runbook's CI step runs it: the default query, the deployment's keys.
  const caught = await runReplayCheck(['--bundle', variants.incompatible!.bundlePath], checkEnv);
  await keep('incompatible', caught);
  expect(caught.stdout).toContain('2 replayed: 0 clean, 2 would break');
  for (const { lifecycleId } of [waiting, idle]) {
    // N began the session as a local activity (its marker is the third local activity, after the
    // token and the work item), where N+1 now schedules the regular acquireToken.
    expect(caught.stdout).toMatch(
      new RegExp(
        `BREAKS ${lifecycleId} run \\S+: \\[TMPRL1100\\] Nondeterminism error: Missing associated machine for LocalActivity\\(3\\)`,
      ),
    );
  }
  expect(caught.code).toBe(1);
  const clean = await runReplayCheck(['--bundle', variants.compatible!.bundlePath], checkEnv);
  await keep('compatible', clean);
  expect(clean.stdout).toContain('2 replayed: 2 clean, 0 would break, 0 could not be checked');
  expect(clean.code).toBe(0);

  // N+1 beside N, then current: the parked lifecycles move to it at their next task.
  nextWorker = workerProcess(
    9,
    {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      NODE_ENV: 'production',
      ...cluster.workerEnv,
      WORKFLOW_BUNDLE_PATH: variants.compatible!.bundlePath,
    },
    cluster.logDir,
  );
  await nextWorker.start();
  const buildNext = loggedBuildId(nextWorker);
  expect(buildNext).not.toBe(buildN);
  await setCurrentVersion(server, DEPLOYMENT, buildNext);
  await routedTo(client, cluster.taskQueue, buildNext);
  await lifecycles.interviewCompleted(waiting.lifecycleId, status.activeSession!.versionId);
  await lifecycles.requestFollowUp(idle.lifecycleId, { mode: 'batch' });
  await lifecycles.finish(idle.lifecycleId);
  for (const { lifecycleId } of [waiting, idle]) {
    expect({ lifecycleId, outcome: (await lifecycles.result(lifecycleId)).outcome }).toEqual({
      lifecycleId,
      outcome: 'completed',
    });
    const builds = taskBuildIds(await historyEvents(client, lifecycleId));
    expect({ lifecycleId, first: builds[0], last: builds.at(-1) }).toEqual({
      lifecycleId,
      first: buildN,
      last: buildNext,
    });
  }
  // N's own patch from its first steps, then N+1's from the follow-up's session.
  expect(patchMarkers(await historyEvents(client, idle.lifecycleId))).toEqual([
    PATCH_LOCAL_STEPS,
    RENEW_TOKEN_PATCH,
  ]);
}, 300_000);
