import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KEYS } from '../support/gateway-harness';
import { expectDocumentsAsAssembled, PYTHON_EXAMPLE, pythonForExample } from '../support/python-example';
import { testServerLocation } from '../support/temporal';
import { gatewayTestbed } from '../support/testbed';

/**
 * examples/python, run as its README says, with the Temporal Python SDK against the run's dev
 * server, an in-process worker on a task queue of its own, the emulator and the gateway: it starts
 * a lifecycle, finishes its interview by signal, waits for the result and downloads the documents.
 */

let python: string;
let scratch: string;

const bed = gatewayTestbed();

beforeAll(async () => {
  python = pythonForExample();
  scratch = await mkdtemp(path.join(tmpdir(), 'hotdocs-python-example-'));
}, 600_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function runExample(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { address, namespace } = testServerLocation();
  return new Promise((resolve) => {
    execFile(
      python,
      [PYTHON_EXAMPLE, ...args],
      {
        cwd: scratch,
        timeout: 120_000,
        env: {
          PATH: process.env['PATH'],
          TEMPORAL_ADDRESS: address,
          TEMPORAL_NAMESPACE: namespace,
          TEMPORAL_TASK_QUEUE: bed.h.taskQueue,
          HOTDOCS_GATEWAY_URL: bed.gateway.url,
          HOTDOCS_GATEWAY_API_KEY: KEYS.crm,
        },
      },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        }),
    );
  });
}

test('the Python business system completes a lifecycle and downloads its documents, checked', async () => {
  const businessKey = `python-${randomUUID()}`;
  const run = await runExample(['--business-key', businessKey, '--out', 'out']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const output = JSON.parse(run.stdout);
  expect(output).toMatchObject({ lifecycleId: `assembly-${businessKey}`, outcome: 'completed' });

  // The lifecycle it drove is a real one, completed, with the interview it signalled.
  const result = await bed.h.lifecycles.result(output.lifecycleId);
  expect(result.sessions.map((s) => s.versionId)).toEqual([output.versionId]);
  expect(output.documents).toHaveLength(2);
  await expectDocumentsAsAssembled(bed.h, output.workItemId, output.documents, scratch);
}, 180_000);

test('without an API key it says which variable to set', async () => {
  const { address } = testServerLocation();
  const run = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      python,
      [PYTHON_EXAMPLE],
      { env: { PATH: process.env['PATH'], TEMPORAL_ADDRESS: address } },
      (error, _o, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stderr }),
    );
  });
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stderr).error).toContain('HOTDOCS_GATEWAY_API_KEY');
});
