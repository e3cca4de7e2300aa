import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { LifecycleResult, LifecycleStatus } from '../../src/workflows/lifecycle-status';
import type { BegunSessionInfo } from '../../src/workflows/messages';
import type { LifecycleStage } from '../../src/workflows/message-rules';
import { runCli, type CliRun } from '../support/cli-process';
import { connectTestEnvironment, testServerLocation } from '../support/temporal';
import {
  ANSWERS,
  atStage,
  createHarness,
  eventually,
  lifecycleInput,
  type Harness,
} from '../support/lifecycle-harness';

/**
 * The lifecycle commands of `hotdocs-temporal`, run as a user runs them: the real bin script in
 * a child process, configured through the environment, against the run's Temporal dev server, an
 * in-process worker and the Advance emulator. Waiting for a stage goes through the in-process
 * client (a CLI spawn costs a second of start-up); everything under test goes through the CLI.
 */

const BIN = path.join(__dirname, '..', '..', 'bin', 'hotdocs-temporal.js');
const run = promisify(execFile);

interface CliErrorBody {
  code: string;
  message: string;
  problems?: string[];
}

let env: TestWorkflowEnvironment;
let h: Harness;
let scratch: string;
/** Started at once: a connect to a dead address takes the SDK's 10 s timeout, overlapped with the rest. */
let unreachable: Promise<CliRun>;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'hotdocs-cli-'));
  unreachable = cli(['status', 'assembly-anything', '--address', '127.0.0.1:1']);
  env = await connectTestEnvironment();
  h = await createHarness(env);
  await h.startWorker();
});

afterAll(async () => {
  await unreachable;
  await h?.close();
  await env?.teardown();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** Runs the CLI; resolves with its exit code and output (never rejects on a non-zero exit). */
function cli(args: string[], { stdin }: { stdin?: string } = {}): Promise<CliRun> {
  // h is set in beforeAll; the early unreachable run needs no task queue.
  return runCli(args, {
    taskQueue: h?.taskQueue ?? 'unused',
    scratch,
    ...(stdin !== undefined && { stdin }),
  });
}

/** The JSON a successful run printed on stdout. */
function ok<T>(run: CliRun): T {
  if (run.code !== 0 || run.stderr.trim() !== '') {
    throw new Error(`hotdocs-temporal ${run.args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  }
  return JSON.parse(run.stdout) as T;
}

/** The error a failed run printed on stderr: one JSON document, nothing on stdout, no stack. */
function failed(run: CliRun, exitCode: number): CliErrorBody {
  if (run.code !== exitCode) {
    throw new Error(
      `hotdocs-temporal ${run.args.join(' ')} exited ${run.code}, expected ${exitCode}:\n${run.stdout}${run.stderr}`,
    );
  }
  expect(run.stdout).toBe('');
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return (JSON.parse(run.stderr) as { error: CliErrorBody }).error;
}

async function stage(
  id: string,
  expected: LifecycleStage,
  check: (s: LifecycleStatus) => boolean = () => true,
) {
  return atStage(h.lifecycles, id, expected, { until: check });
}

test('start from a file, status, complete-interview without a version id, result; a repeated start finds it', async () => {
  const businessKey = `cli-${randomUUID()}`;
  const inputFile = path.join(scratch, 'lease.json');
  await writeFile(inputFile, JSON.stringify(lifecycleInput({ businessKey })));

  const started = ok<Record<string, unknown>>(await cli(['start', '--input', inputFile]));
  expect(started).toEqual({
    lifecycleId: `assembly-${businessKey}`,
    runId: expect.any(String),
    workItemId: expect.stringMatching(/^[0-9a-f-]{36}$/), // chosen by the client at start
    created: true,
    status: 'RUNNING',
  });
  const lifecycleId = started['lifecycleId'] as string;
  await stage(lifecycleId, 'waiting-for-interview');

  const status = ok<LifecycleStatus>(await cli(['status', lifecycleId]));
  expect(status.workItemId).toBe(started['workItemId']);
  expect(status).toMatchObject({ stage: 'waiting-for-interview', businessKey, completedSessions: [] });
  const versionId = status.activeSession!.versionId;

  expect(ok(await cli(['complete-interview', lifecycleId]))).toEqual({
    lifecycleId,
    versionId,
    outcome: 'accepted',
  });

  const result = ok<LifecycleResult>(await cli(['result', lifecycleId]));
  expect(result).toMatchObject({ outcome: 'completed', workItemId: status.workItemId });
  expect(result.sessions.map((s) => [s.versionId, s.assembled])).toEqual([[versionId, true]]);
  expect(result.sessions[0]!.documents.length).toBeGreaterThan(0);

  // Inline input without a key, --business-key supplying the same one: the same lifecycle.
  const again = ok(
    await cli(['start', '--json', JSON.stringify(lifecycleInput()), '--business-key', businessKey]),
  );
  expect(again).toEqual({
    lifecycleId,
    runId: started['runId'],
    workItemId: status.workItemId,
    created: false,
    status: 'COMPLETED',
  });
});

test('follow-ups with and without --wait on a lifecycle kept open, finish, then a refused signal', async () => {
  const started = ok<{ lifecycleId: string; created: boolean; workItemId: string }>(
    await cli(['start', '--input', '-'], {
      stdin: JSON.stringify(lifecycleInput({ mode: 'batch', keepOpenFor: '1h' })),
    }),
  );
  expect(started.created).toBe(true);
  const { lifecycleId } = started;
  await stage(lifecycleId, 'idle');

  const [begun, stillRunning] = await Promise.all([
    cli(['follow-up', lifecycleId, '--wait', '--mode', 'interview']),
    cli(['result', lifecycleId, '--no-wait']),
  ]);
  expect(failed(stillRunning, 1).code).toBe('lifecycle-still-running');
  const session = ok<BegunSessionInfo>(begun);
  expect(session).toMatchObject({ workItemId: started.workItemId, mode: 'interview' });
  expect(session.interviewJsUrl).toContain(session.coreSessionId);

  expect(ok(await cli(['complete-interview', lifecycleId]))).toEqual({
    lifecycleId,
    versionId: session.versionId,
    outcome: 'accepted',
  });
  await stage(lifecycleId, 'idle', (s) => s.completedSessions.length === 2);

  const answersFile = path.join(scratch, 'answers.xml');
  await writeFile(answersFile, ANSWERS);
  const [queued, notWaiting] = await Promise.all([
    cli(['follow-up', lifecycleId, '--mode', 'batch', '--no-run-assembly', '--answer-xml-file', answersFile]),
    cli(['complete-interview', lifecycleId]),
  ]);
  expect(ok(queued)).toEqual({ lifecycleId, queued: true });
  expect(failed(notWaiting, 1).code).toBe('no-interview-waiting');
  await stage(lifecycleId, 'idle', (s) => s.completedSessions.length === 3);

  expect(ok(await cli(['finish', lifecycleId]))).toEqual({ lifecycleId, finishRequested: true });
  const result = await h.lifecycles.result(lifecycleId);
  expect(result.sessions.map((s) => [s.mode, s.assembled])).toEqual([
    ['batch', true],
    ['interview', true],
    ['batch', false],
  ]);
  expect(result.sessions[1]!.versionId).toBe(session.versionId);

  const refused = failed(await cli(['follow-up', lifecycleId]), 1);
  expect(refused).toEqual({
    code: 'lifecycle-closed',
    message: `Lifecycle "${lifecycleId}" has already ended (completed)`,
  });
});

test('cancel saves the waiting session and ends the lifecycle as cancelled', async () => {
  const businessKey = `cli-cancel-${randomUUID()}`;
  const { lifecycleId } = ok<{ lifecycleId: string }>(
    await cli(['start', '--json', JSON.stringify(lifecycleInput({ businessKey }))]),
  );
  const waiting = await stage(lifecycleId, 'waiting-for-interview');

  expect(ok(await cli(['cancel', lifecycleId]))).toEqual({ lifecycleId, cancelRequested: true });
  await eventually(
    async () => {
      const { status } = await env.client.workflow.getHandle(lifecycleId).describe();
      return status.name === 'CANCELLED' ? true : undefined;
    },
    { what: `${lifecycleId} to be cancelled` },
  );
  expect(h.emulator.workItem(waiting.workItemId)!.versions[0]).toMatchObject({
    versionId: waiting.activeSession!.versionId,
    status: 'Saved',
  });
});

test('repair: a lifecycle refused with 403 needs attention; repair --retry, once fixed, lets it complete', async () => {
  // The principal's scope no longer covers creating work items (a 403): an operator can fix that.
  h.emulator.setFaults({ script: [{ endpoint: 'createWorkItem', fault: 'error', status: 403 }] });
  const businessKey = `cli-repair-${randomUUID()}`;
  const { lifecycleId } = ok<{ lifecycleId: string }>(
    await cli(['start', '--json', JSON.stringify(lifecycleInput({ businessKey, mode: 'batch' }))]),
  );
  const attention = await stage(lifecycleId, 'needs-attention');
  expect(attention.attention).toMatchObject({ reason: 'forbidden', call: 'createWorkItem' });

  // Two actions at once is an input error, refused before anything reaches Temporal.
  expect(failed(await cli(['repair', lifecycleId, '--retry', '--abandon']), 2).code).toBe('invalid-input');
  // Corrected answers go with a retry only, and are checked like every answer XML, before
  // anything is stored or sent.
  const withDtd = path.join(scratch, 'corrected-with-dtd.xml');
  await writeFile(withDtd, '<!DOCTYPE AnswerSet [<!ENTITY x "y">]><AnswerSet/>');
  expect(failed(await cli(['repair', lifecycleId, '--abandon', '--answers', withDtd]), 2).message).toMatch(
    /--answers goes with --retry/,
  );
  expect(failed(await cli(['repair', lifecycleId, '--retry', '--answers', withDtd]), 2).message).toMatch(
    /corrected answers: .*DOCTYPE is not allowed/,
  );
  // The scope is fixed (the scripted 403 was the only one); the operator retries.
  expect(ok(await cli(['repair', lifecycleId, '--retry', '--note', 'scope restored']))).toMatchObject({
    lifecycleId,
    action: 'retry',
  });
  const result = ok<LifecycleResult>(await cli(['result', lifecycleId]));
  expect(result.outcome).toBe('completed');
  const status = await h.lifecycles.status(lifecycleId);
  expect(status.repairs).toEqual([expect.objectContaining({ action: 'retry', note: 'scope restored' })]);
  expect(h.emulator.workItem(result.workItemId)!.versions.map((v) => v.status)).toEqual(['Completed']);
});

test('expected errors: one JSON document on stderr with a stable code, exit 2 for input, 1 otherwise', async () => {
  const [syntax, schema, missingFile, unknown] = await Promise.all([
    cli(['start', '--json', '{"workItem": {"name": "Lease",']),
    cli(['start', '--input', '-'], {
      stdin: JSON.stringify({ workItem: { name: '', workGroupId: 'nope' }, mode: 'fast', colour: 'red' }),
    }),
    cli(['start', '--input', path.join(scratch, 'no-such-input.json')]),
    cli(['status', `assembly-no-such-${randomUUID()}`]),
  ]);

  const syntaxError = failed(syntax, 2);
  expect(syntaxError.code).toBe('invalid-input');
  expect(syntaxError.message).toContain('--json is not valid JSON');

  const schemaError = failed(schema, 2);
  expect(schemaError.code).toBe('invalid-input');
  expect(schemaError.problems).toEqual([
    'workItem.name is required',
    'workItem.workGroupId must be a GUID (8-4-4-4-12 hex digits)',
    'workItem.templatePackageId must be a GUID string',
    'mode must be "interview" or "batch"',
    'unknown field(s): colour',
  ]);

  expect(failed(missingFile, 2)).toMatchObject({
    code: 'invalid-input',
    problems: [expect.stringMatching(/cannot read input file .*no-such-input\.json: no such file/)],
  });

  expect(failed(unknown, 1).code).toBe('lifecycle-not-found');

  const unreachableError = failed(await unreachable, 1);
  expect(unreachableError.code).toBe('temporal-unreachable');
  expect(unreachableError.message).toMatch(/^cannot reach Temporal at 127\.0\.0\.1:1: /);
});

test('--help of each lifecycle command shows an example', async () => {
  const commands = ['start', 'complete-interview', 'follow-up', 'finish', 'cancel', 'status', 'result'];
  const helps = await Promise.all(commands.map((command) => cli([command, '--help'])));
  helps.forEach((help, i) => {
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples?:/);
    expect(help.stdout).toContain(`$ hotdocs-temporal ${commands[i]!} `);
  });
});

test("start --help's examples work as pasted (no placeholders)", async () => {
  const help = await cli(['start', '--help']);
  const piped = help.stdout.split('\n').find((line) => line.includes('| hotdocs-temporal start --input -'));
  expect(piped).toBeDefined();
  // The command as a user pastes it, with `hotdocs-temporal` on PATH as `npm install` puts it.
  const bin = path.join(scratch, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(
    path.join(bin, 'hotdocs-temporal'),
    `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
    {
      mode: 0o755,
    },
  );
  const { address, namespace } = testServerLocation();
  const pasted = await run('bash', ['-c', piped!.replace(/^\s*\$\s*/, '')], {
    env: {
      PATH: `${bin}:${process.env['PATH']}`,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      TEMPORAL_CONFIG_FILE: path.join(scratch, 'no-such-temporal.toml'),
    },
  });
  expect(JSON.parse(pasted.stdout)).toMatchObject({ lifecycleId: 'assembly-lease-43', created: true });
  await h.lifecycles.cancel('assembly-lease-43');
});
