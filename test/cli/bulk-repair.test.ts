import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BulkRepairSummary, LifecycleListing, LifecycleStatus } from '../../src/client';
import { advanceEnvForEmulator } from '../../tools/dev/emulator-env';
import { LifecycleEventReceiverServer } from '../support/lifecycle-event-receiver';
import { createHarness, eventually, lifecycleInput, type Harness } from '../support/lifecycle-harness';
import { runCli, type CliRun } from '../support/cli-process';
import { connectTestEnvironment } from '../support/temporal';

/**
 * Repair in bulk, as an operator does it after a bad hour: 50 lifecycles of tenancy acme are
 * parked in needs-attention by a refused login (the emulator's principal password was rotated).
 * `hotdocs-temporal lifecycles list` finds them; `repair --query … --dry-run` lists them and
 * changes nothing; more matches than `--limit` are refused; once the password file is fixed,
 * `repair --query … --retry` repairs all 50, each completes, and the emulator holds exactly one
 * completed work item per lifecycle. Who repaired (the OS user) and the note are in each status
 * and in each lifecycle's closing event.
 */

/** The commands and what they printed, for a reader: test/artifacts/ (git-ignored). */
const TRANSCRIPT = path.join(__dirname, '..', 'artifacts', 'bulk-repair.txt');
const transcript: string[] = [];
const COUNT = 50;
const TENANCY = 'acme';

let env: TestWorkflowEnvironment;
let h: Harness;
let scratch: string;
let passwordFile: string;
let receiver: LifecycleEventReceiverServer;

beforeAll(async () => {
  env = await connectTestEnvironment();
  scratch = await mkdtemp(path.join(tmpdir(), 'hotdocs-bulk-repair-'));
  passwordFile = path.join(scratch, 'acme.secret');
  const secret = randomBytes(32).toString('hex');
  receiver = await LifecycleEventReceiverServer.start(secret);
  const tenancies = path.join(scratch, 'tenancies.json');
  h = await createHarness(
    env,
    {},
    { COMPLETION_WEBHOOK_URL: receiver.url, COMPLETION_WEBHOOK_SECRET: secret },
  );
  // One tenancy, acme, on the harness's emulator; its password is read from a file at each login.
  await writeFile(passwordFile, `${h.emulator.credentials.principalPassword}\n`);
  await writeFile(
    tenancies,
    JSON.stringify({
      defaultTenancy: TENANCY,
      tenancies: {
        [TENANCY]: {
          tenancy: TENANCY,
          baseUrl: h.emulator.cloud.baseUrl,
          authUrl: h.emulator.cloud.authUrl,
          clientName: h.emulator.credentials.clientName,
          principalName: h.emulator.credentials.principalName,
          principalPasswordFile: 'acme.secret',
        },
      },
    }),
  );
  for (const name of Object.keys(advanceEnvForEmulator(h.emulator))) h.workerEnv[name] = '';
  h.workerEnv['ADVANCE_TENANCIES_FILE'] = tenancies;
  await h.startWorker();
});

afterAll(async () => {
  await mkdir(path.dirname(TRANSCRIPT), { recursive: true });
  await writeFile(TRANSCRIPT, `${transcript.filter((line) => line !== '').join('\n')}\n`);
  await h?.close();
  await receiver?.close();
  await env?.teardown();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<CliRun> {
  const run = await runCli(args, { taskQueue: h.taskQueue, scratch });
  const shown = args.map((arg) => (/[\s'()]/.test(arg) ? `"${arg}"` : arg)).join(' ');
  transcript.push(
    `$ hotdocs-temporal ${shown}   # exit ${run.code}`,
    run.stderr.trimEnd(),
    run.stdout.trimEnd(),
    '',
  );
  return run;
}

/**
 * One status query at a time: each takes a workflow task of the one worker, and fifty at once on
 * a busy machine outlast the query's deadline.
 */
async function statusesOf(ids: string[]): Promise<LifecycleStatus[]> {
  const statuses: LifecycleStatus[] = [];
  for (const id of ids) statuses.push(await h.lifecycles.status(id, { withDeliveries: false }));
  return statuses;
}

function json<T>(run: CliRun): T {
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as T;
}

test('50 lifecycles parked by a refused login: listed, dry run, limit, then repaired and completed', async () => {
  // The dev server is shared with other test files: count this test's lifecycles only.
  const ours = `TaskQueue = '${h.taskQueue}'`;
  // An administrator rotates the principal's password in Advance; the worker's file still has the old one.
  h.emulator.setPrincipalPassword('rotated-secret');
  h.emulator.expireTokens();
  const ids = await Promise.all(
    Array.from({ length: COUNT }, async () => {
      const input = lifecycleInput({ businessKey: `bulk-${randomUUID()}`, tenancy: TENANCY, mode: 'batch' });
      return (await h.lifecycles.start(input)).lifecycleId;
    }),
  );
  await eventually(
    async () => {
      const { count } = await env.client.workflow.count(`${ours} AND HotDocsStage = 'needs-attention'`);
      return count === COUNT ? count : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500, what: `${COUNT} lifecycles in needs-attention` },
  );
  const parked = await h.lifecycles.status(ids[0]!);
  expect(parked.attention).toMatchObject({ reason: 'credentials-refused' });
  expect(h.emulator.state.workItems).toHaveLength(0);

  // Found by stage and tenancy, as a table and as JSON. The CLI lists and repairs the lifecycles
  // of its task queue (TEMPORAL_TASK_QUEUE): this test's.
  const listArgs = ['lifecycles', 'list', '--stage', 'needs-attention', '--tenancy', TENANCY];
  const listing = json<LifecycleListing>(await cli([...listArgs, '--json']));
  expect(listing.lifecycles.map((l) => l.lifecycleId).sort()).toEqual([...ids].sort());
  expect(listing.lifecycles.every((l) => l.stage === 'needs-attention' && l.tenancy === TENANCY)).toBe(true);
  expect(listing.truncated).toBe(false);
  expect(listing.query).toContain(`TaskQueue = '${h.taskQueue}'`);
  const table = await cli(listArgs);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^LIFECYCLE\s+STAGE\s+TENANCY\s+BUSINESS KEY\s+STARTED/);
  expect(table.stdout).toContain(`${ids[0]}`);
  expect(table.stdout.trimEnd().endsWith(`${COUNT} lifecycle(s)`)).toBe(true);
  const paged = json<LifecycleListing>(
    await cli([...listArgs, '--json', '--limit', '20', '--page-size', '7']),
  );
  expect([paged.lifecycles.length, paged.truncated]).toEqual([20, true]);

  // --dry-run lists all 50 and changes nothing.
  const query = `HotDocsTenancy = '${TENANCY}'`;
  const dryRun = json<BulkRepairSummary>(await cli(['repair', '--query', query, '--retry', '--dry-run']));
  expect(dryRun).toMatchObject({ dryRun: true, matched: COUNT, repaired: 0, refused: 0, failed: 0 });
  expect(dryRun.lifecycles.map((l) => l.lifecycleId).sort()).toEqual([...ids].sort());
  expect(dryRun.lifecycles.every((l) => l.outcome === 'would-repair')).toBe(true);
  // More than --limit without --yes: refused, nothing changed.
  const tooMany = await cli(['repair', '--query', query, '--retry', '--limit', '20']);
  expect(tooMany.code).toBe(1);
  expect(JSON.parse(tooMany.stderr).error).toMatchObject({
    code: 'too-many-matches',
    message: expect.stringContaining(`matches ${COUNT} lifecycles`),
  });
  const untouched = await statusesOf(ids);
  expect(untouched.every((s) => s.stage === 'needs-attention' && (s.repairs ?? []).length === 0)).toBe(true);
  expect(h.emulator.state.workItems).toHaveLength(0);

  // The password file is fixed; all 50 are repaired at once.
  await writeFile(passwordFile, 'rotated-secret\n');
  const run = await cli([
    'repair',
    '--query',
    query,
    '--retry',
    '--rate',
    '25',
    '--note',
    'password rotated',
  ]);
  const summary = json<BulkRepairSummary>(run);
  expect(summary).toMatchObject({
    dryRun: false,
    matched: COUNT,
    repaired: COUNT,
    refused: 0,
    failed: 0,
    skipped: 0,
  });
  expect(
    run.stderr.split('\n').filter((line) => /^\[\d+\/50\] assembly-acme~bulk-.*: repaired/.test(line)),
  ).toHaveLength(COUNT);
  expect(run.stderr).toContain(`${COUNT} matched: ${COUNT} repaired, 0 refused, 0 failed, 0 skipped`);

  const results = await Promise.all(ids.map((id) => h.lifecycles.result(id)));
  expect(results.filter((r) => r.outcome === 'completed')).toHaveLength(COUNT);
  // One work item per lifecycle, each completed once: from the emulator's own state.
  const workItems = h.emulator.state.workItems;
  expect(workItems.map((item) => item.id).sort()).toEqual(results.map((r) => r.workItemId).sort());
  expect(
    workItems.every((item) => item.versions.length === 1 && item.versions[0]!.status === 'Completed'),
  ).toBe(true);

  // Who and why, in each status and in each lifecycle's closing event.
  const by = userInfo().username;
  const repairedByUs = [
    expect.objectContaining({ action: 'retry', by, note: 'password rotated', reason: 'credentials-refused' }),
  ];
  const statuses = await statusesOf(ids);
  for (const status of statuses) {
    expect(status.repairs).toEqual(repairedByUs);
  }
  const closing = await eventually(
    () => {
      const events = receiver.handled.filter(
        (e) => e.type === 'lifecycle.completed' && ids.includes(e.lifecycleId),
      );
      return events.length === COUNT ? events : undefined;
    },
    { timeoutMs: 60_000, what: `${COUNT} lifecycle.completed events` },
  );
  transcript.push(
    `emulator: ${workItems.length} work items, ${workItems.filter((i) => i.versions.length === 1 && i.versions[0]!.status === 'Completed').length} with exactly one version, Completed; ` +
      `results: ${results.filter((r) => r.outcome === 'completed').length} completed; ` +
      `lifecycle.completed events with repairs by ${by}: ${closing.filter((e) => e.repairs?.[0]?.by === by).length}`,
  );
  for (const event of closing) {
    expect(event.repairs).toEqual(repairedByUs);
  }
}, 600_000);

test('bad bulk requests are refused before anything changes, with the reason', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['repair', '--query', "TaskQueue = 'x') OR (HotDocsTenancy = 'acme'", '--retry'],
      /a "\)" without its "\("/,
    ],
    [
      ['repair', '--query', "TaskQueue = 'x'", '--accept-completed'],
      /accept-completed is decided one lifecycle at a time/,
    ],
    [
      ['repair', 'assembly-one', '--query', "TaskQueue = 'x'", '--retry'],
      /a lifecycle id or --query, not both/,
    ],
    [['repair', '--query', "TaskQueue = 'x'", '--retry', '--rate', '0'], /rate must be above 0/],
    [['lifecycles', 'list', '--query', 'NoSuchAttribute = 1'], /Temporal refused it/],
  ];
  for (const [args, message] of cases) {
    const run = await cli(args);
    expect({ args, code: run.code }).toEqual({ args, code: 2 });
    expect(JSON.parse(run.stderr).error).toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(message),
    });
  }
});
