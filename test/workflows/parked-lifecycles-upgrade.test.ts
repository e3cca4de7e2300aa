import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultReplayQuery } from '../../src/cli/replay-check';
import { PATCH_LOCAL_STEPS } from '../../src/workflows/patches';
import { connectTestEnvironment, testServerLocation } from '../support/temporal';
import { atStage, createHarness, lifecycleInput, type Harness } from '../support/lifecycle-harness';
import { runReplayCheck, type ReplayCheckRun } from '../support/replay-check-cli';
import {
  activityTypes,
  historyEvents,
  patchMarkers,
  routedTo,
  setCurrentVersion,
  taskBuildIds,
  versioningBehavior,
} from '../support/upgrade-checks';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';
import { bundleLifecycleVariant, RENEW_TOKEN_PATCH } from '../support/workflow-variants';

/**
 * Upgrading the worker while lifecycles are parked (issue 13, part 4). Version N is the real
 * lifecycle; N+1 is made from it by one edit (test/support/workflow-variants.ts: renew the token
 * before each session). Lifecycles wait on N — for their interview, or idle with keepOpenFor —
 * then the N worker stops:
 * - the edit as it is, is caught by `hotdocs-temporal replay-check` (exit 1, each lifecycle and
 *   the command that no longer matches named);
 * - the edit behind `patched()` replays clean, is deployed as N+1 (a worker process on the
 *   prebuilt bundle, as `npm start` runs it), and every parked lifecycle completes on it.
 * The second test deploys the same N+1 with Worker Versioning (WORKER_DEPLOYMENT_NAME): beside
 * a running N, idle until `temporal worker deployment set-current-version` makes it current.
 */

let env: TestWorkflowEnvironment;
let h: Harness;
let nextWorker: WorkerProcess | undefined;
const variants: Partial<
  Record<'incompatible' | 'compatible', Awaited<ReturnType<typeof bundleLifecycleVariant>>>
> = {};
const DAY_MS = 86_400_000;
/** Names this run's lifecycles and deployment apart from other runs on the same server. */
const RUN = randomUUID().slice(0, 8);

beforeAll(async () => {
  env = await connectTestEnvironment();
  // Release N is the worker bundling its own sources: its build id says `+sources`.
  h = await createHarness(env, {}, {}, { workflowCode: 'sources' });
  variants.incompatible = await bundleLifecycleVariant('incompatible');
  variants.compatible = await bundleLifecycleVariant('compatible');
}, 120_000);

afterAll(async () => {
  await nextWorker?.kill('SIGTERM');
  await h?.close();
  await env?.teardown();
  await variants.incompatible?.cleanup();
  await variants.compatible?.cleanup();
});

/** A lifecycle parked on N; `versionId`: the interview it waits for (none when idle). */
type Parked = { lifecycleId: string; runId: string; versionId?: string };

async function parkedIn(lifecycleId: string, stage: 'waiting-for-interview' | 'idle', on: Harness = h) {
  return atStage(on.lifecycles, lifecycleId, stage);
}

/** Lifecycles of this task queue, by the default query's rules. */
const ours = () =>
  `${defaultReplayQuery(new Date(Date.now() - 7 * DAY_MS))} AND TaskQueue = "${h.taskQueue}"`;

const history = (lifecycleId: string) => historyEvents(env.client, lifecycleId);

/** Saves what replay-check printed, for the report (test/artifacts is git-ignored). */
async function keep(name: string, run: ReplayCheckRun): Promise<void> {
  const dir = path.resolve(__dirname, '..', 'artifacts');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `replay-check-${name}.txt`), `exit ${run.code}\n${run.stdout}${run.stderr}`);
}

test('an incompatible change is caught by replay-check; the patched one is deployed and completes every parked lifecycle', async () => {
  // ---- version N: the real lifecycle, from the sources ----
  const versionN = await h.startWorker();
  const start = (name: string, extra: Record<string, unknown>) =>
    h.lifecycles.start(lifecycleInput({ businessKey: `upgrade-${name}-${RUN}`, ...extra }));
  const waiting = await start('waiting', {});
  const waitingWithDeadline = await start('deadline', { interview: { deadline: '14d', reminders: ['7d'] } });
  const idleBatch = await start('idle-batch', { mode: 'batch', keepOpenFor: '30d' });
  const idleAfterInterview = await start('idle-interview', { keepOpenFor: '30d' });

  const parked: Parked[] = [];
  // Waiting for the interview; one of them with deadline and reminder timers in its history.
  for (const started of [waiting, waitingWithDeadline]) {
    const status = await parkedIn(started.lifecycleId, 'waiting-for-interview');
    const versionId = status.activeSession!.versionId;
    parked.push({ lifecycleId: started.lifecycleId, runId: started.runId!, versionId });
  }
  const interviewed = await parkedIn(idleAfterInterview.lifecycleId, 'waiting-for-interview');
  await h.lifecycles.interviewCompleted(idleAfterInterview.lifecycleId, interviewed.activeSession!.versionId);
  // Idle for follow-ups (keepOpenFor 30d), after a batch session and after an interview.
  for (const started of [idleBatch, idleAfterInterview]) {
    await parkedIn(started.lifecycleId, 'idle');
    parked.push({ lifecycleId: started.lifecycleId, runId: started.runId! });
  }
  expect(versionN.version.buildId).toMatch(/^\d+\.\d+\.\d+.*\+sources$/);
  await h.stopWorker();
  expect((await env.client.workflow.count(ours())).count).toBe(parked.length);

  // ---- N+1 without patched(): caught ----
  const query = ['--query', `WorkflowType = "assemblyLifecycle" AND TaskQueue = "${h.taskQueue}"`];
  const caught = await runReplayCheck(['--bundle', variants.incompatible!.bundlePath, ...query]);
  await keep('incompatible', caught);
  expect(caught.code).toBe(1);
  expect(caught.stdout).toContain(`${parked.length} replayed: 0 clean, ${parked.length} would break`);
  for (const { lifecycleId, runId } of parked) {
    // The lifecycle, its run, and the command that no longer matches its history: N began the
    // session as a local activity (its marker is the third local activity, after the token and
    // the work item), where N+1 now schedules the regular acquireToken.
    const line = caught.stdout.split('\n').find((l) => l.includes(`BREAKS ${lifecycleId} run ${runId}:`));
    expect(line).toContain(
      '[TMPRL1100] Nondeterminism error: Missing associated machine for LocalActivity(3)',
    );
  }

  // ---- N+1 with patched(): clean ----
  const clean = await runReplayCheck([
    '--bundle',
    variants.compatible!.bundlePath,
    ...query,
    '--progress-every',
    '2',
  ]);
  await keep('compatible', clean);
  expect(clean.stderr).toBe('');
  expect(clean.stdout).toContain('  replayed 2/4: 2 clean, 0 would break, 0 not checked\n');
  expect(clean.stdout).toContain('  replayed 4/4: 4 clean, 0 would break, 0 not checked\n');
  expect(clean.stdout).toContain(
    `${parked.length} replayed: ${parked.length} clean, 0 would break, 0 could not be checked`,
  );
  expect(clean.code).toBe(0);

  // ---- deploy N+1: a worker process on the prebuilt bundle replaces N ----
  const bundle = await readFile(variants.compatible!.bundlePath);
  const nextBuildId = `${versionN.version.buildId.split('+')[0]}+${createHash('sha256').update(bundle).digest('hex').slice(0, 12)}`;
  nextWorker = await spawnWorker({ ...h.workerEnv, WORKFLOW_BUNDLE_PATH: variants.compatible!.bundlePath });
  expect(nextWorker.output()).toContain(`"buildId":"${nextBuildId}"`);

  for (const { lifecycleId, versionId } of parked) {
    if (versionId !== undefined) await h.lifecycles.interviewCompleted(lifecycleId, versionId);
    else {
      // A follow-up begins a session on N+1: the patched step runs for it.
      await h.lifecycles.requestFollowUp(lifecycleId, { mode: 'batch' });
      await h.lifecycles.finish(lifecycleId);
    }
  }
  const fresh = await start('fresh', { mode: 'batch' });
  for (const { lifecycleId } of [...parked, fresh]) {
    const result = await h.lifecycles.result(lifecycleId);
    expect({ lifecycleId, outcome: result.outcome }).toEqual({ lifecycleId, outcome: 'completed' });
  }

  for (const { lifecycleId, versionId } of parked) {
    const events = await history(lifecycleId);
    const builds = taskBuildIds(events);
    // Parked on N, finished on N+1: the first tasks were N's, the last ones N+1's.
    expect(builds[0]).toBe(versionN.version.buildId);
    expect(builds.at(-1)).toBe(nextBuildId);
    if (versionId !== undefined) {
      // Nothing new began: the old path, without N+1's patch (N's own patches only).
      expect(patchMarkers(events)).toEqual([PATCH_LOCAL_STEPS]);
      expect(activityTypes(events).filter((t) => t === 'acquireToken')).toHaveLength(1);
    } else {
      // The follow-up's session began on N+1, through the patched step.
      expect(patchMarkers(events)).toEqual([PATCH_LOCAL_STEPS, RENEW_TOKEN_PATCH]);
      expect(activityTypes(events).filter((t) => t === 'acquireToken')).toHaveLength(2);
    }
  }
  const freshEvents = await history(fresh.lifecycleId);
  expect(new Set(taskBuildIds(freshEvents))).toEqual(new Set([nextBuildId]));
  expect(patchMarkers(freshEvents)).toEqual([PATCH_LOCAL_STEPS, RENEW_TOKEN_PATCH]);

  // The closed histories, patched ones included, replay on N+1 too.
  const after = await runReplayCheck(['--bundle', variants.compatible!.bundlePath, ...query]);
  const total = parked.length + 1;
  expect(after.stdout).toContain(`${total} replayed: ${total} clean, 0 would break`);
  expect(after.code).toBe(0);
  // Closed within --since: the default query still selects them.
  expect((await env.client.workflow.count(ours())).count).toBe(total);
  // --limit: only that many are replayed.
  const limited = await runReplayCheck([
    '--bundle',
    variants.compatible!.bundlePath,
    ...query,
    '--limit',
    '2',
  ]);
  expect(limited.stdout).toContain(`matching executions: ${total}; replaying 2 (--limit 2)`);
  expect(limited.stdout).toContain('replay-check: 2 replayed: 2 clean, 0 would break');
  expect(limited.code).toBe(0);
}, 300_000);

test('with Worker Versioning: N+1 runs beside N, takes no task until made current, then the parked lifecycles move to it', async () => {
  const deploymentName = `hotdocs-upgrade-${RUN}`;
  const buildN = `upgrade-n-${RUN}`;
  // WORKER_BUILD_ID: version N runs the sources, whose build id cannot be derived.
  const v = await createHarness(env, {}, { WORKER_DEPLOYMENT_NAME: deploymentName, WORKER_BUILD_ID: buildN });
  let next: WorkerProcess | undefined;
  try {
    expect((await v.startWorker()).version).toEqual({
      buildId: buildN,
      deploymentName,
      buildIdSource: 'WORKER_BUILD_ID',
    });
    await setCurrentVersion(testServerLocation(), deploymentName, buildN);
    const start = (name: string, extra: Record<string, unknown>) =>
      v.lifecycles.start(lifecycleInput({ businessKey: `versioned-${name}-${RUN}`, ...extra }));
    const waiting = await start('waiting', {});
    const idle = await start('idle', { mode: 'batch', keepOpenFor: '30d' });
    const { activeSession } = await parkedIn(waiting.lifecycleId, 'waiting-for-interview', v);
    await parkedIn(idle.lifecycleId, 'idle', v);

    // N+1 beside N: same deployment, its build id from its bundle.
    next = await spawnWorker({
      ...v.workerEnv,
      WORKER_BUILD_ID: '',
      WORKFLOW_BUNDLE_PATH: variants.compatible!.bundlePath,
    });
    const buildNext = /"buildId":"([^"]+)"/.exec(next.output())?.[1];
    expect(buildNext).toMatch(/^\d+\.\d+\.\d+.*\+[0-9a-f]{12}$/);
    expect(next.output()).toContain(`"deployment":"${deploymentName}"`);
    // Not current yet: a lifecycle started now runs wholly on N.
    const meanwhile = await start('meanwhile', { mode: 'batch' });
    expect((await v.lifecycles.result(meanwhile.lifecycleId)).outcome).toBe('completed');
    expect(new Set(taskBuildIds(await history(meanwhile.lifecycleId)))).toEqual(new Set([buildN]));

    await setCurrentVersion(testServerLocation(), deploymentName, buildNext!);
    // Messages go out once the task queue routes to N+1 (until then N may still take a task).
    await routedTo(env.client, v.taskQueue, buildNext!);
    await v.lifecycles.interviewCompleted(waiting.lifecycleId, activeSession!.versionId);
    await v.lifecycles.requestFollowUp(idle.lifecycleId, { mode: 'batch' });
    await v.lifecycles.finish(idle.lifecycleId);
    const after = await start('after', { mode: 'batch' });
    for (const { lifecycleId } of [waiting, idle, after]) {
      expect({ lifecycleId, outcome: (await v.lifecycles.result(lifecycleId)).outcome }).toEqual({
        lifecycleId,
        outcome: 'completed',
      });
    }
    // N still polls, yet the parked lifecycles finished on N+1 (auto-upgrade), and new ones start there.
    for (const { lifecycleId } of [waiting, idle]) {
      const builds = taskBuildIds(await history(lifecycleId));
      expect({ lifecycleId, first: builds[0], last: builds.at(-1) }).toEqual({
        lifecycleId,
        first: buildN,
        last: buildNext,
      });
    }
    // N's own patch from its first steps, then N+1's from the follow-up's session.
    expect(patchMarkers(await history(idle.lifecycleId))).toEqual([PATCH_LOCAL_STEPS, RENEW_TOKEN_PATCH]);
    expect(new Set(taskBuildIds(await history(after.lifecycleId)))).toEqual(new Set([buildNext]));
    expect(await versioningBehavior(env.client, after.lifecycleId)).toBe('VERSIONING_BEHAVIOR_AUTO_UPGRADE');
  } finally {
    await next?.kill('SIGTERM');
    await v.close();
  }
}, 300_000);
