import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { resolveTemporalCli } from '../../tools/temporal';
import type { LifecycleResult, LifecycleStatus } from '../../src/workflows/lifecycle-status';
import { testServerLocation } from '../support/temporal';
import { atStage, lifecycleInput } from '../support/lifecycle-harness';
import { lifecycleTestbed } from '../support/testbed';

/**
 * The message names and JSON input are a public contract: the `temporal` CLI, which knows nothing
 * of our code, starts, signals and queries a lifecycle to completion.
 */

const run = promisify(execFile);
const bed = lifecycleTestbed();

async function temporal(...args: string[]): Promise<string> {
  const cli = resolveTemporalCli();
  if (cli.path === undefined)
    throw new Error('no local temporal CLI found (run tools/install-temporal-tools)');
  const { address, namespace } = testServerLocation();
  const { stdout } = await run(cli.path, [...args, '--address', address, '--namespace', namespace]);
  return stdout;
}

test('temporal workflow start / signal / query / update / result with JSON input', async () => {
  const workflowId = `cli-${randomUUID()}`;
  const input = lifecycleInput({ keepOpenFor: '1h' });
  await temporal(
    'workflow',
    'start',
    '--type',
    'assemblyLifecycle',
    '--task-queue',
    bed.taskQueue,
    '--workflow-id',
    workflowId,
    '--input',
    JSON.stringify(input),
  );
  const query = async () =>
    (
      JSON.parse(
        await temporal('workflow', 'query', '--workflow-id', workflowId, '--name', 'status', '-o', 'json'),
      ) as {
        queryResult: LifecycleStatus[];
      }
    ).queryResult[0]!;

  const waiting = await atStage({ status: query }, workflowId, 'waiting-for-interview');
  await temporal(
    'workflow',
    'signal',
    '--workflow-id',
    workflowId,
    '--name',
    'interviewCompleted',
    '--input',
    JSON.stringify({ versionId: waiting.activeSession!.versionId }),
  );
  const followUp = JSON.parse(
    await temporal(
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      workflowId,
      '--name',
      'beginFollowUpSession',
      '--input',
      JSON.stringify({ mode: 'batch' }),
      '-o',
      'json',
    ),
  ) as { result: { versionId: string } };
  expect(followUp.result.versionId).toMatch(/^[0-9a-f-]{36}$/);
  await temporal('workflow', 'signal', '--workflow-id', workflowId, '--name', 'finish');

  const result = JSON.parse(
    await temporal('workflow', 'result', '--workflow-id', workflowId, '-o', 'json'),
  ) as {
    result: LifecycleResult;
  };
  expect(result.result.outcome).toBe('completed');
  expect(result.result.sessions.map((s) => s.versionId)).toEqual([
    waiting.activeSession!.versionId,
    followUp.result.versionId,
  ]);
}, 60_000);
