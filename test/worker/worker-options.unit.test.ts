import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { TRACING_WORKFLOW_MODULES, tracingWorkerOptions } from '../../src/observability/tracing-worker';
import { withExtraOptions } from '../../src/worker';

const extraActivity: ActivityInterceptorsFactory = () => ({});

test("a caller's interceptors join the tracing interceptors instead of replacing them", () => {
  expect.assertions(3);
  const merged = withExtraOptions(tracingWorkerOptions(undefined), {
    interceptors: { activity: [extraActivity], workflowModules: ['/extra/module.js'] },
    identity: 'test',
  });
  expect(merged.interceptors?.workflowModules).toEqual([...TRACING_WORKFLOW_MODULES, '/extra/module.js']);
  expect(merged.interceptors?.activity).toEqual([extraActivity]);
  expect(merged.identity).toBe('test');
});

test('a worker on a prebuilt bundle names no workflow module (the bundle has it compiled in)', () => {
  expect.assertions(2);
  const fromBundle = tracingWorkerOptions(undefined, { workflowBundle: { codePath: '/bundle.js' } });
  expect(fromBundle.interceptors?.workflowModules).toBeUndefined();
  expect(tracingWorkerOptions(undefined).interceptors?.workflowModules).toEqual([
    ...TRACING_WORKFLOW_MODULES,
  ]);
});
