import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli, type CliRun } from '../support/cli-process';
import { connectTestEnvironment } from '../support/temporal';
import { createHarness, lifecycleInput, type Harness } from '../support/lifecycle-harness';

/**
 * `hotdocs-temporal start --wait interview`: the start and the begun interview in one command,
 * the same session on a repeat with the same business key.
 */

let env: TestWorkflowEnvironment;
let h: Harness;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'hotdocs-cli-wait-'));
  env = await connectTestEnvironment();
  h = await createHarness(env);
  await h.startWorker();
});

afterAll(async () => {
  await h?.close();
  await env?.teardown();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

function startWaiting(businessKey: string): Promise<CliRun> {
  const input = JSON.stringify(lifecycleInput({ businessKey }));
  return runCli(['start', '--json', input, '--wait', 'interview'], { taskQueue: h.taskQueue, scratch });
}

test('start --wait interview prints the begun interview; a repeat prints the same session', async () => {
  expect.assertions(6);
  const businessKey = `cli-wait-${randomUUID()}`;
  const first = await startWaiting(businessKey);
  expect(first.code).toBe(0);
  const started = JSON.parse(first.stdout);
  expect(started.created).toBe(true);
  expect(started.interview).toMatchObject({ ready: true, stage: 'waiting-for-interview' });
  expect(started.interview.interview.interviewJsUrl).toEqual(expect.any(String));
  const repeat = JSON.parse((await startWaiting(businessKey)).stdout);
  expect(repeat.created).toBe(false);
  expect(repeat.interview.versionId).toBe(started.interview.versionId);
  await h.lifecycles.cancel(started.lifecycleId);
});
