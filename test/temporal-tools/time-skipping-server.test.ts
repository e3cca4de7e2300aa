import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { fortnightSleepWorkflow } from '../fixtures/workflows/fortnight-sleep';
import { createTimeSkippingEnvironment, uniqueTaskQueue } from '../support/temporal';

const FOURTEEN_DAYS_MS = 14 * 24 * 60 * 60 * 1000;

describe('the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTimeSkippingEnvironment();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('starts from the locally resolved binary and supports time skipping', () => {
    expect(env.supportsTimeSkipping).toBe(true);
  });

  it('lets a workflow sleep 14 days within a test', async () => {
    const taskQueue = uniqueTaskQueue('fortnight');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/workflows/fortnight-sleep'),
    });

    // Awaiting the result lets the server skip ahead to the timer instead of waiting for it.
    const workflowTimeElapsedMs = await worker.runUntil(
      env.client.workflow.execute(fortnightSleepWorkflow, {
        taskQueue,
        workflowId: `fortnight-${randomUUID()}`,
      }),
    );

    expect(workflowTimeElapsedMs).toBeGreaterThanOrEqual(FOURTEEN_DAYS_MS);
  });
});
