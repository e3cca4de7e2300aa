import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { failureConverterPath } from '../../src/codec';
import { loadWorkerConfig } from '../../src/config';
import { connectTestEnvironment } from '../support/temporal';
import { createHarness, lifecycleInput, type Harness } from '../support/lifecycle-harness';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

const ROOT = path.resolve(__dirname, '..', '..');

test('the worker entry point reports every configuration problem by name, without a stack trace', () => {
  const run = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'src', 'worker.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      ADVANCE_DEPLOYMENT: 'onpremise',
      ADVANCE_PRINCIPAL_PASSWORD: 'hunter2-secret',
    },
    encoding: 'utf8',
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain('ADVANCE_TENANCY is required for an onpremise deployment');
  expect(run.stderr).toContain('ADVANCE_CLIENT_NAME is required');
  expect(run.stderr).toContain('ADVANCE_DOMAIN is required');
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr + run.stdout).not.toContain('hunter2-secret');
}, 30_000);

describe('a worker on a prebuilt workflow bundle (as npm start runs it)', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  let worker: WorkerProcess | undefined;
  let bundleDir: string;

  beforeAll(async () => {
    env = await connectTestEnvironment();
    h = await createHarness(env);
    bundleDir = await mkdtemp(path.join(tmpdir(), 'hotdocs-bundle-'));
  });

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await h?.close();
    await env?.teardown();
    await rm(bundleDir, { recursive: true, force: true });
  });

  test('runs a lifecycle from WORKFLOW_BUNDLE_PATH and shuts down on SIGTERM', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      failureConverterPath: failureConverterPath(false),
    });
    const bundlePath = path.join(bundleDir, 'workflow-bundle.js');
    await writeFile(bundlePath, code);
    worker = await spawnWorker({ ...h.workerEnv, WORKFLOW_BUNDLE_PATH: bundlePath });
    const started = await h.lifecycles.start(lifecycleInput({ mode: 'batch' }));
    expect((await h.lifecycles.result(started.lifecycleId)).outcome).toBe('completed');
    await worker.kill('SIGTERM');
    expect(worker.child.exitCode).toBe(0);
    worker = undefined;
  }, 90_000);

  test('a bundle that does not fit the encryption setting is refused at start, saying which one fits', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      failureConverterPath: failureConverterPath(true),
    });
    const encryptedBundle = path.join(bundleDir, 'workflow-bundle.encrypted.js');
    await writeFile(encryptedBundle, code);
    const withoutKeys = { ...h.workerEnv, WORKFLOW_BUNDLE_PATH: encryptedBundle };
    expect(() => loadWorkerConfig(withoutKeys)).toThrow(
      /WORKFLOW_BUNDLE_PATH: .* does not fit: it was built for payload encryption .* use workflow-bundle\.js/,
    );
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    expect(loadWorkerConfig({ ...withoutKeys, PAYLOAD_ENCRYPTION_KEYS: keys }).workflowBundlePath).toBe(
      encryptedBundle,
    );
    const plainBundle = path.join(bundleDir, 'workflow-bundle.js');
    expect(() =>
      loadWorkerConfig({ ...h.workerEnv, WORKFLOW_BUNDLE_PATH: plainBundle, PAYLOAD_ENCRYPTION_KEYS: keys }),
    ).toThrow(
      /does not fit: it was built without encrypted failure messages; with PAYLOAD_ENCRYPTION_KEYS use workflow-bundle\.encrypted\.js/,
    );
  }, 90_000);
});
