import { Connection } from '@temporalio/client';
import { ensureTemporalTools, resolveTemporalCli, startDevServer } from '../../tools/temporal';
import type { RunningDevServer } from '../../tools/temporal';
import { prepareSharedWorkflowBundles } from './shared-workflow-bundle';
import { TEST_ADDRESS_ENV, TEST_NAMESPACE_ENV } from './test-server-env';

/** Handed to global-teardown.ts, which jest runs in the same context as this module. */
export interface TemporalGlobalState {
  startedServer?: RunningDevServer;
  /** Projects of this run that use it (each project runs this setup and the teardown once). */
  users: number;
}
export const TEMPORAL_GLOBAL_STATE = Symbol.for('hotdocs-advance-temporal.test-server');

/**
 * One Temporal dev server for the whole jest run (workers inherit the env vars set here), unless
 * TEMPORAL_TEST_ADDRESS already names a server to attach to; and one workflow bundle for every
 * worker the tests start in-process (shared-workflow-bundle.ts).
 */
export default async function globalSetup(): Promise<void> {
  // Several jest projects share the run's one server: the first starts it, the last stops it.
  const existing = (globalThis as Record<symbol, unknown>)[TEMPORAL_GLOBAL_STATE] as
    TemporalGlobalState | undefined;
  if (existing?.startedServer !== undefined) {
    existing.users += 1;
    return;
  }
  const state: TemporalGlobalState = { users: 1 };
  (globalThis as Record<symbol, unknown>)[TEMPORAL_GLOBAL_STATE] = state;

  const userAddress = process.env[TEST_ADDRESS_ENV];
  // Installing here rather than in an npm `pretest` script: it also covers `npx jest`, and it is
  // skipped entirely for developers who bring their own binaries (env var or PATH).
  ensureTemporalTools({ cli: userAddress === undefined, testServer: true });
  await prepareSharedWorkflowBundles();

  if (userAddress !== undefined) {
    const namespace = process.env[TEST_NAMESPACE_ENV] ?? 'default';
    process.env[TEST_NAMESPACE_ENV] = namespace;
    await assertReachable(userAddress, namespace);
    console.log(
      `\nTemporal: using the server at ${userAddress} (namespace ${namespace}) from ${TEST_ADDRESS_ENV}`,
    );
    return;
  }

  const startedAt = Date.now();
  // In memory: nothing of a test run is worth keeping.
  const server = await startDevServer();
  state.startedServer = server;
  process.env[TEST_ADDRESS_ENV] = server.address;
  process.env[TEST_NAMESPACE_ENV] = server.namespace;
  const cli = resolveTemporalCli();
  console.log(
    `\nTemporal: dev server ${server.address} ready in ${Date.now() - startedAt} ms ` +
      `(pid ${server.pid}, CLI from ${cli.source}: ${cli.path ?? 'download'})`,
  );
}

/** Fails the run at once, with the address, instead of every test timing out on its own. */
async function assertReachable(address: string, namespace: string): Promise<void> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5s' });
    await connection.workflowService.describeNamespace({ namespace });
  } catch (error) {
    throw new Error(
      `${TEST_ADDRESS_ENV}=${address}: Temporal is not reachable or namespace ${namespace} is missing: ` +
        (error as Error).message,
    );
  } finally {
    await connection?.close();
  }
}
