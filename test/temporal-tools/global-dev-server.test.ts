import { randomUUID } from 'node:crypto';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { echoWorkflow, releaseEchoSignal } from '../fixtures/workflows/echo';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';

// Runs against the one dev server that the jest global setup started for the whole run.
describe('the shared Temporal dev server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await connectTestEnvironment();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('answers in the test namespace', async () => {
    const { namespaceInfo } = await env.connection.workflowService.describeNamespace({
      namespace: env.namespace,
    });

    expect(namespaceInfo?.name).toBe(env.namespace);
  });

  it('has the lifecycle search attributes registered with their types', async () => {
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({
      namespace: env.namespace,
    });
    for (const { name, type } of LIFECYCLE_SEARCH_ATTRIBUTES) {
      const expected = encodeSearchAttributeIndexedValueType(type === 'Datetime' ? 'DATETIME' : 'KEYWORD');
      expect({ name, type: customAttributes?.[name] }).toEqual({ name, type: expected });
    }
  });

  it('runs a bundled workflow end to end on a worker, released by a signal', async () => {
    const taskQueue = uniqueTaskQueue('echo');
    // workflowsPath makes the SDK bundle the TypeScript file itself: this is the part to prove.
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/workflows/echo'),
    });

    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(echoWorkflow, {
        taskQueue,
        workflowId: `echo-${randomUUID()}`,
        args: ['hello'],
      });
      await handle.signal(releaseEchoSignal, ', world');
      return handle.result();
    });

    expect(result).toBe('hello, world');
  });
});
