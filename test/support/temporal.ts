import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { resolveTemporalTestServer, toEphemeralServerExecutable } from '../../tools/temporal';
import { TEST_ADDRESS_ENV, TEST_NAMESPACE_ENV } from './test-server-env';

// Workers log every state change at INFO, which buries test failures. Importing this module
// lowers the default to WARN (TEMPORAL_TEST_LOG_LEVEL overrides it). Only the defaults change:
// a test that installs its own Runtime (to capture logs or metrics) still can.
Runtime.defaultOptions = {
  ...Runtime.defaultOptions,
  logger: new DefaultLogger((process.env.TEMPORAL_TEST_LOG_LEVEL ?? 'WARN') as LogLevel),
};

/** Address and namespace of the run's shared dev server, published by the jest global setup. */
export function testServerLocation(): { address: string; namespace: string } {
  const address = process.env[TEST_ADDRESS_ENV];
  if (address === undefined) {
    throw new Error(
      `${TEST_ADDRESS_ENV} is not set: run the tests through jest (its global setup starts Temporal)`,
    );
  }
  return { address, namespace: process.env[TEST_NAMESPACE_ENV] ?? 'default' };
}

/**
 * A test environment on the shared dev server: `client`, `nativeConnection` for workers and
 * `namespace`. Call `teardown()` in `afterAll`; it closes connections, not the server.
 */
export async function connectTestEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer(testServerLocation());
}

/** Tests share one server; a task queue of their own keeps their workers apart. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * A private time-skipping test server, for timers measured in days. It has no custom search
 * attributes. Starts the local binary (TEMPORAL_TEST_SERVER_PATH → PATH → .tools), so it works
 * offline; only when none exists does the SDK download one.
 */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: toEphemeralServerExecutable(resolveTemporalTestServer()) },
  });
}
